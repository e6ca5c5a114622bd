"""Notifications to the applicant (receipt, supplement request, decision, agency outage) and to
the person a delegate files for (consent request), each in its reader's language, through the
channels they chose (``portal.notifications``: e-mail, SMS, KakaoTalk), each one recorded and
listed on the petition's page.

Adding a kind is one function here: decorate it with ``notification_kind(code, label)`` and let
it call ``_notify_about_petition`` with a template name; write the templates
``petitions/email/<template>_subject.txt``, ``petitions/email/<template>.txt`` (the e-mail) and
``petitions/sms/<template>.txt`` (the short text of SMS and KakaoTalk: no personal data beyond the
receipt number and the petition type). ``dedupe_key`` names the event, so a redelivered task
sends nothing twice::

    @notification_kind("document_corrected", _("Document corrected"))
    def document_corrected_send(*, petition_id: int, document_id: int) -> bool:
        petition = Petition.objects.select_related("applicant").get(pk=petition_id)
        return _notify_about_petition(
            petition, recipient=petition.applicant, kind="document_corrected",
            template="document_corrected", dedupe_key=f"document:{document_id}", context={...},
        )
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from portal.notifications.kinds import notification_kind, register_kind
from portal.notifications.services import notify

from .models import Petition, TimelineEvent
from .workflow import on_transition

logger = logging.getLogger(__name__)

NOTIFIED: dict[str, str] = {
    Petition.Status.SUBMITTED: "submitted",
    Petition.Status.SUPPLEMENT_REQUESTED: "supplement_requested",
    Petition.Status.APPROVED: "decided",
    Petition.Status.REJECTED: "decided",
}
register_kind("submitted", _("Petition received"))
register_kind("supplement_requested", _("Supplement requested"))
register_kind("decided", _("Decision"))


def petition_case_refs(petition: Petition) -> list[str]:
    """What the notifications of a petition are recorded under: its receipt number, and its
    public id for what was sent while it was a draft."""
    return [ref for ref in (petition.receipt_no, str(petition.public_id)) if ref]


def _notify_about_petition(
    petition: Petition,
    *,
    recipient,
    kind: str,
    template: str,
    dedupe_key: str,
    context: dict,
    email: str = "",
    link: str = "",
) -> bool:
    """Renders the kind's texts in the recipient's language and queues them on the recipient's
    channels. Whether anything was queued."""
    language = recipient.preferred_language or petition.language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {"petition": petition, "site_url": settings.SITE_URL, "link": link, **context}
        subject = render_to_string(f"petitions/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"petitions/email/{template}.txt", context)
        text = render_to_string(f"petitions/sms/{template}.txt", context).strip()
        variables = {
            "receipt_no": petition.receipt_no or "",
            "petition_type": str(petition.type_name),
            "status": str(petition.get_status_display()),
            "link": link,
        }
    created = notify(
        recipient=recipient,
        kind=kind,
        dedupe_key=dedupe_key,
        case_ref=petition.receipt_no or str(petition.public_id),
        language=language,
        subject=subject,
        body=body,
        text=text,
        email=email,
        template_code=f"PORTAL_{template.upper()}_V1",
        variables=variables,
    )
    return bool(created)


@on_transition
def queue_notification(petition_id: int, status: str) -> None:
    if status in NOTIFIED:
        from .tasks import petition_notify

        petition_notify.delay(petition_id, status)


def petition_notify_send(*, petition_id: int, status: str) -> bool:
    petition = Petition.objects.select_related("applicant", "office", "petition_type").filter(pk=petition_id).first()
    if petition is None or status not in NOTIFIED or petition.receipt_no is None:
        return False
    # One notification per event: the event of this status names it.
    event = TimelineEvent.objects.filter(petition=petition, to_status=status).order_by("-id").first()
    template = NOTIFIED[status]
    link_name = "petitions:my_supplement" if status == Petition.Status.SUPPLEMENT_REQUESTED else "petitions:my_detail"
    return _notify_about_petition(
        petition,
        recipient=petition.applicant,
        kind=template,
        template=template,
        dedupe_key=f"status:{event.pk}" if event else f"status:{status}",
        email=petition.applicant_details.get("email") or "",
        link=settings.SITE_URL + reverse(link_name, args=[petition.receipt_no]),
        context={
            "status": status,
            "supplement": petition.supplements.order_by("-created_at").first()
            if status == "supplement_requested"
            else None,
            "event": event,
        },
    )


@notification_kind("consent_requested", _("Consent requested"))
def delegation_consent_request_send(*, representation_id: int) -> bool:
    """Tells the principal that a delegate filing for them asks their consent (answered on their
    delegations page), in the principal's language. Nothing when the request was answered meanwhile."""
    from .models import Representation

    representation = (
        Representation.objects.select_related("principal", "petition__petition_type", "petition__applicant")
        .filter(pk=representation_id, consent=Representation.Consent.REQUESTED)
        .first()
    )
    if representation is None or representation.principal is None:
        return False
    return _notify_about_petition(
        representation.petition,
        recipient=representation.principal,
        kind="consent_requested",
        template="consent_requested",
        dedupe_key=f"consent:{representation.pk}:{representation.consent_at or ''}",
        link=settings.SITE_URL + reverse("petitions:delegations"),
        context={"representation": representation},
    )


