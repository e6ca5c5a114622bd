"""Corrections of issued e-documents (정정 발급): an official of the petition's office issues a
corrected receipt or result notice that supersedes the one with the mistake.

The corrected document is rendered from the data the old one was rendered from, with what the
official corrected, and signed like any other (sharing.documents.services.document_request with
``supersedes``). The old one stays as it was (e-documents are immutable); ``/verify/`` of its code
then says it was superseded, when, and by which document. The correction is written on the
petition's timeline with its reason (the citizen sees it), and the citizen is told by e-mail
(petitions.notifications.document_correction_notify_send).
"""

from __future__ import annotations

import logging
import uuid

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import User

from .errors import PetitionError
from .models import Petition, TimelineEvent
from .note_texts import TIMELINE_NOTES, bilingual, korean
from .officer_services import DecisionNotAllowed, _lock, _notice_context, may_decide

logger = logging.getLogger(__name__)

# The kinds an official may correct, and the template each is rendered from when the old
# document left no request behind (documents stored before requests were kept).
TEMPLATES = {
    "receipt": "documents/receipt.html",
    "result_notice": "documents/result_notice.html",
}
CORRECTABLE_KINDS = tuple(TEMPLATES)
# What the official may correct, per kind (and, for a result notice, per outcome).
RECEIPT_FIELDS = ("applicant_name", "applicant_address", "applicant_phone")


class AlreadyCorrected(PetitionError):
    """The document was corrected already (or its correction is being prepared): the newest
    version is the one to correct (a 409: the page says which)."""


def correctable_document(*, petition: Petition, public_id):
    """The petition's issued receipt or result notice with this public id; 404 otherwise (a
    forged id, another case's document, an attachment). One query."""
    from sharing.documents.models import EDocument

    document = (
        EDocument.objects.select_related("superseded_by", "supersedes", "request", "issuing_office", "owner")
        .filter(public_id=public_id, case_ref=petition.case_ref, kind__in=CORRECTABLE_KINDS)
        .first()
    )
    if document is None or not petition.case_ref:
        raise Http404
    return document


def pending_correction(document):
    """The correction of ``document`` still being prepared, or None."""
    from sharing.documents.models import DocumentRequest

    return (
        DocumentRequest.objects.filter(supersedes=document, document__isnull=True)
        .exclude(state=DocumentRequest.State.FAILED)
        .first()
    )


def _stored_request(document):
    try:
        return document.request
    except ObjectDoesNotExist:
        return None


def _outcome(petition: Petition, context: dict) -> str:
    if context.get("outcome") in ("approved", "rejected"):
        return context["outcome"]
    return "rejected" if petition.status == Petition.Status.REJECTED else "approved"


def document_content(*, petition: Petition, document, actor: User) -> dict:
    """What ``document`` was rendered from: its request's context, or, for a document stored
    without one, the same context built again from the petition."""
    request = _stored_request(document)
    if request is not None and request.context:
        context = dict(request.context)
    elif document.kind == "receipt":
        from .services import _receipt_context

        context = _receipt_context(petition, petition.type_snapshot or {})
    else:
        decision = (
            TimelineEvent.objects.filter(
                petition=petition, to_status__in=[Petition.Status.APPROVED, Petition.Status.REJECTED]
            )
            .order_by("-id")
            .values_list("note", flat=True)
            .first()
            or ""
        )
        outcome = _outcome(petition, {})
        context = {
            **_notice_context(petition, actor),
            "decided_at": (petition.decided_at or document.issued_at).isoformat(),
            "outcome": outcome,
            "decision": decision if outcome == "approved" else "",
            "reasons": decision if outcome == "rejected" else "",
        }
    context.pop("correction", None)
    return context


def editable_values(*, petition: Petition, document, content: dict) -> dict:
    """The values the correction form starts from: what the document says now."""
    if document.kind == "receipt":
        applicant = content.get("applicant") or {}
        return {
            "applicant_name": applicant.get("name", ""),
            "applicant_address": applicant.get("address", ""),
            "applicant_phone": applicant.get("phone", ""),
        }
    if _outcome(petition, content) == "rejected":
        return {"reasons": content.get("reasons", "")}
    return {"decision": content.get("decision", "")}


