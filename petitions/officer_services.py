"""Writes of the officer workspace: claiming and assigning petitions, internal notes, re-fetches
and decisions. Every status change goes through the state machine (petitions.workflow), which
writes the timeline and notifies the citizen; every look at fetched data goes through
sharing.services.personal_data_read, which writes the access log."""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from portal.models import OfficeMembership, User

from .calendar import local_today
from .errors import PetitionError
from .models import OPEN_STATUSES, InternalNote, Petition, SupplementRequest, TimelineEvent
from .note_texts import INTERNAL_NOTES, TIMELINE_NOTES, bilingual, korean
from .services import both_languages, supplement_request
from .workflow import petition_transition

logger = logging.getLogger(__name__)
S = Petition.Status


class DecisionNotAllowed(PetitionError):
    """The official may not do this to this petition (a 403, not a 404: they can see it)."""


def _portal_note(key: str, **params) -> dict:
    """The fields of an internal note the portal writes: shown in the reader's language."""
    return {"text": korean(INTERNAL_NOTES, key, params), "text_key": key, "text_params": params}


def _membership(user: User, office_id: int | None) -> OfficeMembership | None:
    if office_id is None or not (user and user.is_authenticated and user.is_official):
        return None
    return OfficeMembership.objects.filter(user=user, office_id=office_id).first()


def _is_supervisor(user: User, office_id: int | None) -> bool:
    membership = _membership(user, office_id)
    return membership is not None and membership.role == OfficeMembership.Role.SUPERVISOR


def may_decide(*, petition: Petition, user: User) -> bool:
    """The official assigned to the petition, or a supervisor of its office."""
    if _membership(user, petition.office_id) is None:
        return False
    return petition.assigned_to_id == user.pk or _is_supervisor(user, petition.office_id)


def _ensure_may_decide(petition: Petition, actor: User) -> None:
    # Checked on the locked row: a reassignment committed a moment ago counts.
    locked = Petition.objects.select_for_update().only("id", "office_id", "assigned_to_id").get(pk=petition.pk)
    if not may_decide(petition=locked, user=actor):
        raise DecisionNotAllowed(
            _("Only the official assigned to this petition or a supervisor of the office can decide it.")
        )


def _lock(petition: Petition) -> Petition:
    return Petition.objects.select_for_update(of=("self",)).select_related("office", "applicant").get(pk=petition.pk)


# --- Claim and assign -----------------------------------------------------------------------


@transaction.atomic
def petition_claim(*, petition: Petition, actor: User) -> Petition:
    """The official takes an unassigned open petition of their office."""
    locked = _lock(petition)
    if _membership(actor, locked.office_id) is None:
        raise DecisionNotAllowed(_("You are not a member of the office handling this petition."))
    if locked.status not in OPEN_STATUSES:
        raise PetitionError(_("A decided petition cannot be claimed."))
    if locked.assigned_to_id == actor.pk:
        return locked
    if locked.assigned_to_id is not None:
        raise PetitionError(
            _("This petition is already assigned to another official. Ask your supervisor to reassign it.")
        )
    locked.assigned_to = actor
    locked.assigned_at = timezone.now()
    locked.save(update_fields=["assigned_to", "assigned_at", "updated_at"])
    InternalNote.objects.create(
        petition=locked,
        author=actor,
        kind=InternalNote.Kind.ASSIGNMENT,
        **_portal_note("claimed", name=actor.display_name),
    )
    petition.assigned_to, petition.assigned_at = locked.assigned_to, locked.assigned_at
    return locked


