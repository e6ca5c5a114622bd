"""Reads of the officer workspace: the queue, the review page, the supervisor view.

Every page reads a constant number of queries whatever the number of petitions: the queue
reads one page of rows (plus one to know whether there is a next page) and never counts the
whole result; counts per status come from one grouped query over the partial indexes of
open petitions, kept in the cache until a petition of the office changes (``queue_counts``).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import statistics
import uuid
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from portal.models import OfficeMembership, User
from sharing.selectors import fetch_requests_for_case, fetch_requests_for_cases

from .calendar import local_today
from .models import OPEN_STATUSES, InternalNote, Petition, PetitionType, SupplementRequest, TimelineEvent

S = Petition.Status
PAGE_SIZE = 25
RECEIPT_PATTERN = re.compile(r"^\d{4}-\d{7}$")
# Statuses in which the processing clock runs (it stops while a supplement is requested).
CLOCK_RUNNING = (S.SUBMITTED, S.COLLECTING, S.UNDER_REVIEW, S.SUPPLEMENT_SUBMITTED)
# Fetch states shown to officials as a problem on the queue.
FETCH_PROBLEM_STATES = ("failed", "refused", "agency_unavailable", "not_applicants")
DECIDABLE = (S.UNDER_REVIEW, S.SUPPLEMENT_SUBMITTED)


# --- Who may see what ------------------------------------------------------------------------


def memberships_for(*, user) -> list[OfficeMembership]:
    return list(OfficeMembership.objects.filter(user_id=user.pk).select_related("office").order_by("office__name_ko"))


def is_supervisor(memberships: list[OfficeMembership], office_id: int | None) -> bool:
    return any(m.office_id == office_id and m.role == OfficeMembership.Role.SUPERVISOR for m in memberships)


def petition_for_officer(*, user, receipt_no: str) -> Petition:
    """A filed petition of one of the official's offices; 404 for anyone else, whatever exists."""
    if not (user.is_authenticated and user.is_official):
        raise Http404
    # One membership per office and user, the receipt number unique: one row at most, no ordering needed.
    found = list(
        Petition.objects.filter(receipt_no=str(receipt_no), office__memberships__user_id=user.pk)
        .exclude(status=S.DRAFT)
        .select_related(
            "petition_type",
            "office",
            "applicant",
            "assigned_to",
            "representation__delegation",
            "representation__principal",
        )
        .order_by()[:1]
    )
    if not found:
        raise Http404
    return found[0]


# --- The queue ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    status: str = ""  # "" = open petitions, "all", or a status value
    petition_type: int | None = None
    assignee: str = "anyone"  # anyone, me, unassigned
    due: str = ""  # "", today, overdue
    fetch_problems: bool = False
    q: str = ""
    sort: str = "due"  # due, submitted, submitted_desc
    page: int = 1


@dataclass
class QueueRow:
    petition: Petition
    overdue: bool = False
    due_today: bool = False
    fetch_problems: list = field(default_factory=list)
    fetch_pending: int = 0


@dataclass
class QueuePage:
    rows: list[QueueRow]
    page: int
    has_next: bool
    has_previous: bool


SORTS = {
    "due": ("due_date", "id"),
    "submitted": ("submitted_at", "id"),
    "submitted_desc": ("-submitted_at", "-id"),
}


def _queue_queryset(*, user, office_ids: list[int], filters: QueueFilters, today: datetime.date):
    petitions = Petition.objects.filter(office_id__in=office_ids)
    status = filters.status or ("all" if filters.q else "")
    if status == "":
        petitions = petitions.filter(status__in=OPEN_STATUSES)
    elif status == "all":
        petitions = petitions.exclude(status=S.DRAFT)
    else:
        petitions = petitions.filter(status=status)
    if filters.petition_type:
        petitions = petitions.filter(petition_type_id=filters.petition_type)
    if filters.assignee == "me":
        petitions = petitions.filter(assigned_to=user)
    elif filters.assignee == "unassigned":
        petitions = petitions.filter(assigned_to__isnull=True)
    if filters.due == "today":
        petitions = petitions.filter(due_date=today, status__in=CLOCK_RUNNING)
    elif filters.due == "overdue":
        petitions = petitions.filter(due_date__lt=today, status__in=CLOCK_RUNNING)
    if filters.fetch_problems:
        from sharing.models import FetchRequest

        petitions = petitions.filter(
            Exists(FetchRequest.objects.filter(case_ref=OuterRef("receipt_no"), state__in=FETCH_PROBLEM_STATES))
        )
    query = filters.q.strip()
    if query:
        if RECEIPT_PATTERN.match(query):
            petitions = petitions.filter(receipt_no=query)
        else:
            petitions = petitions.filter(
                Q(applicant_details__name__icontains=query) | Q(applicant__full_name__icontains=query)
            )
    return petitions.order_by(*SORTS.get(filters.sort, SORTS["due"]))


