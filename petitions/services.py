"""Writes of the citizen journey: drafts, submission, withdrawal, supplements."""

from __future__ import annotations

import dataclasses
import datetime
import functools
import logging
import uuid

from django.core.files import File
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, override
from django.utils.translation import gettext as _

from portal.models import Office, User

from . import selectors
from .calendar import add_working_days, local_today
from .errors import PetitionError
from .models import (
    Delegation,
    FormField,
    Petition,
    PetitionType,
    PetitionUpload,
    ReceiptCounter,
    Representation,
    RequiredInformation,
    SupplementRequest,
)
from .workflow import petition_transition

logger = logging.getLogger(__name__)
S = Petition.Status
WIZARD_STEPS = ["notes", "applicant", "form", "consent", "review"]
# Fetch states after which the citizen may upload the document instead (no data, for good).
UPLOAD_INSTEAD_STATES = selectors.UPLOAD_INSTEAD_STATES


# --- Titles in both languages ------------------------------------------------------------


def both_languages(message, **params) -> dict:
    """A document's title in Korean and in English (``title`` and ``title_en``): pages show the
    reader's language whatever language the petition was filed in."""
    titles = {}
    for language, field in (("ko", "title"), ("en", "title_en")):
        with override(language):
            titles[field] = str(message) % params if params else str(message)
    return titles


def _document_names(item) -> dict:
    """The title of a document uploaded instead of an item: the paper it replaces, per language."""
    return {"title": item.replaces_ko or item.name_ko, "title_en": item.replaces_en or item.name_en}


def _file_title(uploaded) -> dict:
    name = (getattr(uploaded, "name", "") or "")[:200]
    return {"title": name, "title_en": ""} if name else {}


# --- Snapshots and numbers ---------------------------------------------------------------


def petition_type_snapshot(petition_type: PetitionType) -> dict:
    """What a petition of this type is filed against: kept on the petition for good."""
    mappings = (
        RequiredInformation.objects.filter(petition_type=petition_type)
        .select_related("item__agency", "approved_use")
        .prefetch_related("item__fields")
    )
    return {
        "version": petition_type.version,
        "slug": petition_type.slug,
        "name_ko": petition_type.name_ko,
        "name_en": petition_type.name_en,
        "processing_days": petition_type.processing_days,
        "fee": petition_type.fee,
        "fee_at_filing": petition_type.fee_at_filing,
        "fee_refundable": petition_type.fee_refundable,
        "fields": [field.snapshot() for field in petition_type.form_fields.all()],
        "required_information": [mapping.snapshot() for mapping in mappings],
    }


