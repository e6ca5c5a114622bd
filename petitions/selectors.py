"""Reads of the citizen journey. Every page reads a constant number of queries."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import Count, Max, OuterRef, Prefetch, Q, Subquery, prefetch_related_objects
from django.http import Http404

from sharing.selectors import fetch_requests_for_case

from .models import (
    FormField,
    Petition,
    PetitionCategory,
    PetitionType,
    PetitionUpload,
    RequiredInformation,
    SupplementRequest,
    TimelineEvent,
)

S = Petition.Status


def catalogue_categories() -> list[dict]:
    counts = dict(
        PetitionType.objects.filter(active=True)
        .values_list("category")
        .annotate(n=Count("id"))
        .values_list("category", "n")
    )
    return [
        {"value": value, "label": label, "count": counts.get(value, 0)}
        for value, label in PetitionCategory.choices
        if counts.get(value)
    ]


def petition_types_for_catalogue(*, category: str = "", query: str = "") -> list[PetitionType]:
    types = PetitionType.objects.filter(active=True)
    if category:
        types = types.filter(category=category)
    if query:
        types = types.filter(
            Q(name_ko__icontains=query)
            | Q(name_en__icontains=query)
            | Q(description_ko__icontains=query)
            | Q(description_en__icontains=query)
        )
    return list(types.annotate(required_count=Count("required_information")).order_by("category", "name_ko"))


def petition_type_for_page(*, slug: str) -> PetitionType:
    petition_type = (
        PetitionType.objects.filter(slug=slug, active=True)
        .prefetch_related(
            Prefetch("form_fields", queryset=FormField.objects.order_by("order", "id")),
            Prefetch(
                "required_information",
                queryset=RequiredInformation.objects.select_related("item__agency").prefetch_related("item__fields"),
            ),
        )
        .first()
    )
    if petition_type is None:
        raise Http404
    return petition_type


def required_information_rows(petition_type: PetitionType) -> list[dict]:
    """Each mapping with the labels of its fields, for the type page and the wizard."""
    rows = []
    for mapping in petition_type.required_information.all():
        labels = {field.key: field.label_ko for field in mapping.item.fields.all()}
        labels_en = {field.key: field.label_en for field in mapping.item.fields.all()}
        rows.append(
            {
                "mapping": mapping,
                "item": mapping.item,
                "agency": mapping.item.agency,
                "field_labels": [(labels.get(k, k), labels_en.get(k, k)) for k in mapping.fields],
            }
        )
    return rows


def _open_supplements():
    return Prefetch(
        "supplements", queryset=SupplementRequest.objects.filter(responded_at=None), to_attr="open_supplements"
    )


MY_PETITIONS_PAGE_SIZE = 20


def petitions_page_for_applicant(*, user, page_number) -> Page:
    """One page of the applicant's filed petitions, newest first (a page holds at most
    ``MY_PETITIONS_PAGE_SIZE``: the page costs the same after years of filing)."""
    petitions = _applicant_filed(user.pk)
    page = Paginator(petitions, MY_PETITIONS_PAGE_SIZE).get_page(page_number)
    page.object_list = list(page.object_list)
    # The open supplements say what to do next on a petition waiting for one (citizen_next_step):
    # read for those only, none when no petition of the page waits.
    waiting = [p for p in page.object_list if p.status == S.SUPPLEMENT_REQUESTED]
    if waiting:
        prefetch_related_objects(waiting, _open_supplements())
    for petition in page.object_list:
        if petition.status != S.SUPPLEMENT_REQUESTED:
            petition.open_supplements = []
    return page


def _yours(user_id) -> Q:
    """The petitions a citizen sees: those they filed (for themselves or for someone else) and
    those someone filed for them under a delegation; never a principal's other petitions."""
    from .models import Representation

    represented = Representation.objects.filter(principal_id=user_id).values("petition_id")
    return Q(applicant_id=user_id) | Q(pk__in=represented)


def _applicant_filed(applicant_id):
    return (
        Petition.objects.filter(_yours(applicant_id))
        .exclude(status=S.DRAFT)
        .select_related("petition_type", "office", "applicant", "representation")
        .order_by("-submitted_at", "-id")
    )


def drafts_for_applicant(*, user) -> list[Petition]:
    return list(
        Petition.objects.filter(applicant_id=user.pk, status=S.DRAFT, petition_type__active=True)
        .select_related("petition_type")
        .order_by("-updated_at")
    )


