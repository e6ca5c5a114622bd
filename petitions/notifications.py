"""E-mails to the applicant on receipt, supplement request and decision, in their language."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import Petition, TimelineEvent
from .workflow import on_transition

logger = logging.getLogger(__name__)

NOTIFIED: dict[str, str] = {
    Petition.Status.SUBMITTED: "submitted",
    Petition.Status.SUPPLEMENT_REQUESTED: "supplement_requested",
    Petition.Status.APPROVED: "decided",
    Petition.Status.REJECTED: "decided",
}


@on_transition
def queue_notification(petition_id: int, status: str) -> None:
    if status in NOTIFIED:
        from .tasks import petition_notify

        petition_notify.delay(petition_id, status)


def petition_notify_send(*, petition_id: int, status: str) -> bool:
    petition = Petition.objects.select_related("applicant", "office", "petition_type").filter(pk=petition_id).first()
    if petition is None or status not in NOTIFIED:
        return False
    address = petition.applicant_details.get("email") or petition.applicant.email
    if not address:
        return False
    # One e-mail per event: the number of events of this status is the number of mails owed.
    language = petition.applicant.preferred_language or petition.language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "petition": petition,
            "status": status,
            "site_url": settings.SITE_URL,
            "supplement": petition.supplements.order_by("-created_at").first()
            if status == "supplement_requested"
            else None,
            "event": TimelineEvent.objects.filter(petition=petition, to_status=status).order_by("-id").first(),
        }
        template = NOTIFIED[status]
        subject = render_to_string(f"petitions/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"petitions/email/{template}.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
    logger.info("petition e-mail sent petition_id=%s status=%s", petition_id, status)
    return True


def delegation_consent_request_send(*, representation_id: int) -> bool:
    """Tells the principal that a delegate filing for them asks their consent (answered on their
    delegations page), in the principal's language. Nothing when the request was answered meanwhile."""
    from .models import Representation

    representation = (
        Representation.objects.select_related("principal", "petition__petition_type", "petition__applicant")
        .filter(pk=representation_id, consent=Representation.Consent.REQUESTED)
        .first()
    )
    if representation is None or representation.principal is None or not representation.principal.email:
        return False
    principal = representation.principal
    with translation.override(principal.preferred_language or settings.LANGUAGE_CODE):
        context = {"representation": representation, "petition": representation.petition, "site_url": settings.SITE_URL}
        subject = render_to_string("petitions/email/consent_requested_subject.txt", context).strip()
        body = render_to_string("petitions/email/consent_requested.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [principal.email])
    logger.info("consent request e-mail sent representation_id=%s", representation_id)
    return True


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


def petition_outage_notify_send(*, petition_id: int) -> bool:
    """The e-mail of outage_notice_queue, in the applicant's preferred language."""
    from sharing.selectors import fetch_requests_for_case

    from .selectors import may_upload_instead

    petition = Petition.objects.select_related("applicant", "office", "petition_type").filter(pk=petition_id).first()
    if petition is None or petition.status != Petition.Status.COLLECTING or petition.receipt_no is None:
        return False
    address = petition.applicant_details.get("email") or petition.applicant.email
    if not address:
        return False
    fetches = [
        fetch
        for fetch in fetch_requests_for_case(petition.receipt_no)
        if fetch.is_pending and may_upload_instead(petition=petition, fetch_request=fetch)
    ]
    if not fetches:
        return False  # the agency answered meanwhile: nothing is needed of the applicant
    language = petition.applicant.preferred_language or petition.language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "petition": petition,
            "items": [fetch.item.replaces or fetch.item.name for fetch in fetches],
            "site_url": settings.SITE_URL,
        }
        subject = render_to_string("petitions/email/agency_down_subject.txt", context).strip()
        body = render_to_string("petitions/email/agency_down.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
    logger.info("petition e-mail sent petition_id=%s status=agency_down", petition_id)
    return True


# --- A document was corrected: the corrected version replaces it -----------------------------


def document_correction_notify_send(*, petition_id: int, document_request_id: int) -> bool:
    """Tells the applicant that an official issued a corrected version of one of their documents
    (petitions.correction_services.document_correct), why, and which document it replaces, in
    their preferred language. Queued once per correction (a replayed form queues nothing)."""
    from sharing.documents.models import DocumentRequest

    petition = Petition.objects.select_related("applicant", "office", "petition_type").filter(pk=petition_id).first()
    correction = (
        DocumentRequest.objects.select_related("supersedes")
        .filter(pk=document_request_id, supersedes__isnull=False)
        .first()
    )
    if petition is None or correction is None or correction.case_ref != petition.case_ref:
        return False
    address = petition.applicant_details.get("email") or petition.applicant.email
    if not address:
        return False
    language = petition.applicant.preferred_language or petition.language or settings.LANGUAGE_CODE
    with translation.override(language):
        superseded = correction.supersedes
        context = {
            "petition": petition,
            "title": superseded.display_title if superseded is not None else correction.display_title,
            "superseded": superseded,
            "reason": (correction.context.get("correction") or {}).get("reason", ""),
            "site_url": settings.SITE_URL,
        }
        subject = render_to_string("petitions/email/document_corrected_subject.txt", context).strip()
        body = render_to_string("petitions/email/document_corrected.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])
    logger.info("petition e-mail sent petition_id=%s status=document_corrected", petition_id)
    return True