def queue_page(*, user, office_ids: list[int], filters: QueueFilters, page_size: int = PAGE_SIZE) -> QueuePage:
    """One page of the queue: two queries (the rows, and the fetches of those rows)."""
    today = local_today()
    page = max(1, filters.page)
    offset = (page - 1) * page_size
    petitions = (
        list(
            _queue_rows_queryset(
                user_id=user.pk, office_ids=office_ids, filters=filters, today=today, offset=offset, limit=page_size + 1
            )
        )
        if office_ids
        else []
    )
    has_next = len(petitions) > page_size
    petitions = petitions[:page_size]
    fetches = fetch_requests_for_cases([p.receipt_no for p in petitions]) if petitions else {}
    rows = []
    for petition in petitions:
        running = petition.status in CLOCK_RUNNING and petition.due_date is not None
        case_fetches = fetches.get(petition.receipt_no, [])
        rows.append(
            QueueRow(
                petition=petition,
                overdue=running and petition.due_date < today,
                due_today=running and petition.due_date == today,
                fetch_problems=[f for f in case_fetches if f.state in FETCH_PROBLEM_STATES],
                fetch_pending=sum(1 for f in case_fetches if f.is_pending),
            )
        )
    return QueuePage(rows=rows, page=page, has_next=has_next, has_previous=page > 1)


def _queue_rows_queryset(*, user_id, office_ids, filters: QueueFilters, today, offset: int, limit: int):
    return (
        _queue_queryset(user=user_id, office_ids=office_ids, filters=filters, today=today)
        .select_related("petition_type", "assigned_to")
        # Who filed for whom (대리 신청): the basis, or None for a petition filed by its subject.
        .annotate(represented_basis=F("representation__basis"), represented_letter=F("representation__letter_state"))
        .only(
            "id",
            "receipt_no",
            "status",
            "due_date",
            "submitted_at",
            "applicant_details",
            "assigned_at",
            "office_id",
            "petition_type__name_ko",
            "petition_type__name_en",
            "assigned_to__full_name",
            "assigned_to__username",
            "assigned_to__first_name",
            "assigned_to__last_name",
        )[offset : offset + limit]
    )


QUEUE_COUNTS_SECONDS = 300


def _queue_counts_version_key(office_id: int) -> str:
    return f"petitions:queue-counts:version:{office_id}"


def queue_counts_changed(*, office_id: int | None) -> None:
    """A petition of the office changed status, due date or office: its counts are read again.

    At once (a read later in the same transaction sees the change) and again once the change is
    committed (so that counts another request read meanwhile, before the commit, are not kept)."""
    if office_id is None:
        return

    def bump() -> None:
        cache.set(_queue_counts_version_key(office_id), uuid.uuid4().hex, None)

    bump()
    transaction.on_commit(bump)


def _count_open(office_ids: list[int], today) -> dict:
    grouped = (
        Petition.objects.filter(office_id__in=office_ids, status__in=OPEN_STATUSES)
        .values("status")
        # Counting columns of the index petitions_queue_status (not the id) lets PostgreSQL
        # answer from the index alone.
        .annotate(
            n=Count("status"),
            overdue=Count("status", filter=Q(due_date__lt=today, status__in=CLOCK_RUNNING)),
            due_today=Count("status", filter=Q(due_date=today, status__in=CLOCK_RUNNING)),
        )
        .order_by()
    )
    by_status = {str(status): 0 for status in OPEN_STATUSES}
    overdue = due_today = 0
    for row in grouped:
        by_status[row["status"]] = row["n"]
        overdue += row["overdue"]
        due_today += row["due_today"]
    return {"by_status": by_status, "overdue": overdue, "due_today": due_today}


def queue_counts(*, office_ids: list[int]) -> dict:
    """Open petitions per status, and how many are due today or overdue.

    One grouped query, whose cost grows with the offices' open work (an index-only scan of it):
    its result is kept in the cache under a version per office, which every change of a
    petition's status, due date or office starts anew (``receivers.py``), and the date; so the
    counts shown are those of the database. Entries also expire after ``QUEUE_COUNTS_SECONDS``,
    for rows written past the ORM (bulk loads)."""
    today = local_today()
    office_ids = sorted(set(office_ids))
    version_keys = [_queue_counts_version_key(office_id) for office_id in office_ids]
    versions = cache.get_many(version_keys)
    key = (
        "petitions:queue-counts:"
        + hashlib.sha256(
            json.dumps([today.isoformat(), office_ids, [versions.get(k, "") for k in version_keys]]).encode()
        ).hexdigest()[:40]
    )
    counted = cache.get(key)
    if counted is None:
        counted = _count_open(office_ids, today)
        cache.set(key, counted, QUEUE_COUNTS_SECONDS)
    by_status = counted["by_status"]
    return {
        "statuses": [
            {"value": status, "label": S(status).label, "count": by_status.get(str(status), 0)}
            for status in OPEN_STATUSES
        ],
        "open": sum(by_status.values()),
        "overdue": counted["overdue"],
        "due_today": counted["due_today"],
    }


