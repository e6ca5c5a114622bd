"""Reads of the tracker: a citizen's access log, privacy inquiries and refund inquiries.

Every list reads a constant number of queries, whatever the number of rows.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Case, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from sharing import crypto
from sharing.hub.models import ApprovedUse
from sharing.hub.selectors import uses_in_force
from sharing.models import AccessLogEntry, Agency, FetchRequest, InformationItem, ItemField, Purpose
from sharing.submissions.selectors import submissions_named_in_log
from sharing.submissions.services import LOG_PURPOSE as SUBMISSION_PURPOSE

from . import labels as access_labels
from .models import PrivacyInquiry, PrivacyOfficer, RefundInquiry

ACCESS_LOG_PAGE_SIZE = 20
REFUND_INQUIRY_PURPOSE = "P-REFUND-INQUIRY"


# --- Who viewed my information --------------------------------------------------------------


def citizen_subject_hash(user) -> str | None:
    """The keyed hash of the citizen's RRN, once their identity is linked; None before."""
    if not (user.is_authenticated and user.is_citizen):
        return None
    link = getattr(user, "resident_link", None)
    return link.rrn_hash if link is not None else None


@dataclass(frozen=True)
class AccessFilters:
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    agency: str = ""
    case_ref: str = ""


def _local_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def access_log_entries(*, subject_hash: str, filters: AccessFilters) -> QuerySet[AccessLogEntry]:
    entries = AccessLogEntry.objects.filter(subject_hash=subject_hash)
    if filters.date_from:
        entries = entries.filter(created_at__gte=_local_start(filters.date_from))
    if filters.date_to:
        entries = entries.filter(created_at__lt=_local_start(filters.date_to + datetime.timedelta(days=1)))
    if filters.agency:
        entries = entries.filter(
            item_code__in=InformationItem.objects.filter(agency__code=filters.agency).values("code")
        )
    if filters.case_ref:
        entries = entries.filter(case_ref=filters.case_ref)
    return entries.select_related("office").order_by("-sequence")


# Which of a log's case references are the user's own petitions (their rows link to them). The
# petitions app registers its answer when it starts (petitions.apps): sharing never imports it.
OwnCasesFinder = Callable[..., Iterable[str]]
_own_cases_finders: list[OwnCasesFinder] = []


def own_cases_finder_register(finder: OwnCasesFinder) -> None:
    """Adds ``finder(*, user, case_refs) -> the user's own case references among them``."""
    if finder not in _own_cases_finders:
        _own_cases_finders.append(finder)


def own_case_refs(*, user, case_refs: set[str]) -> set[str]:
    own: set[str] = set()
    for finder in _own_cases_finders:
        own.update(finder(user=user, case_refs=case_refs))
    return own


@dataclass
class AccessRow:
    entry: AccessLogEntry
    item_name: str
    agency_name: str
    field_labels: list[str]
    purpose: str
    petition_receipt_no: str  # set when the case is one of the citizen's own petitions
    # The administrative affair (사무) and legal basis the access ran under (the approved use's),
    # in the active language; blank for entries without one (e.g. before uses existed).
    affair_name: str = ""
    legal_basis: str = ""
    # A retrieval by a recipient the citizen submitted a document to: who, and the purpose they gave.
    recipient_name: str = ""
    submission_purpose: str = ""


def _affair_texts(entries) -> dict[str, tuple[str, dict[str, str]]]:
    """affair code -> (its name, {legal basis as logged: the basis in the active language}),
    from the approved uses of those affairs: one query for the whole page."""
    codes = {entry.affair_code for entry in entries if entry.affair_code}
    if not codes:
        return {}
    english = access_labels.in_english()
    found: dict[str, tuple[str, dict[str, str]]] = {}
    uses = (
        ApprovedUse.objects.filter(affair_code__in=codes)
        .order_by("affair_code", "-updated_at", "-pk")
        .values_list("affair_code", "affair_name_ko", "affair_name_en", "legal_basis", "legal_basis_en")
    )
    for code, name_ko, name_en, basis_ko, basis_en in uses:
        name, bases = found.setdefault(code, ((name_en if english and name_en else name_ko), {}))
        bases.setdefault(basis_ko, basis_en if english and basis_en else basis_ko)
    return found


def affair_and_basis(entry: AccessLogEntry, affairs: dict) -> tuple[str, str]:
    """The affair ("name (CODE)") and legal basis an entry shows, in the active language."""
    if not entry.affair_code:
        return "", entry.legal_basis
    name, bases = affairs.get(entry.affair_code, ("", {}))
    affair = f"{name} ({entry.affair_code})" if name else entry.affair_code
    return affair, bases.get(entry.legal_basis, entry.legal_basis)