def receipt_number_next(*, year: int) -> str:
    """The next receipt number of the year, ``YYYY-NNNNNNN``.

    Gap-free: the counter row stays locked until the caller's transaction ends, and a
    rolled-back submission gives its number back.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("receipt_number_next must run inside the submitting transaction")
    ReceiptCounter.objects.get_or_create(year=year)
    counter = ReceiptCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{year}-{counter.last:07d}"


def route_office(*, petition_type: PetitionType, applicant: User) -> Office:
    if petition_type.routing == PetitionType.Routing.DISTRICT:
        link = getattr(applicant, "resident_link", None)
        if link and link.district_code:
            office = Office.objects.filter(district_code=link.district_code).order_by("pk").first()
            if office:
                return office
    if petition_type.handling_office is not None:
        return petition_type.handling_office
    raise PetitionError(_("No office handles this petition for your district yet. Call the help desk at 110."))


# --- Drafts ------------------------------------------------------------------------------


@transaction.atomic
def petition_draft_start(
    *, petition_type: PetitionType, applicant: User, delegation: Delegation | None = None, letter: bool = False
) -> Petition:
    """A new draft filed by ``applicant``: for themselves, for the principal of ``delegation``
    (whose contact details it starts with), or for someone named with a delegation ``letter``."""
    from .delegation_services import ensure_delegation_usable, representation_start

    if not petition_type.active:
        raise PetitionError(_("This petition type is not open for filing."))
    if delegation is not None:
        ensure_delegation_usable(delegation=delegation, delegate=applicant, petition_type_id=petition_type.pk)
    person = delegation.principal if delegation is not None else applicant
    link = getattr(person, "resident_link", None)
    details = {
        "name": link.name if link else person.display_name,
        "phone": (link.phone if link else ""),
        "email": person.email,
        "address": link.address if link else "",
    }
    if letter:  # the filer's contact details: the official reaches the principal through them
        details["name"] = ""
    petition = Petition.objects.create(
        petition_type=petition_type,
        applicant=applicant,
        applicant_details=details,
        language=applicant.preferred_language,
        wizard_step="notes",
    )
    if delegation is not None or letter:
        representation_start(petition=petition, delegation=delegation, letter=letter)
    return petition


def _locked_draft(petition: Petition) -> Petition:
    locked = Petition.objects.select_for_update().get(pk=petition.pk)
    if locked.status != S.DRAFT:
        raise PetitionError(_("This petition has been submitted already; it can no longer be edited."))
    return locked


def _advance(petition: Petition, step: str) -> None:
    current = WIZARD_STEPS.index(petition.wizard_step) if petition.wizard_step in WIZARD_STEPS else 0
    if WIZARD_STEPS.index(step) > current:
        petition.wizard_step = step


@transaction.atomic
def petition_draft_update_step(*, petition: Petition, next_step: str) -> Petition:
    locked = _locked_draft(petition)
    _advance(locked, next_step)
    locked.save(update_fields=["wizard_step", "updated_at"])
    return locked


@transaction.atomic
def petition_draft_update_applicant(
    *, petition: Petition, phone: str, email: str, address: str, next_step: str = "form"
) -> Petition:
    locked = _locked_draft(petition)
    locked.applicant_details = {**locked.applicant_details, "phone": phone, "email": email, "address": address}
    _advance(locked, next_step)
    locked.save(update_fields=["applicant_details", "wizard_step", "updated_at"])
    return locked


def _store_draft_upload(
    *, petition: Petition, purpose: str, reference: str, title: str, title_en: str, uploaded
) -> PetitionUpload:
    for old in PetitionUpload.objects.filter(petition=petition, purpose=purpose, reference=reference, supplement=None):
        old.draft_file.delete(save=False)
        old.delete()
    upload = PetitionUpload(petition=petition, purpose=purpose, reference=reference, title=title, title_en=title_en)
    upload.draft_file.save(f"{uuid.uuid4().hex}{_extension(uploaded)}", uploaded, save=False)
    upload.save()
    return upload


def _extension(uploaded) -> str:
    name = (getattr(uploaded, "name", "") or "").lower()
    for ext in (".pdf", ".jpg", ".jpeg", ".png"):
        if name.endswith(ext):
            return ext
    return ""


@transaction.atomic
def petition_draft_update_answers(
    *,
    petition: Petition,
    answers: dict,
    files: dict | None = None,
    next_step: str = "consent",
    declarations: dict | None = None,
) -> Petition:
    """The answers of the form step; ``declarations`` (when given) replace what the applicant
    declared about records that may be someone else's ({item code: {"relationship": ...}})."""
    locked = _locked_draft(petition)
    data = dict(locked.data)
    data.update(answers)
    specs = {field.key: field for field in locked.petition_type.form_fields.all()}
    for key, uploaded in (files or {}).items():
        field = specs.get(key)
        if field is None or field.type != FormField.Type.FILE:
            continue
        upload = _store_draft_upload(
            petition=locked,
            purpose=PetitionUpload.Purpose.FORM_FIELD,
            reference=key,
            title=field.label_ko,
            title_en=field.label_en,
            uploaded=uploaded,
        )
        data[key] = {"upload_id": upload.pk, "name": (uploaded.name or "")[:120]}
    locked.data = data
    update_fields = ["data", "wizard_step", "updated_at"]
    if declarations is not None:
        allowed = {
            m.item.code
            for m in RequiredInformation.objects.filter(
                petition_type=locked.petition_type,
                others_policy=RequiredInformation.OthersPolicy.DECLARATION,
            ).select_related("item")
        }
        locked.declarations = {
            code: {"relationship": str(value.get("relationship", ""))[:60]}
            for code, value in declarations.items()
            if code in allowed and isinstance(value, dict)
        }
        update_fields.append("declarations")
    _advance(locked, next_step)
    locked.save(update_fields=update_fields)
    return locked