@transaction.atomic
def petitions_assign(*, petitions: list[Petition], assignee: User | None, actor: User) -> int:
    """A supervisor assigns (or, with ``assignee=None``, releases) one or many open petitions of
    their offices, all or nothing. Returns how many changed hands."""
    if not petitions:
        raise PetitionError(_("Choose at least one petition."))
    locked = list(Petition.objects.select_for_update().filter(pk__in=[p.pk for p in petitions]).order_by("pk"))
    memberships: dict[int | None, OfficeMembership] = {
        m.office_id: m for m in OfficeMembership.objects.filter(user=actor)
    }
    assignee_offices = (
        set(OfficeMembership.objects.filter(user=assignee).values_list("office_id", flat=True))
        if assignee is not None
        else set()
    )
    for petition in locked:
        membership = memberships.get(petition.office_id)
        if membership is None or membership.role != OfficeMembership.Role.SUPERVISOR:
            raise DecisionNotAllowed(_("Only a supervisor of the office can assign its petitions."))
        if petition.status not in OPEN_STATUSES:
            raise PetitionError(
                _("Petition %(receipt_no)s is decided already and cannot be assigned.")
                % {"receipt_no": petition.receipt_no}
            )
        if assignee is not None and (not assignee.is_official or petition.office_id not in assignee_offices):
            raise PetitionError(
                _("%(name)s is not an official of the office handling %(receipt_no)s.")
                % {"name": assignee.display_name, "receipt_no": petition.receipt_no}
            )
    now = timezone.now()
    changed = [p for p in locked if p.assigned_to_id != (assignee.pk if assignee else None)]
    if assignee is not None:
        note = _portal_note("assigned", actor=actor.display_name, name=assignee.display_name)
    else:
        note = _portal_note("released", actor=actor.display_name)
    for petition in changed:
        petition.assigned_to = assignee
        petition.assigned_at = now if assignee else None
    Petition.objects.bulk_update(changed, ["assigned_to", "assigned_at"])
    InternalNote.objects.bulk_create(
        [
            InternalNote(petition=petition, author=actor, kind=InternalNote.Kind.ASSIGNMENT, **note)
            for petition in changed
        ]
    )
    logger.info(
        "petitions assigned count=%d assignee_id=%s by_id=%s", len(changed), assignee.pk if assignee else None, actor.pk
    )
    return len(changed)


# --- Notes and re-fetches -------------------------------------------------------------------


@transaction.atomic
def internal_note_add(*, petition: Petition, author: User, text: str) -> InternalNote:
    if _membership(author, petition.office_id) is None:
        raise DecisionNotAllowed(_("You are not a member of the office handling this petition."))
    text = (text or "").strip()
    if not text:
        raise PetitionError(_("Write the note first."))
    return InternalNote.objects.create(petition=petition, author=author, kind=InternalNote.Kind.NOTE, text=text)


@transaction.atomic
def petition_refetch(*, petition: Petition, item_code: str, actor: User):
    """Fetches one item of the case again, now, with the official as the requester.

    The fetch itself is logged in the access log when it completes ("fetched", by this
    official); the request for it is recorded in the petition's internal notes.
    """
    from sharing.models import FetchRequest
    from sharing.services import fetch_request_retry

    if petition.status not in OPEN_STATUSES:
        raise PetitionError(_("The information of a decided petition is not fetched again."))
    fetch_request = (
        FetchRequest.objects.select_related("item__agency")
        .filter(case_ref=petition.case_ref, item__code=item_code)
        .first()
    )
    if fetch_request is None:
        return None
    fetch_request = fetch_request_retry(fetch_request=fetch_request, actor=actor)
    item = fetch_request.item
    InternalNote.objects.create(
        petition=petition,
        author=actor,
        kind=InternalNote.Kind.REFETCH,
        **_portal_note(
            "refetch",
            name=actor.display_name,
            agency=bilingual(item.agency.name_ko, item.agency.name_en),
            item=bilingual(item.name_ko, item.name_en),
        ),
    )
    logger.info("refetch case=%s item=%s by_id=%s", petition.receipt_no, item_code, actor.pk)
    return fetch_request


# --- An item its agency cannot give: moving the petition on with what is there ------------------


def _item_fetch(petition: Petition, item_code: str):
    """The petition's fetch of this item, locked, or None (a forged item code)."""
    from sharing.models import FetchRequest
    from sharing.selectors import fetch_request_locked

    found = FetchRequest.objects.filter(case_ref=petition.case_ref, item__code=str(item_code)[:60]).first()
    return fetch_request_locked(found.pk) if found else None


def _settle_if_collected(petition: Petition) -> None:
    """A petition collecting its information whose last pending item was just taken care of goes
    to review now (in this transaction; the signal that follows on commit then finds it there)."""
    from sharing.models import FetchRequest

    if (
        petition.status == S.COLLECTING
        and not FetchRequest.objects.filter(case_ref=petition.case_ref, state__in=FetchRequest.PENDING_STATES).exists()
    ):
        from .services import petition_fetches_settled

        petition_fetches_settled(case_ref=petition.case_ref)
        petition.refresh_from_db()