def access_log_page(*, user, subject_hash: str, filters: AccessFilters, page_number) -> tuple[Page, list[AccessRow]]:
    """One page of the citizen's access log, newest first, with names in the active language.

    Queries: count, page, items, fields, purposes, affairs, own petitions: seven, whatever the page.
    """
    # Paginates entries; the page then holds the rows made from them (object_list, below).
    paginator: Paginator[Any] = Paginator(
        access_log_entries(subject_hash=subject_hash, filters=filters), ACCESS_LOG_PAGE_SIZE
    )
    page = paginator.get_page(page_number)
    entries = list(page.object_list)
    item_codes = {entry.item_code for entry in entries if entry.item_code}
    items = {item.code: item for item in InformationItem.objects.filter(code__in=item_codes).select_related("agency")}
    labels = {
        (field.item.code, field.key): field.label
        for field in ItemField.objects.filter(item__code__in=item_codes).select_related("item")
    }
    purpose_codes = {entry.purpose for entry in entries if entry.purpose}
    purposes = {purpose.code: purpose.name for purpose in Purpose.objects.filter(code__in=purpose_codes)}
    case_refs = {entry.case_ref for entry in entries if entry.case_ref}
    own_petitions = own_case_refs(user=user, case_refs=case_refs)
    affairs = _affair_texts(entries)
    # Retrievals of submitted documents: one more query, only on a page that shows some.
    submissions = submissions_named_in_log(e.detail for e in entries if e.purpose == SUBMISSION_PURPOSE)
    rows = []
    for entry in entries:
        item = items.get(entry.item_code)
        affair_name, legal_basis = affair_and_basis(entry, affairs)
        submission = submissions.get(entry.detail) if entry.purpose == SUBMISSION_PURPOSE else None
        rows.append(
            AccessRow(
                entry=entry,
                item_name=access_labels.item_name(entry.item_code, items),
                agency_name=item.agency.name if item else "",
                field_labels=access_labels.field_labels(entry.item_code, entry.fields, labels),
                purpose=access_labels.purpose_name(entry.purpose, purposes),
                petition_receipt_no=entry.case_ref if entry.case_ref in own_petitions else "",
                affair_name=affair_name,
                legal_basis=legal_basis,
                recipient_name=submission.recipient.name if submission is not None else "",
                submission_purpose=submission.purpose if submission is not None else "",
            )
        )
    page.object_list = rows
    return page, rows


def access_log_case_refs(*, subject_hash: str) -> list[str]:
    """The cases the citizen's log mentions, for the petition filter (newest first)."""
    refs = (
        AccessLogEntry.objects.filter(subject_hash=subject_hash)
        .exclude(case_ref="")
        .values_list("case_ref", flat=True)
        .distinct()
    )
    return sorted(set(refs), reverse=True)


def agencies_for_filter() -> list[Agency]:
    return list(Agency.objects.order_by("code"))


def access_entry_for_citizen(*, subject_hash: str | None, sequence: int) -> AccessLogEntry:
    """An entry about this citizen, or 404 (also for another person's entry)."""
    if not subject_hash:
        raise Http404
    entry = AccessLogEntry.objects.filter(subject_hash=subject_hash, sequence=sequence).select_related("office").first()
    if entry is None:
        raise Http404
    return entry


# --- Privacy inquiries ----------------------------------------------------------------------


def inquiries_for_citizen(*, user) -> list[PrivacyInquiry]:
    return list(
        PrivacyInquiry.objects.filter(citizen=user)
        .select_related("office", "entry", "answered_by")
        .order_by("-created_at", "-id")
    )


def unread_answers_count(*, user) -> int:
    return PrivacyInquiry.objects.filter(
        citizen=user, status=PrivacyInquiry.Status.ANSWERED, answer_seen_at__isnull=True
    ).count()


def privacy_office_ids(*, user) -> list[int]:
    if not (user.is_authenticated and user.is_official):
        return []
    return list(PrivacyOfficer.objects.filter(user=user).values_list("office_id", flat=True))


def inquiries_for_privacy_officer(*, user) -> list[PrivacyInquiry]:
    """The inquiries of the officer's offices: those waiting for an answer first, then the newest."""
    office_ids = privacy_office_ids(user=user)
    waiting_first = Case(When(status=PrivacyInquiry.Status.OPEN, then=Value(0)), default=Value(1))
    return list(
        PrivacyInquiry.objects.filter(office_id__in=office_ids)
        .select_related("office", "citizen", "entry")
        .order_by(waiting_first, "-created_at", "-id")[:500]
    )