def petition_for_applicant(*, user, receipt_no: str, all_supplements: bool = False) -> Petition:
    """The applicant's own filed petition, or 404 for anyone else; with its open supplements
    (``open_supplements``, newest first). ``all_supplements``: every supplement of the petition
    too (``all_supplements``, newest first, with their uploads), the open ones taken from them
    (one query fewer than reading both)."""
    # The receipt number is unique: no ordering needed to take the one row.
    petition = _one_or_none(
        Petition.objects.filter(_yours(user.pk), receipt_no=str(receipt_no))
        .exclude(status=S.DRAFT)
        .select_related("petition_type", "office", "representation", "applicant")
        .order_by()
    )
    if petition is None:
        raise Http404
    if all_supplements:
        petition.all_supplements = petition_supplements(petition)
        # The open ones, in the same order (the model's: newest first).
        petition.open_supplements = [s for s in petition.all_supplements if s.responded_at is None]
    else:
        # Through the related manager: each supplement's ``petition`` is this one, not read again.
        petition.open_supplements = list(petition.supplements.filter(responded_at=None))
    return petition


def _one_or_none(queryset):
    """The row a unique look-up finds, or None (``first()`` would add an ORDER BY)."""
    rows = list(queryset[:1])
    return rows[0] if rows else None


def petition_progress_version(*, user, receipt_no: str) -> tuple | None:
    """What the live progress part of the applicant's petition is rendered from, in one query:
    the petition's status and last change (a transition, its timeline event and supplement, an
    upload instead of a fetch all change it) and its fetches' last change (every change of a
    fetch sets its ``updated_at``). None if it is not theirs."""
    from sharing.models import FetchRequest

    fetches = FetchRequest.objects.filter(case_ref=OuterRef("receipt_no")).order_by().values("case_ref")
    return (
        Petition.objects.filter(_yours(user.pk), receipt_no=str(receipt_no))
        .exclude(status=S.DRAFT)
        .annotate(fetches_changed=Subquery(fetches.annotate(v=Max("updated_at")).values("v")[:1]))
        .values_list("status", "updated_at", "fetches_changed")
        .first()
    )


def petition_status_for_applicant(*, user, receipt_no: str) -> Petition:
    """The applicant's filed petition with only what its status says (``fetches_total`` and
    ``fetches_done`` annotated: fetches no longer pending, as ``petition_fetches`` counts them),
    in one query; 404 for anyone else. What an app polling a status reads (the open API)."""
    from sharing.models import FetchRequest

    fetches = FetchRequest.objects.filter(case_ref=OuterRef("receipt_no")).order_by().values("case_ref")
    petition = _one_or_none(
        Petition.objects.filter(_yours(user.pk), receipt_no=str(receipt_no))
        .exclude(status=S.DRAFT)
        .annotate(
            fetches_total=Subquery(fetches.annotate(n=Count("id")).values("n")[:1]),
            fetches_done=Subquery(
                fetches.exclude(state__in=FetchRequest.PENDING_STATES).annotate(n=Count("id")).values("n")[:1]
            ),
        )
        .only("receipt_no", "status", "due_date")
        .order_by()
    )
    if petition is None:
        raise Http404
    return petition


def own_petition_by_public_id(*, user, public_id) -> Petition:
    """The applicant's petition (draft or filed) behind a wizard address, or 404 for anyone else."""
    petition = Petition.objects.filter(applicant=user, public_id=public_id).select_related("petition_type").first()
    if petition is None:
        raise Http404
    return petition


def draft_for_applicant(*, user, public_id) -> Petition:
    petition = (
        Petition.objects.filter(applicant=user, public_id=public_id, status=S.DRAFT)
        .select_related("petition_type")
        .first()
    )
    if petition is None:
        raise Http404
    return petition


def petition_timeline(petition: Petition) -> list[TimelineEvent]:
    # Through the related manager: each event's ``petition`` is this one, not read again.
    return list(petition.timeline.order_by("created_at", "id"))


def petition_supplements(petition: Petition) -> list[SupplementRequest]:
    return list(petition.supplements.order_by("-created_at", "-id").prefetch_related("uploads"))


def petition_fetches(petition: Petition) -> dict:
    """The fetches of the case and how far they are."""
    fetches = fetch_requests_for_case(petition.receipt_no) if petition.receipt_no else []
    done = sum(1 for fetch in fetches if not fetch.is_pending)
    return {"fetches": fetches, "done": done, "total": len(fetches), "pending": done < len(fetches)}


def fetch_request_of_petition(*, petition: Petition, fetch_id: int):
    """A fetch of this petition's case, or 404 (a forged id)."""
    from sharing.models import FetchRequest

    fetch_request = (
        FetchRequest.objects.filter(pk=fetch_id, case_ref=petition.receipt_no).select_related("item").first()
    )
    if fetch_request is None:
        raise Http404
    return fetch_request


