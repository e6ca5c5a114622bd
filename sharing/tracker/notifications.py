"""Notifications about privacy inquiries, each in its reader's language, without personal data.

The citizen's (their question was answered) goes through the portal's notification channels
(``portal.notifications``, the bottom layer: e-mail, SMS or KakaoTalk as they chose) and is
recorded there under ``inquiry:<public id>``; the privacy officers' (a question was asked) stay
e-mails, as officials' notifications are."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _l

from portal.notifications.kinds import register_kind
from portal.notifications.services import notify

from .models import PrivacyInquiry, PrivacyOfficer

logger = logging.getLogger(__name__)
EVENTS = {"asked", "answered"}
register_kind("inquiry_answered", _l("Your privacy question was answered"))


def _send(user, template: str, context: dict) -> bool:
    if not user.email:
        return False
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"tracker/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"tracker/email/{template}.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    return True


def privacy_inquiry_notify_send(*, inquiry_id: int, event: str) -> int:
    """Mails the privacy officers of the office (asked) or notifies the citizen (answered); once per event."""
    if event not in EVENTS:
        return 0
    inquiry = PrivacyInquiry.objects.select_related("citizen", "office").filter(pk=inquiry_id).first()
    if inquiry is None or (event == "answered" and inquiry.status != PrivacyInquiry.Status.ANSWERED):
        return 0
    # A redelivered task must not mail twice.
    if not cache.add(f"tracker:inquiry-mail:{inquiry_id}:{event}", 1, timeout=7 * 24 * 3600):
        return 0
    context = {"inquiry": inquiry, "site_url": settings.SITE_URL}
    if event == "answered":
        return _citizen_notify(inquiry, context)
    recipients = [
        officer.user for officer in PrivacyOfficer.objects.filter(office_id=inquiry.office_id).select_related("user")
    ]
    sent = sum(_send(user, f"inquiry_{event}", context) for user in recipients)
    logger.info("privacy inquiry %s: %s e-mail(s) sent for %s", inquiry_id, sent, event)
    return sent


def _citizen_notify(inquiry: PrivacyInquiry, context: dict) -> int:
    citizen = inquiry.citizen
    language = citizen.preferred_language or settings.LANGUAGE_CODE
    link = settings.SITE_URL + reverse("tracker:my_inquiries")
    with translation.override(language):
        context = {**context, "link": link}
        subject = render_to_string("tracker/email/inquiry_answered_subject.txt", context).strip()
        body = render_to_string("tracker/email/inquiry_answered.txt", context)
        text = render_to_string("tracker/sms/inquiry_answered.txt", context).strip()
    created = notify(
        recipient=citizen,
        kind="inquiry_answered",
        dedupe_key=f"inquiry:{inquiry.pk}:answered",
        case_ref=f"inquiry:{inquiry.public_id}",
        language=language,
        subject=subject,
        body=body,
        text=text,
        template_code="PORTAL_INQUIRY_ANSWERED_V1",
        variables={"link": link},
    )
    logger.info("privacy inquiry %s: %s notification(s) queued for answered", inquiry.pk, len(created))
    return len(created)