def inquiry_for_privacy_officer(*, user, public_id) -> PrivacyInquiry:
    inquiry = (
        PrivacyInquiry.objects.filter(public_id=public_id, office_id__in=privacy_office_ids(user=user))
        .select_related("office", "citizen", "entry", "entry__office", "answered_by")
        .first()
    )
    if inquiry is None:
        raise Http404
    return inquiry


def entry_description(entry: AccessLogEntry) -> dict:
    """Names for one entry (item, agency, fields, purpose) in the active language."""
    item = (
        InformationItem.objects.filter(code=entry.item_code).select_related("agency").prefetch_related("fields").first()
    )
    labels = {(item.code, field.key): field.label for field in item.fields.all()} if item else {}
    purpose = Purpose.objects.filter(code=entry.purpose).first()
    affair_name, legal_basis = affair_and_basis(entry, _affair_texts([entry]))
    return {
        "affair_name": affair_name,
        "legal_basis": legal_basis,
        "item_name": access_labels.item_name(entry.item_code, {item.code: item} if item else {}),
        "agency_name": item.agency.name if item else "",
        "field_labels": access_labels.field_labels(entry.item_code, entry.fields, labels),
        "purpose": access_labels.purpose_name(entry.purpose, {purpose.code: purpose.name} if purpose else {}),
    }


# --- Un-refunded money ----------------------------------------------------------------------


def refund_items() -> list[InformationItem]:
    """Every item an agency answers a citizen's own refund inquiry with (data: the admin adds more)."""
    return list(
        InformationItem.objects.filter(purposes__code=REFUND_INQUIRY_PURPOSE, agency__enabled=True)
        .select_related("agency")
        .prefetch_related("fields")
        .order_by("agency__code", "code")
        .distinct()
    )


def refund_uses(*, office) -> list[tuple[InformationItem, ApprovedUse]]:
    """The refund items the portal ``office`` may ask, each with the approved use of the office's
    using agency it runs under (in force today, for the refund inquiry's purpose); items without
    one are not asked."""
    if office.using_agency_id is None:
        return []
    items = refund_items()
    uses = {
        use.item_id: use
        for use in uses_in_force(using_agency_id=office.using_agency_id)
        .filter(item__in=items, purpose__code=REFUND_INQUIRY_PURPOSE)
        .order_by("item_id", "-valid_until", "pk")
    }
    return [(item, uses[item.pk]) for item in items if item.pk in uses]


def refund_inquiry_latest(*, user) -> RefundInquiry | None:
    return RefundInquiry.objects.filter(citizen=user).order_by("-created_at", "-id").first()


def refund_inquiry_for_citizen(*, user, public_id) -> RefundInquiry:
    inquiry = RefundInquiry.objects.filter(citizen=user, public_id=public_id).first()
    if inquiry is None:
        raise Http404
    return inquiry


@dataclass
class RefundRow:
    fetch: FetchRequest
    answer: dict | None  # the agency's answer (decrypted) once it is in

    @property
    def pending(self) -> bool:
        return self.fetch.is_pending

    @property
    def no_record(self) -> bool:
        return self.fetch.state == FetchRequest.State.REFUSED and self.fetch.error_code == "subject_not_found"

    @property
    def total(self) -> int:
        return int((self.answer or {}).get("refund_total") or 0)

    @property
    def refunds(self) -> list[dict]:
        return list((self.answer or {}).get("refunds") or [])

    @property
    def expired(self) -> bool:
        """Fetched, but the answer is no longer kept (retention)."""
        return self.fetch.state == FetchRequest.State.FETCHED and self.answer is None

    @property
    def holds_money(self) -> bool:
        return self.total > 0


@dataclass
class RefundSummary:
    rows: list[RefundRow]

    @property
    def pending(self) -> bool:
        return any(row.pending for row in self.rows)

    @property
    def answered(self) -> int:
        return sum(1 for row in self.rows if not row.pending)

    @property
    def total(self) -> int:
        return sum(row.total for row in self.rows)

    @property
    def with_money(self) -> list[RefundRow]:
        return [row for row in self.rows if row.holds_money]


def refund_summary(*, inquiry: RefundInquiry) -> RefundSummary:
    """The inquiry's fetches with the answers read so far (two queries)."""
    fetches = list(
        FetchRequest.objects.filter(case_ref=inquiry.case_ref)
        .select_related("item__agency")
        .order_by("item__agency__code", "item__code")
    )
    answers = {
        answer.fetch_request_id: json.loads(crypto.decrypt_text(answer.payload_encrypted))
        for answer in inquiry.answers.all()
    }
    return RefundSummary(rows=[RefundRow(fetch=fetch, answer=answers.get(fetch.pk)) for fetch in fetches])