@transaction.atomic
def petition_draft_update_consents(
    *, petition: Petition, consents: dict[str, bool], files: dict | None = None, next_step: str = "review"
) -> Petition:
    locked = _locked_draft(petition)
    mappings = {
        m.item.code: m
        for m in RequiredInformation.objects.filter(
            petition_type=locked.petition_type, consent_required=True
        ).select_related("item")
    }
    for code, uploaded in (files or {}).items():
        if code in mappings and consents.get(code) is False:
            _store_draft_upload(
                petition=locked,
                purpose=PetitionUpload.Purpose.DECLINED_ITEM,
                reference=code,
                **_document_names(mappings[code].item),
                uploaded=uploaded,
            )
    # An agreed item needs no upload any more.
    for code, agreed in consents.items():
        if agreed:
            for old in PetitionUpload.objects.filter(
                petition=locked, purpose=PetitionUpload.Purpose.DECLINED_ITEM, reference=code
            ):
                old.draft_file.delete(save=False)
                old.delete()
    locked.consents = {code: bool(value) for code, value in consents.items() if code in mappings}
    _advance(locked, next_step)
    locked.save(update_fields=["consents", "wizard_step", "updated_at"])
    return locked


@transaction.atomic
def petition_draft_discard(*, petition: Petition) -> None:
    locked = _locked_draft(petition)
    for upload in locked.uploads.all():
        upload.draft_file.delete(save=False)
    locked.delete()


# --- Submission ---------------------------------------------------------------------------


def _missing(petition: Petition, snapshot: dict) -> list[str]:
    """What is still missing, in the language of the page."""
    english = (get_language() or "ko").startswith("en")
    problems = []
    for spec in snapshot["fields"]:
        if spec["required"] and petition.data.get(spec["key"]) in (None, "", {}):
            label = spec["label_en"] if english else spec["label_ko"]
            problems.append(_("“%(field)s” is not filled in.") % {"field": label})
    declined_uploads = set(
        petition.uploads.filter(purpose=PetitionUpload.Purpose.DECLINED_ITEM).values_list("reference", flat=True)
    )
    for mapping in snapshot["required_information"]:
        if not mapping["consent_required"]:
            continue
        decision = petition.consents.get(mapping["item_code"])
        name = mapping["item_name_en"] if english else mapping["item_name_ko"]
        if decision is None:
            problems.append(_("Say whether we may fetch “%(item)s”.") % {"item": name})
        elif decision is False and mapping["item_code"] not in declined_uploads:
            problems.append(_("Upload “%(item)s”, which you chose not to have fetched.") % {"item": name})
    return problems


def _others_basis(petition: Petition, mapping: dict) -> str:
    """Why a record entered in a form may be used although it is someone else's ("" if it may not):
    the mapping's legal basis, or the applicant's declaration where the mapping asks for one."""
    policy = mapping.get("others_policy") or RequiredInformation.OthersPolicy.OWN_ONLY
    if policy == RequiredInformation.OthersPolicy.LEGAL_BASIS and mapping.get("others_legal_basis"):
        return f"legal basis: {mapping['others_legal_basis']}"
    if policy == RequiredInformation.OthersPolicy.DECLARATION:
        declared = (petition.declarations or {}).get(mapping["item_code"])
        if declared:
            return (
                f"applicant's declaration as {declared.get('relationship') or '-'}: {mapping.get('declaration_ko', '')}"
            )
    return ""