@transaction.atomic
def petition_item_verified_otherwise(*, petition: Petition, item_code: str, actor: User, reason: str):
    """An official of the petition's office verified an item by other means (e.g. the paper the
    citizen brought, a call to the agency): the fetch ends "verified_otherwise" (a pending one
    stops; never one that was fetched), and the petition can go to review without it.

    Logged on the petition's timeline (the citizen sees that the item was verified otherwise)
    and in an internal note with the official's reason. No personal data is read, so nothing is
    written to the access log. Returns the fetch, or None when the petition has no such item."""
    from sharing.services import fetch_request_mark_verified

    if _membership(actor, petition.office_id) is None:
        raise DecisionNotAllowed(_("You are not a member of the office handling this petition."))
    petition = _lock(petition)
    if petition.status not in OPEN_STATUSES:
        raise PetitionError(_("This petition is decided; its information can no longer be changed."))
    reason = (reason or "").strip()
    if not reason:
        raise PetitionError(_("Say how the information was verified."))
    fetch_request = _item_fetch(petition, item_code)
    if fetch_request is None:
        return None
    if not fetch_request_mark_verified(fetch_request=fetch_request):
        if fetch_request.state == "fetched":
            raise PetitionError(_("This information has been received from the agency already."))
        raise PetitionError(_("This information has been taken care of already."))
    item = fetch_request.item
    item_name = bilingual(item.name_ko, item.name_en)
    TimelineEvent.objects.create(
        petition=petition,
        from_status=petition.status,
        to_status=petition.status,
        actor=actor,
        note=korean(TIMELINE_NOTES, "verified_otherwise", {"item": item_name}),
        note_key="verified_otherwise",
        note_params={"item": item_name},
    )
    InternalNote.objects.create(
        petition=petition,
        author=actor,
        kind=InternalNote.Kind.VERIFIED_OTHERWISE,
        **_portal_note("verified_otherwise", name=actor.display_name, item=item_name, reason=reason[:500]),
    )
    petition.save(update_fields=["updated_at"])  # the citizen's progress part changes
    _settle_if_collected(petition)
    logger.info("item verified otherwise case=%s item=%s by_id=%s", petition.receipt_no, item.code, actor.pk)
    return fetch_request


def supplement_item_prefill(*, petition: Petition, item_code: str) -> dict | None:
    """The supplement form's initial values asking the citizen for the document of an item that
    was not fetched, in the petition's language; None if the item is not one of the petition's
    or has been fetched."""
    from sharing.models import FetchRequest

    fetch_request = (
        FetchRequest.objects.select_related("item")
        .filter(case_ref=petition.case_ref, item__code=str(item_code)[:60])
        .exclude(state=FetchRequest.State.FETCHED)
        .first()
    )
    if fetch_request is None:
        return None
    item = fetch_request.item
    with override(petition.language):
        document = _pick(petition, item.replaces_ko or item.name_ko, item.replaces_en or item.name_en)
        message = _(
            "We could not receive “%(document)s” from the agency that holds it. Please upload it as an attachment."
        ) % {"document": document}
    return {"message": message, "documents_requested": True, "item": item.code}


# --- Decisions ------------------------------------------------------------------------------


def _pick(petition: Petition, ko: str, en: str) -> str:
    return en if petition.language == "en" and en else ko


def _notice_context(petition: Petition, actor: User) -> dict:
    snapshot = petition.type_snapshot or {}
    details = petition.applicant_details or {}
    return {
        "petition_type": _pick(
            petition,
            snapshot.get("name_ko", petition.petition_type.name_ko),
            snapshot.get("name_en", petition.petition_type.name_en),
        ),
        "applicant": {"name": details.get("name", ""), "address": details.get("address", "")},
        "submitted_at": petition.submitted_at.isoformat() if petition.submitted_at else "",
        "official": actor.display_name,
    }


def _subject_hash(petition: Petition) -> str:
    """Whose the petition is: the person it was filed for, or its applicant."""
    from .models import Representation

    represented = Representation.objects.filter(petition=petition).values_list("principal_rrn_hash", flat=True).first()
    if represented:
        return represented
    link = getattr(petition.applicant, "resident_link", None)
    return link.rrn_hash if link else ""


def _result_notice(petition: Petition, actor: User, *, outcome: str, decision: str, reasons: str):
    from sharing.documents.services import document_request

    titles = both_languages(
        gettext_lazy("Result notice %(receipt_no)s")
        if outcome == "approved"
        else gettext_lazy("Rejection notice %(receipt_no)s"),
        receipt_no=petition.receipt_no,
    )
    context = {
        **_notice_context(petition, actor),
        "decided_at": (petition.decided_at or timezone.now()).isoformat(),
        "outcome": outcome,
        "decision": decision,
        "reasons": reasons,
    }
    return document_request(
        kind="result_notice",
        case_ref=petition.case_ref,
        owner=petition.applicant,
        issuing_office=petition.office,
        template_name="documents/result_notice.html",
        context=context,
        language=petition.language,
        **titles,
        idempotency_key=f"petition-result:{petition.receipt_no}",
        subject_hash=_subject_hash(petition),
    )


