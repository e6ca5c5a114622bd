"""A using agency's system as an OAuth 2 client: which office it looks up from, and the
official answerable for its look-ups (every look-up is in that official's name, as if made on
the look-up page, with the same checks and the same access-log entries)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AgencyClient(models.Model):
    application = models.OneToOneField(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL,
        on_delete=models.CASCADE,
        related_name="agency_client",
        verbose_name=_("OAuth application (client credentials)"),
    )
    office = models.ForeignKey(
        "portal.Office", on_delete=models.PROTECT, related_name="+", verbose_name=_("office it looks up from")
    )
    official = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("answerable official"),
        help_text=_("An official of the office; the look-ups of this system are made and logged in their name."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("agency system (API client)")
        verbose_name_plural = _("agency systems (API clients)")

    def __str__(self) -> str:
        return f"{self.application} ({self.office})"