def petition_fetches_create(*, petition: Petition, snapshot: dict, representation: Representation | None) -> bool:
    """Queues the petition's fetches, each under the approved use of the routed office's using
    agency (petitions.uses.uses_for_office); False when there is nothing to fetch. A fetch outside
    its use raises PetitionError, so that nothing of the step that asked is kept."""
    from sharing.errors import SharingError
    from sharing.services import fetch_requests_create

    from .uses import uses_for_office

    specs = _fetch_specs(petition, snapshot, representation=representation)
    if not specs:
        return False
    if petition.office is None or not petition.receipt_no:
        raise PetitionError(_("This petition has not been filed yet."))
    uses = uses_for_office(snapshot, petition.office, items=[spec.item_code for spec in specs])
    specs = [dataclasses.replace(spec, use_id=uses[spec.item_code]) for spec in specs]
    try:
        fetch_requests_create(case_ref=petition.receipt_no, office=petition.office, items=specs)
    except SharingError as exc:  # e.g. outside the approved use
        raise PetitionError(exc.message) from exc
    return True


def _fetch_specs(petition: Petition, snapshot: dict, *, representation: Representation | None = None) -> list:
    """What to fetch for the petition: about its applicant, or, for a petition filed for
    someone else (``representation``), about that person (their RRN, their records). Without
    their uses: ``petition_submit`` adds the routed office's (petitions.uses.uses_for_office)."""
    from sharing.crypto import decrypt_text
    from sharing.types import FetchSpec

    link = getattr(petition.applicant, "resident_link", None)
    if representation is not None:
        subject_rrn, subject_hash = representation.principal_rrn(), representation.principal_rrn_hash
    elif link is not None:
        subject_rrn, subject_hash = "", link.rrn_hash
    else:
        subject_rrn, subject_hash = "", ""
    specs = []
    for mapping in snapshot["required_information"]:
        consented = bool(petition.consents.get(mapping["item_code"]))
        if mapping["consent_required"] and not consented:
            continue
        from_form = mapping["subject_source"] != RequiredInformation.SubjectSource.APPLICANT
        subject_id = str(petition.data.get(mapping["subject_field_key"]) or "").strip() if from_form else ""
        if from_form and not subject_id:
            continue
        if not subject_hash:  # the applicant's RRN, or whose a record entered in the form must be
            raise PetitionError(_("Confirm your identity before you file this petition."))
        if from_form:
            others_basis = _others_basis(petition, mapping)
        else:
            subject_id = subject_rrn or decrypt_text(link.rrn_encrypted if link else "")
            others_basis = ""
        specs.append(
            FetchSpec(
                item_code=mapping["item_code"],
                fields=list(mapping["fields"]),
                purpose_code=mapping["purpose_code"],
                subject_kind=mapping["subject_kind"],
                subject_id=subject_id,
                applicant_hash=subject_hash,
                others_basis=others_basis,
                consent_given=mapping["consent_required"] and consented,
            )
        )
    return specs


def _store_uploads(petition: Petition, uploads, *, subject_hash: str = "") -> None:
    from sharing.documents.errors import AttachmentRejected
    from sharing.documents.services import attachment_store

    for upload in uploads:
        if upload.document_id or not upload.draft_file:
            continue
        try:
            with upload.draft_file.open("rb") as handle:
                document = attachment_store(
                    uploaded_file=File(handle, name=upload.draft_file.name.rsplit("/", 1)[-1]),
                    case_ref=petition.case_ref,
                    owner=petition.applicant,
                    issuing_office=petition.office,
                    title=upload.title,
                    title_en=upload.title_en,
                    subject_hash=subject_hash,
                )
        except AttachmentRejected as exc:
            raise PetitionError(exc.message) from exc
        upload.document_id = str(document.pk)
        upload.save(update_fields=["document_id"])
        # The e-document store holds the file now; the draft copy goes when the transaction commits.
        name = upload.draft_file.name
        storage = upload.draft_file.storage
        transaction.on_commit(functools.partial(storage.delete, name))