def _corrected(*, petition: Petition, document, content: dict, corrected: dict) -> dict:
    context = dict(content)
    if document.kind == "receipt":
        applicant = dict(context.get("applicant") or {})
        for field in RECEIPT_FIELDS:
            if field in corrected:
                applicant[field.removeprefix("applicant_")] = (corrected[field] or "").strip()
        if not applicant.get("name"):
            raise PetitionError(_("The applicant's name cannot be empty on the receipt."))
        context["applicant"] = applicant
    elif _outcome(petition, content) == "rejected":
        reasons = (corrected.get("reasons", context.get("reasons", "")) or "").strip()
        if not reasons:
            raise PetitionError(_("Give the reason for the rejection; the citizen reads it in the notice."))
        context["reasons"] = reasons
    else:
        context["decision"] = (corrected.get("decision", context.get("decision", "")) or "").strip()
    return context


def _correction_key(document, token) -> str:
    return f"petition-correction:{document.public_id}:{token}"


@transaction.atomic
def document_correct(
    *,
    petition: Petition,
    document,
    actor: User,
    reason: str,
    corrected: dict,
    token: uuid.UUID | str,
):
    """Issues the corrected version of ``document`` (a receipt or result notice of ``petition``),
    which supersedes it. Returns the DocumentRequest of the corrected version.

    Only the official assigned to the petition or a supervisor of its office may (the rule for
    deciding; DecisionNotAllowed otherwise). A document already corrected (or whose correction is
    being prepared) is not corrected again: the newest version is. ``token`` comes from the form:
    the same form sent twice (a double click, a replayed request) issues one correction.
    """
    from sharing.documents.models import DocumentRequest, EDocument
    from sharing.documents.services import document_request

    locked = _lock(petition)  # corrections of one petition, one at a time
    if not may_decide(petition=locked, user=actor):
        raise DecisionNotAllowed(
            _("Only the official assigned to this petition or a supervisor of the office can correct its documents.")
        )
    if document.case_ref != locked.case_ref or document.kind not in CORRECTABLE_KINDS:
        raise Http404
    key = _correction_key(document, token)
    replayed = DocumentRequest.objects.filter(idempotency_key=key).first()
    if replayed is not None:
        return replayed
    reason = (reason or "").strip()
    if not reason:
        raise PetitionError(_("Say what was wrong with the document; the citizen reads it."))
    current = EDocument.objects.select_related("superseded_by", "request").get(pk=document.pk)
    if current.is_superseded or pending_correction(current) is not None:
        raise AlreadyCorrected(_("This document has been corrected already. Correct its newest version instead."))
    content = document_content(petition=locked, document=current, actor=actor)
    context = _corrected(petition=locked, document=current, content=content, corrected=corrected)
    context["correction"] = {"reason": reason}
    stored = _stored_request(current)
    title_en = current.title_en if current.title_en is not None else current.title_in("en")
    request = document_request(
        kind=current.kind,
        case_ref=current.case_ref,
        owner=current.owner,
        issuing_office=current.issuing_office,
        template_name=stored.template_name if stored is not None else TEMPLATES[current.kind],
        context=context,
        language=current.language,
        title=current.title,
        title_en=title_en,
        idempotency_key=key,
        subject_hash=current.subject_hash,
        supersedes=current,
        contains_personal_data=current.contains_personal_data,
    )
    params = {"document": bilingual(current.title, title_en), "reason": reason[:1000]}
    TimelineEvent.objects.create(
        petition=locked,
        from_status=locked.status,
        to_status=locked.status,
        actor=actor,
        note=korean(TIMELINE_NOTES, "document_corrected", params),
        note_key="document_corrected",
        note_params=params,
    )
    locked.updated_at = timezone.now()
    locked.save(update_fields=["updated_at"])  # the citizen's page changes
    _queue_notification(locked.pk, request.pk)
    logger.info(
        "e-document corrected receipt_no=%s superseded=%s request=%s by_id=%s",
        locked.receipt_no,
        current.public_id,
        request.pk,
        actor.pk,
    )
    return request


def _queue_notification(petition_id: int, document_request_id: int) -> None:
    from .tasks import document_correction_notify

    transaction.on_commit(lambda: document_correction_notify.delay(petition_id, document_request_id))


def correction_view_log(*, document, viewer: User, ip_address: str | None) -> None:
    """The correction page shows what the document says (the applicant's name and address, the
    decision): a view of the person's data, written to their access log like a download."""
    if not document.contains_personal_data:
        return
    from sharing.audit import log_personal_data_access
    from sharing.models import AccessLogEntry

    log_personal_data_access(
        action=AccessLogEntry.Action.VIEWED,
        subject_hash=document.subject_hash,
        case_ref=document.case_ref,
        office=document.issuing_office,
        actor=viewer,
        item_code=f"edocument:{document.kind}",
        fields=[],
        purpose="edocument_correction",
        ip_address=ip_address,
        detail=str(document.public_id),
    )