def _ensure_information_settled(petition: Petition) -> None:
    from sharing.models import FetchRequest

    if FetchRequest.objects.filter(case_ref=petition.case_ref, state__in=FetchRequest.PENDING_STATES).exists():
        raise PetitionError(_("Some information is still being fetched. Decide once it has arrived."))


@transaction.atomic
def petition_approve(*, petition: Petition, actor: User, decision: str = "") -> Petition:
    """Approves the petition and issues the result notice (an e-document)."""
    _ensure_may_decide(petition, actor)
    _ensure_information_settled(petition)
    decision = (decision or "").strip()
    petition_transition(petition=petition, to=S.APPROVED, actor=actor, note=decision)
    _result_notice(petition, actor, outcome="approved", decision=decision, reasons="")
    logger.info("petition approved receipt_no=%s by_id=%s", petition.receipt_no, actor.pk)
    return petition


@transaction.atomic
def petition_reject(*, petition: Petition, actor: User, reason: str) -> Petition:
    """Rejects the petition with its reason and issues the rejection notice."""
    _ensure_may_decide(petition, actor)
    reason = (reason or "").strip()
    if not reason:
        raise PetitionError(_("Give the reason for the rejection; the citizen reads it in the notice."))
    petition_transition(petition=petition, to=S.REJECTED, actor=actor, note=reason)
    _result_notice(petition, actor, outcome="rejected", decision="", reasons=reason)
    logger.info("petition rejected receipt_no=%s by_id=%s", petition.receipt_no, actor.pk)
    return petition


@transaction.atomic
def petition_supplement_request(
    *,
    petition: Petition,
    actor: User,
    message: str,
    field_keys: list[str],
    documents_requested: bool,
    due_date: datetime.date,
    item_code: str = "",
) -> SupplementRequest:
    """Asks the citizen for a supplement; the processing clock stops until they answer, and the
    due date then moves by the working days it stood still (petitions.workflow).

    ``item_code``: the request asks for the document of an item that was not fetched (its agency
    down, say): a fetch of it still pending stops ("requested_by_supplement"), and a petition
    still collecting goes to review first if that was all it waited for."""
    from sharing.documents.services import document_request
    from sharing.services import fetch_request_stop

    _ensure_may_decide(petition, actor)
    message = (message or "").strip()
    if not message:
        raise PetitionError(_("Say what the citizen should supplement and why."))
    if due_date is None or due_date <= local_today():
        raise PetitionError(_("The answer date must be after today."))
    if item_code:
        petition = _lock(petition)
        fetch_request = _item_fetch(petition, item_code)
        if fetch_request is None or fetch_request.state == "fetched":
            raise PetitionError(_("This item is not one the petition still lacks."))
        documents_requested = True
        if fetch_request.is_pending:
            fetch_request_stop(fetch_request=fetch_request, code="requested_by_supplement")
        _settle_if_collected(petition)
        if petition.status == S.COLLECTING:
            raise PetitionError(
                _(
                    "Other information of this petition is still being fetched; "
                    "ask for a supplement once it has arrived."
                )
            )
    supplement = supplement_request(
        petition=petition,
        actor=actor,
        message=message,
        field_keys=field_keys,
        documents_requested=documents_requested,
        due_date=due_date,
    )
    labels = {
        spec["key"]: _pick(petition, spec.get("label_ko", spec["key"]), spec.get("label_en", ""))
        for spec in (petition.type_snapshot or {}).get("fields", [])
    }
    with override(petition.language):
        items = [labels.get(key, key) for key in supplement.field_keys]
        if documents_requested:
            items.append(str(_("Documents named in the request")))
    document_request(
        kind="supplement_notice",
        case_ref=petition.case_ref,
        owner=petition.applicant,
        issuing_office=petition.office,
        template_name="documents/supplement_notice.html",
        context={
            **_notice_context(petition, actor),
            "requested_at": supplement.created_at.isoformat(),
            "due_date": due_date.isoformat(),
            "reason": message,
            "items": items,
        },
        language=petition.language,
        idempotency_key=f"petition-supplement:{supplement.pk}",
        **both_languages(gettext_lazy("Supplement notice %(receipt_no)s"), receipt_no=petition.receipt_no),
        subject_hash=_subject_hash(petition),
    )
    logger.info("supplement requested receipt_no=%s by_id=%s", petition.receipt_no, actor.pk)
    return supplement
