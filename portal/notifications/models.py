"""What a citizen chose to be told through, and every notification the portal sent them."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .kinds import kind_label

# Korean mobile numbers: 010-1234-5678, 01012345678, 011-123-4567 ...
phone_validator = RegexValidator(
    r"^01[016789]-?\d{3,4}-?\d{4}$", _("Enter a Korean mobile number, e.g. 010-1234-5678.")
)


def phone_digits(value: str) -> str:
    return "".join(ch for ch in value or "" if ch.isdigit())


class Medium(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("Text message (SMS)")
    KAKAO = "kakao", _("KakaoTalk")


class NotificationPreference(models.Model):
    """The citizen's channels. Without a row: e-mail only."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
        verbose_name=_("user"),
    )
    email = models.BooleanField(_("e-mail"), default=True)
    sms = models.BooleanField(_("text message (SMS)"), default=False)
    kakao = models.BooleanField(_("KakaoTalk"), default=False)
    phone = models.CharField(_("mobile phone number"), max_length=20, blank=True, validators=[phone_validator])
    # When the citizen agreed to messages on their phone (SMS or KakaoTalk); cleared when both are off.
    phone_consented_at = models.DateTimeField(_("consent to messages on the phone"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(sms=False) & models.Q(kakao=False)) | ~models.Q(phone=""),
                name="notifications_phone_needed_for_sms_or_kakao",
            ),
        ]

    def __str__(self) -> str:
        return str(self.user)

    def media(self) -> list[str]:
        chosen = [(Medium.EMAIL, self.email), (Medium.SMS, self.sms), (Medium.KAKAO, self.kakao)]
        return [str(medium) for medium, on in chosen if on]


class Notification(models.Model):
    """One message to one person through one channel, from queued to sent or failed."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", pgettext_lazy("notification status", "Sent")
        FAILED = "failed", _("Failed")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=pgettext_lazy("person a notification is sent to", "recipient"),
    )
    # What it is about, as the layers above name it: a petition's receipt number (or the public
    # id of a draft), a privacy inquiry ("inquiry:<id>"). No foreign key: this layer is below them.
    case_ref = models.CharField(_("about"), max_length=60, blank=True, db_index=True)
    kind = models.CharField(_("kind"), max_length=40)
    channel = models.CharField(_("channel"), max_length=10, choices=Medium.choices)
    provider = models.CharField(_("provider"), max_length=40, blank=True)
    # The event this notification is for; with the recipient, channel and kind: sent once.
    dedupe_key = models.CharField(_("event"), max_length=120)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    address = models.CharField(_("address"), max_length=254, blank=True)
    language = models.CharField(_("language"), max_length=8, default="ko")
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    text = models.CharField(_("short text"), max_length=1000)
    body = models.TextField(_("e-mail body"), blank=True)
    template_code = models.CharField(_("message template"), max_length=60, blank=True)
    variables = models.JSONField(_("template variables"), default=dict, blank=True)
    provider_message_id = models.CharField(_("provider's message id"), max_length=100, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("queued"), auto_now_add=True, db_index=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "channel", "kind", "dedupe_key"], name="notifications_once_per_event"
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notifications_due_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.channel} {self.case_ref}"

    @property
    def kind_label(self):
        return kind_label(self.kind)

    @property
    def when(self):
        return self.sent_at or self.failed_at or self.created_at