# --- An agency is down: the applicant may upload instead ------------------------------------


def outage_notice_queue(*, case_ref: str) -> bool:
    """An agency of this case cannot answer now (sharing.signals.fetch_agency_down, sent on every
    failed attempt or hold): the applicant of a petition still collecting its information is
    told once, by e-mail, that they may upload the document instead. Once per outage: the mark
    (``outage_notified_at``) is set by a single conditional update, so retries, duplicate
    signals and two workers at once send one e-mail; it is cleared when the petition's fetches
    have settled (services.petition_fetches_settled). Returns whether an e-mail was queued."""
    petition_id = (
        Petition.objects.filter(receipt_no=case_ref, status=Petition.Status.COLLECTING, outage_notified_at=None)
        .values_list("pk", flat=True)
        .first()
    )
    if petition_id is None:
        return False
    claimed = Petition.objects.filter(pk=petition_id, outage_notified_at=None).update(outage_notified_at=timezone.now())
    if not claimed:
        return False
    from .tasks import petition_outage_notify

    petition_outage_notify.delay(petition_id)
    return True


@notification_kind("agency_down", _("An agency is not answering: you may upload"))
def petition_outage_notify_send(*, petition_id: int) -> bool:
    """The notification of outage_notice_queue, in the applicant's preferred language."""
    from sharing.selectors import fetch_requests_for_case

    from .selectors import may_upload_instead

    petition = Petition.objects.select_related("applicant", "office", "petition_type").filter(pk=petition_id).first()
    if petition is None or petition.status != Petition.Status.COLLECTING or petition.receipt_no is None:
        return False
    fetches = [
        fetch
        for fetch in fetch_requests_for_case(petition.receipt_no)
        if fetch.is_pending and may_upload_instead(petition=petition, fetch_request=fetch)
    ]
    if not fetches:
        return False  # the agency answered meanwhile: nothing is needed of the applicant
    outage = petition.outage_notified_at or timezone.now()
    with translation.override(petition.applicant.preferred_language or petition.language or settings.LANGUAGE_CODE):
        items = [str(fetch.item.replaces or fetch.item.name) for fetch in fetches]
    return _notify_about_petition(
        petition,
        recipient=petition.applicant,
        kind="agency_down",
        template="agency_down",
        dedupe_key=f"outage:{outage.isoformat()}",
        email=petition.applicant_details.get("email") or "",
        link=settings.SITE_URL + reverse("petitions:my_detail", args=[petition.receipt_no]),
        context={"items": items},
    )


# --- A document was corrected: the corrected version replaces it -----------------------------


@notification_kind("document_corrected", _("Document corrected"))
def document_correction_notify_send(*, petition_id: int, document_request_id: int) -> bool:
    """Tells the applicant that an official issued a corrected version of one of their documents
    (petitions.correction_services.document_correct), why, and which document it replaces, in
    their preferred language. Once per correction (a replayed form queues nothing)."""
    from sharing.documents.models import DocumentRequest

    petition = Petition.objects.select_related("applicant", "office", "petition_type").filter(pk=petition_id).first()
    correction = (
        DocumentRequest.objects.select_related("supersedes")
        .filter(pk=document_request_id, supersedes__isnull=False)
        .first()
    )
    if petition is None or correction is None or correction.case_ref != petition.case_ref:
        return False
    superseded = correction.supersedes
    return _notify_about_petition(
        petition,
        recipient=petition.applicant,
        kind="document_corrected",
        template="document_corrected",
        dedupe_key=f"correction:{correction.pk}",
        email=petition.applicant_details.get("email") or "",
        link=settings.SITE_URL + reverse("petitions:my_detail", args=[petition.receipt_no]),
        context={
            "title": superseded.display_title if superseded is not None else correction.display_title,
            "superseded": superseded,
            "reason": (correction.context.get("correction") or {}).get("reason", ""),
        },
    )