def _receipt_context(petition: Petition, snapshot: dict) -> dict:
    """The context of the documents app's receipt template, in the petition's language."""
    english = petition.language == "en"

    def pick(ko: str, en: str) -> str:
        return en if english and en else ko

    if petition.submitted_at is None or petition.due_date is None or petition.office is None:
        raise ValueError("A receipt is made for a filed petition only.")
    details = petition.applicant_details
    return {
        "petition_type": pick(snapshot["name_ko"], snapshot["name_en"]),
        "applicant": {
            "name": details.get("name", ""),
            "address": details.get("address", ""),
            "phone": details.get("phone", ""),
        },
        "submitted_at": petition.submitted_at.isoformat(),
        "due_date": petition.due_date.isoformat(),
        "fee": snapshot["fee"],
        "fetched_items": [
            {
                "name": pick(m["item_name_ko"], m["item_name_en"]),
                "agency": pick(m["agency_name_ko"], m["agency_name_en"]),
            }
            for m in snapshot["required_information"]
            if not m["consent_required"] or petition.consents.get(m["item_code"])
        ],
        "attachments": [pick(upload.title, upload.title_en) for upload in petition.uploads.all()],
        "office_phone": petition.office.phone,
        **_receipt_fee(petition, pick),
    }


def _receipt_fee(petition: Petition, pick) -> dict:
    """The payment (amount, method, time, payment id) or the exemption, for the receipt."""
    from .models import FeeExemptionClaim, Payment
    from .payments.methods import method_label

    payment = Payment.objects.filter(petition=petition, status=Payment.Status.PAID).first()
    if payment is not None:
        with override(petition.language):
            method = str(method_label(payment.method))
        return {
            "payment": {
                "amount": payment.amount,
                "method": method,
                "paid_at": payment.approved_at.isoformat() if payment.approved_at else "",
                "payment_key": payment.payment_key or "",
                "order_id": payment.order_id,
            }
        }
    claim = FeeExemptionClaim.objects.filter(petition=petition).select_related("exemption").first()
    if claim is not None and claim.is_eligible:
        return {"fee_exemption": pick(claim.exemption.name_ko, claim.exemption.name_en)}
    return {}


@transaction.atomic
def petition_submit(*, petition: Petition, actor: User, submit_token: uuid.UUID | str) -> Petition:
    """Files a draft: receipt number, office, due date, timeline, receipt e-document and the
    fetches, all in one transaction. A replayed submit returns the petition already filed."""
    from sharing.documents.services import document_request

    from .delegation_services import representation_check_submit

    locked = Petition.objects.select_for_update().select_related("petition_type", "applicant").get(pk=petition.pk)
    if str(locked.submit_token) != str(submit_token):
        raise PetitionError(_("This page is out of date. Check your answers again and submit once more."))
    if locked.status != S.DRAFT:
        return locked  # a double click or a replayed request: the petition is filed once
    petition_type = locked.petition_type
    if not petition_type.active:
        raise PetitionError(_("This petition type is not open for filing."))

    # Filing for someone: the delegation is checked again now (revoked, expired, narrowed).
    representation = representation_check_submit(petition=locked)
    snapshot = petition_type_snapshot(petition_type)
    problems = _missing(locked, snapshot)
    if problems:
        raise PetitionError(" ".join(problems))
    from .payments.services import fee_settled

    if not fee_settled(locked):
        raise PetitionError(_("Pay the fee before the petition is submitted."))

    now = timezone.now()
    today = local_today()
    locked.type_snapshot = snapshot
    locked.type_version = petition_type.version
    # A petition filed for someone goes to the office of that person's district.
    routed_for = representation.principal if representation and representation.principal else locked.applicant
    locked.office = route_office(petition_type=petition_type, applicant=routed_for)
    locked.receipt_no = receipt_number_next(year=today.year)
    locked.submitted_at = now
    locked.due_date = add_working_days(today, petition_type.processing_days)
    locked.wizard_step = "review"
    locked.save()
    petition_transition(petition=locked, to=S.SUBMITTED, actor=actor)

    principal_hash = representation.principal_rrn_hash if representation is not None else ""
    _store_uploads(locked, locked.uploads.all(), subject_hash=principal_hash)
    document_request(
        kind="receipt",
        case_ref=locked.receipt_no,
        owner=locked.applicant,
        issuing_office=locked.office,
        template_name="documents/receipt.html",
        context=_receipt_context(locked, snapshot),
        language=locked.language,
        **both_languages(gettext_lazy("Receipt %(receipt_no)s"), receipt_no=locked.receipt_no),
        idempotency_key=f"petition-receipt:{locked.receipt_no}",
        # Filed for someone: the receipt names them, so its downloads are logged against them.
        subject_hash=principal_hash,
    )
    if representation is not None and representation.is_letter:
        # Nothing is fetched before the official has accepted the delegation letter
        # (delegation_services.letter_accept); the petition waits, submitted.
        logger.info("petition filed with a delegation letter receipt_no=%s", locked.receipt_no)
        return locked
    if petition_fetches_create(petition=locked, snapshot=snapshot, representation=representation):
        petition_transition(petition=locked, to=S.COLLECTING)
    else:
        petition_transition(petition=locked, to=S.UNDER_REVIEW)
    logger.info(
        "petition filed receipt_no=%s type=%s office=%s", locked.receipt_no, petition_type.slug, locked.office.code
    )
    return locked