# Fetch states after which the citizen may upload the document instead (no data, for good).
UPLOAD_INSTEAD_STATES = ("failed", "refused", "not_applicants")
# Petition statuses in which no document is added any more.
_CLOSED_TO_UPLOADS = {S.APPROVED, S.REJECTED, S.WITHDRAWN, S.DRAFT}


def may_upload_instead(*, petition: Petition, fetch_request) -> bool:
    """Whether the citizen may upload the document of this fetch's item now, instead of waiting
    for it: the one rule behind the upload form (petition page and its progress part) and the
    upload itself (services.petition_upload_instead_of_fetch).

    Yes for a fetch of this petition (open to documents) that ended without data (failed,
    refused, not the applicant's; not when the portal stopped it because the item came another
    way), or that is still pending while its agency cannot answer (sharing.selectors.agency_outage:
    down, disabled or its circuit open); the fetch then keeps retrying, and whichever comes first
    is used. No once the item is fetched, and no while the agency is merely slow to answer."""
    from sharing.errors import STOPPED_CODES
    from sharing.selectors import agency_outage

    if petition.status in _CLOSED_TO_UPLOADS or fetch_request.case_ref != petition.receipt_no:
        return False
    if fetch_request.state in UPLOAD_INSTEAD_STATES:
        return fetch_request.error_code not in STOPPED_CODES
    return bool(agency_outage(fetch_request))


def items_uploaded_instead(petition: Petition) -> set[str]:
    """Codes of the items the citizen supplied as documents instead of having them fetched."""
    return set(
        PetitionUpload.objects.filter(petition=petition, purpose=PetitionUpload.Purpose.DECLINED_ITEM).values_list(
            "reference", flat=True
        )
    )


def documents_for_applicant(*, user):
    """The issued e-documents of the petitions the citizen sees (``_yours``), newest first: what
    their petitions' pages offer for download, across all of them (the open API's list)."""
    from sharing.documents.models import EDocument

    receipts = Petition.objects.filter(_yours(user.pk)).exclude(status=S.DRAFT).exclude(receipt_no=None)
    return (
        EDocument.objects.filter(case_ref__in=receipts.values("receipt_no"))
        .select_related("superseded_by")
        .order_by("-issued_at", "-id")
    )


def petition_documents(petition: Petition) -> list:
    from sharing.documents.selectors import documents_for_case

    return documents_for_case(petition.receipt_no) if petition.receipt_no else []


STEPS = [
    (S.SUBMITTED, {S.SUBMITTED}),
    (S.COLLECTING, {S.COLLECTING}),
    (S.UNDER_REVIEW, {S.UNDER_REVIEW, S.SUPPLEMENT_REQUESTED, S.SUPPLEMENT_SUBMITTED}),
    ("decided", {S.APPROVED, S.REJECTED, S.WITHDRAWN}),
]


def progress_steps(petition: Petition) -> list[dict]:
    """The four steps of the KRDS step indicator: filed, collecting, review, decided."""
    from django.utils.translation import gettext as _

    labels = {
        S.SUBMITTED: _("Filed"),
        S.COLLECTING: _("Collecting information"),
        S.UNDER_REVIEW: _("Under review"),
        "decided": petition.get_status_display() if petition.is_decided else _("Decision"),
    }
    index = next(i for i, (_key, states) in enumerate(STEPS) if petition.status in states)
    return [
        {
            "label": labels[key],
            "state": "done"
            if i < index or (petition.is_decided and i == index)
            else ("current" if i == index else "upcoming"),
            "number": i + 1,
        }
        for i, (key, _states) in enumerate(STEPS)
    ]


def own_receipt_numbers(*, user, case_refs) -> set[str]:
    """The receipt numbers among ``case_refs`` of the user's own petitions (one query): the
    tracker links these rows of the user's access log (registered in petitions.apps)."""
    found = Petition.objects.filter(_yours(user.pk), receipt_no__in=case_refs).values_list("receipt_no", flat=True)
    return {receipt_no for receipt_no in found if receipt_no}


def user_is_party_to_case(*, user, case_ref: str) -> bool:
    """Whether a citizen filed the petition of ``case_ref`` or it was filed for them: both may
    download its documents (registered with sharing.documents in petitions.apps)."""
    if not (user.is_authenticated and case_ref):
        return False
    return Petition.objects.filter(_yours(user.pk), receipt_no=case_ref).exclude(status=S.DRAFT).exists()


def payment_for_payer(*, user, order_id: str):
    """The citizen's own payment by its order id (None for anyone else's, or none at all)."""
    from .models import Payment

    return Payment.objects.select_related("petition__petition_type").filter(order_id=order_id[:64], payer=user).first()