def petition_types_for_filter() -> list[tuple[int, str]]:
    """(id, name in the active language) of every petition type, by Korean name: the queue's
    filter. Kept with the catalogue's cached content (a new version on every change of a type)."""
    from django.utils.translation import get_language

    from .catalogue_cache import cached

    def build() -> list[tuple[int, str]]:
        return [(t.pk, str(t.name)) for t in PetitionType.objects.only("id", "name_ko", "name_en").order_by("name_ko")]

    return cached("officer-types", [get_language()], build)


def assignable_officials(*, office_ids: list[int]) -> list[User]:
    """Officials who are members of the given offices (whom a supervisor may assign)."""
    if not office_ids:
        return []
    return list(
        User.objects.filter(memberships__office_id__in=office_ids, role=User.Role.OFFICIAL)
        .distinct()
        .order_by("full_name", "username")
    )


# --- The review page --------------------------------------------------------------------------


def review_fetches(petition: Petition) -> list:
    """The fetches of the case, with their provenance (no personal values): three queries."""
    from sharing.models import FetchedData, ItemField

    fetches = fetch_requests_for_case(petition.case_ref)
    if not fetches:
        return []
    provenance = {
        data.fetch_request_id: data
        for data in FetchedData.objects.filter(fetch_request__in=fetches).only(
            "fetch_request_id", "txn_id", "fetched_at", "issued_at", "agency_id"
        )
    }
    unique_ids: dict[int, set[str]] = {}
    for item_id, key in ItemField.objects.filter(
        item_id__in={f.item_id for f in fetches},
        sensitivity=ItemField.Sensitivity.UNIQUE_ID,
    ).values_list("item_id", "key"):
        unique_ids.setdefault(item_id, set()).add(key)
    for fetch in fetches:
        fetch.provenance = provenance.get(fetch.pk)
        fetch.unique_id_keys = unique_ids.get(fetch.item_id, set())
    return fetches


# Through the petition's related managers: each row's ``petition`` is this one, not read again.


def internal_notes(petition: Petition) -> list[InternalNote]:
    return list(petition.internal_notes.select_related("author").order_by("created_at", "id"))


def supplements(petition: Petition) -> list[SupplementRequest]:
    return list(
        petition.supplements.select_related("requested_by").order_by("-created_at", "-id").prefetch_related("uploads")
    )


def timeline(petition: Petition) -> list[TimelineEvent]:
    return list(petition.timeline.select_related("actor").order_by("created_at", "id"))


# --- The supervisor view ----------------------------------------------------------------------


def supervisor_overview(*, office) -> dict:
    """One office at a glance: open petitions by status, overdue, median processing time of the
    petitions decided this month, and the open workload of each official. Four queries."""
    counts = queue_counts(office_ids=[office.pk])
    now = timezone.localtime()
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    durations = [
        (decided - submitted).total_seconds()
        for submitted, decided in Petition.objects.filter(
            office=office,
            decided_at__gte=month_start,
            status__in=(S.APPROVED, S.REJECTED),
        ).values_list("submitted_at", "decided_at")
        if submitted and decided
    ]
    median_days = statistics.median(durations) / 86400 if durations else None

    today = local_today()
    workload = {
        row["assigned_to"]: row
        for row in Petition.objects.filter(office=office, status__in=OPEN_STATUSES)
        .values("assigned_to")
        .annotate(
            open=Count("id"),
            overdue=Count("id", filter=Q(due_date__lt=today, status__in=CLOCK_RUNNING)),
            waiting_decision=Count("id", filter=Q(status__in=DECIDABLE)),
        )
        .order_by()
    }
    members = list(
        OfficeMembership.objects.filter(office=office)
        .select_related("user")
        .order_by("user__full_name", "user__username")
    )
    empty = {"open": 0, "overdue": 0, "waiting_decision": 0}
    officials = [{"membership": m, **{k: workload.get(m.user_id, empty)[k] for k in empty}} for m in members]
    member_ids = {m.user_id for m in members}
    # Petitions still assigned to someone who left the office are work nobody sees: count them.
    orphaned = sum(row["open"] for key, row in workload.items() if key is not None and key not in member_ids)
    return {
        "office": office,
        "counts": counts,
        "decided_this_month": len(durations),
        "median_days": median_days,
        "officials": officials,
        "unassigned": workload.get(None, empty)["open"],
        "orphaned": orphaned,
    }