@transaction.atomic
def petition_fetches_settled(*, case_ref: str) -> Petition | None:
    """Every fetch of the case is done: a petition waiting for its information goes to review.

    The signal may come twice at once (two fetches settling together): the row is locked, so the
    second caller sees the petition already under review and does nothing."""
    petition = Petition.objects.select_for_update().filter(receipt_no=case_ref).first()
    if petition is None:
        return None
    if petition.outage_notified_at is not None:  # the outage is over for this petition
        Petition.objects.filter(pk=petition.pk).update(outage_notified_at=None)
    if petition.status != S.COLLECTING:
        return None
    return petition_transition(petition=petition, to=S.UNDER_REVIEW, note_key="information_collected")


def petitions_resume_settled(*, quiet_for: datetime.timedelta, limit: int = 500) -> int:
    """Moves on the petitions left collecting although no fetch of theirs is pending any more
    and nothing has changed for ``quiet_for``: the announcement that every fetch had settled was
    lost (its worker was killed between the last fetch and the announcement)."""
    from sharing.models import FetchRequest

    pending = FetchRequest.objects.filter(case_ref=OuterRef("receipt_no"), state__in=FetchRequest.PENDING_STATES)
    case_refs = list(
        Petition.objects.filter(status=S.COLLECTING, updated_at__lt=timezone.now() - quiet_for)
        .exclude(Exists(pending))
        .order_by("updated_at")
        .values_list("receipt_no", flat=True)[:limit]
    )
    return sum(
        1 for case_ref in case_refs if case_ref is not None and petition_fetches_settled(case_ref=case_ref) is not None
    )


# --- After filing ---------------------------------------------------------------------------


@transaction.atomic
def petition_withdraw(*, petition: Petition, actor: User, reason: str = "") -> Petition:
    if petition.status in {S.APPROVED, S.REJECTED, S.WITHDRAWN}:
        raise PetitionError(_("A decided petition can no longer be withdrawn."))
    return petition_transition(petition=petition, to=S.WITHDRAWN, actor=actor, note=reason)


@transaction.atomic
def petition_upload_instead_of_fetch(
    *, petition: Petition, fetch_request, actor: User, uploaded_file
) -> PetitionUpload:
    """The citizen uploads the document themselves when an item could not be fetched, or while
    its agency cannot answer (selectors.may_upload_instead). A fetch still pending is then
    stopped ("uploaded_instead"): no further attempt, and nothing an attempt under way brings
    back is stored; if it was the case's last pending fetch, the petition goes on to review."""
    from sharing.documents.errors import AttachmentRejected
    from sharing.documents.services import attachment_store
    from sharing.selectors import fetch_request_locked
    from sharing.services import fetch_request_stop

    petition = Petition.objects.select_for_update().get(pk=petition.pk)
    if petition.status in {S.APPROVED, S.REJECTED, S.WITHDRAWN, S.DRAFT}:
        raise PetitionError(_("Documents can no longer be added to this petition."))
    if fetch_request.case_ref != petition.receipt_no:
        raise PetitionError(_("This information does not belong to this petition."))
    # Locked: a fetch finishing meanwhile waits for this upload, then finds its fetch stopped.
    fetch_request = fetch_request_locked(fetch_request.pk) or fetch_request
    if not selectors.may_upload_instead(petition=petition, fetch_request=fetch_request):
        if fetch_request.state == "fetched":
            raise PetitionError(_("This information has been received from the agency; there is nothing to upload."))
        raise PetitionError(_("This information is being fetched for you; there is nothing to upload."))
    item = fetch_request.item
    titles = _document_names(item)
    try:
        document = attachment_store(
            uploaded_file=uploaded_file,
            case_ref=petition.case_ref,
            owner=petition.applicant,
            issuing_office=petition.office,
            **titles,
        )
    except AttachmentRejected as exc:
        raise PetitionError(exc.message) from exc
    if fetch_request.is_pending:
        fetch_request_stop(fetch_request=fetch_request, code="uploaded_instead")
        logger.info("fetch stopped: uploaded instead case=%s item=%s", petition.receipt_no, item.code)
    petition.save(update_fields=["updated_at"])  # the progress part changes (its polls' version)
    return PetitionUpload.objects.create(
        petition=petition,
        purpose=PetitionUpload.Purpose.DECLINED_ITEM,
        reference=item.code,
        **titles,
        document_id=str(document.pk),
    )


