"""Accounts: the custom user with its role, and the offices officials work in."""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class BilingualNameMixin:
    """Models with ``name_ko`` and ``name_en`` show the name of the active language."""

    name_ko: str
    name_en: str

    @property
    def name(self) -> str:
        if (get_language() or "ko").startswith("en") and self.name_en:
            return self.name_en
        return self.name_ko

    def __str__(self) -> str:
        return self.name


class UsingAgency(BilingualNameMixin, models.Model):
    """A using agency (이용기관): a ministry, local government or public institution that owns
    offices and applies for approved uses of shared information for its affairs."""

    class Kind(models.TextChoices):
        CENTRAL = "central", _("Central government")
        LOCAL = "local", _("Local government")
        PUBLIC = "public", _("Public institution")
        FINANCIAL = "financial", _("Financial institution")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_ko = models.CharField(_("name (Korean)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    kind = models.CharField(_("kind of agency"), max_length=20, choices=Kind.choices)

    class Meta:
        verbose_name = _("using agency")
        verbose_name_plural = _("using agencies")
        ordering = ["name_ko"]


class Office(BilingualNameMixin, models.Model):
    """An office of a using agency: the public office that handles petitions and look-ups."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_ko = models.CharField(_("name (Korean)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    # 행정표준코드 of the si/gun/gu the office serves; petitions of residents of that
    # district are routed here when a petition type routes by district.
    district_code = models.CharField(_("district code"), max_length=10, blank=True, db_index=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    using_agency = models.ForeignKey(
        UsingAgency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="offices",
        verbose_name=_("using agency"),
        help_text=_("The agency whose approved uses this office's fetches and look-ups run under."),
    )

    class Meta:
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        ordering = ["name_ko"]


class PortalUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", User.Role.ADMINISTRATOR)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    class Role(models.TextChoices):
        CITIZEN = "citizen", _("Citizen")
        OFFICIAL = "official", _("Official")
        ADMINISTRATOR = "administrator", _("Administrator")
        # Staff of an organisation citizens submit e-documents to (a bank, an employer):
        # signs in with a second factor and sees only its organisation's inbox.
        RECIPIENT = "recipient", _("Recipient staff")

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.CITIZEN)
    full_name = models.CharField(_("name"), max_length=100, blank=True)
    preferred_language = models.CharField(
        _("language for letters and e-mail"),
        max_length=8,
        choices=[("ko", _("Korean")), ("en", _("English"))],
        default="ko",
    )
    staff_number = models.CharField(_("staff number"), max_length=20, blank=True)
    offices: models.ManyToManyField[Office, OfficeMembership] = models.ManyToManyField(
        Office, through="OfficeMembership", related_name="members", blank=True, verbose_name=_("offices")
    )

    objects: ClassVar[PortalUserManager] = PortalUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="portal_user_email_ci_unique",
                violation_error_message=_("An account with this e-mail address already exists."),
            ),
        ]

    def save(self, *args, **kwargs):
        # Administrators reach the admin site; nobody else does.
        self.is_staff = self.role == self.Role.ADMINISTRATOR or self.is_superuser
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    @property
    def is_citizen(self) -> bool:
        return self.role == self.Role.CITIZEN

    @property
    def is_official(self) -> bool:
        return self.role == self.Role.OFFICIAL

    @property
    def is_administrator(self) -> bool:
        return self.role == self.Role.ADMINISTRATOR

    @property
    def is_recipient_staff(self) -> bool:
        return self.role == self.Role.RECIPIENT

    @property
    def requires_second_factor(self) -> bool:
        """Officials and administrators must pass a second factor in every session."""
        return self.role != self.Role.CITIZEN or self.is_staff or self.is_superuser


class OfficeMembership(models.Model):
    class Role(models.TextChoices):
        REVIEWER = "reviewer", _("Reviewer")
        SUPERVISOR = "supervisor", _("Supervisor")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("official"))
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("office"))
    role = models.CharField(_("role in the office"), max_length=20, choices=Role.choices, default=Role.REVIEWER)

    class Meta:
        verbose_name = _("office membership")
        verbose_name_plural = _("office memberships")
        constraints = [models.UniqueConstraint(fields=["user", "office"], name="portal_membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.office} ({self.get_role_display()})"