@transaction.atomic
def supplement_request(
    *,
    petition: Petition,
    actor: User,
    message: str,
    field_keys: list[str] | None = None,
    documents_requested: bool = False,
    due_date: datetime.date | None = None,
) -> SupplementRequest:
    field_keys = list(field_keys or [])
    known = {spec["key"] for spec in petition.type_snapshot.get("fields", [])}
    unknown = [key for key in field_keys if key not in known]
    if unknown:
        raise PetitionError(_("These are not fields of the petition: %(keys)s") % {"keys": ", ".join(unknown)})
    if not field_keys and not documents_requested:
        raise PetitionError(_("Name the fields to correct or ask for documents."))
    petition_transition(petition=petition, to=S.SUPPLEMENT_REQUESTED, actor=actor, note=message)
    return SupplementRequest.objects.create(
        petition=petition,
        requested_by=actor,
        message=message,
        field_keys=field_keys,
        documents_requested=documents_requested,
        due_date=due_date,
    )


@transaction.atomic
def supplement_respond(
    *,
    supplement: SupplementRequest,
    actor: User,
    answers: dict,
    files: dict | None = None,
    documents: list | None = None,
    note: str = "",
) -> SupplementRequest:
    """The citizen's answer: corrected fields and/or documents. Both versions stay on record."""
    from sharing.documents.errors import AttachmentRejected
    from sharing.documents.services import attachment_store

    supplement = SupplementRequest.objects.select_for_update().get(pk=supplement.pk)
    if not supplement.is_open:
        raise PetitionError(_("This supplement request has been answered already."))
    petition = Petition.objects.select_for_update().get(pk=supplement.petition_id)
    if petition.status != S.SUPPLEMENT_REQUESTED:
        raise PetitionError(_("No supplement is requested for this petition any more."))

    corrected = {key: value for key, value in answers.items() if key in supplement.field_keys}
    supplement.previous_values = {key: petition.data.get(key) for key in corrected}
    supplement.new_values = corrected
    petition.data = {**petition.data, **corrected}
    petition.save(update_fields=["data", "updated_at"])

    stored = []
    for uploaded in [*(files or {}).values(), *(documents or [])]:
        try:
            document = attachment_store(
                uploaded_file=uploaded,
                case_ref=petition.case_ref,
                owner=petition.applicant,
                issuing_office=petition.office,
                **both_languages(gettext_lazy("Supplement to %(receipt_no)s"), receipt_no=petition.receipt_no),
            )
        except AttachmentRejected as exc:
            raise PetitionError(exc.message) from exc
        stored.append(
            PetitionUpload(
                petition=petition,
                purpose=PetitionUpload.Purpose.SUPPLEMENT,
                supplement=supplement,
                **(_file_title(uploaded) or both_languages(gettext_lazy("Document"))),
                document_id=str(document.pk),
            )
        )
    PetitionUpload.objects.bulk_create(stored)

    supplement.responded_at = timezone.now()
    supplement.response_note = note
    supplement.save(update_fields=["previous_values", "new_values", "responded_at", "response_note"])
    petition_transition(petition=petition, to=S.SUPPLEMENT_SUBMITTED, actor=actor, note=note)
    return supplement
