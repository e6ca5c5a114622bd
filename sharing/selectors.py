"""Reads of the sharing backbone (none of them returns personal values: see services.personal_data_read)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet

from . import circuit
from .errors import AGENCY_DOWN_CODES
from .models import AccessLogCheckpoint, AccessLogEntry, Agency, FetchRequest, InformationItem, ItemField


def fetch_requests_queryset() -> QuerySet[FetchRequest]:
    """The fetches with their items, agencies and office, in display order (not yet filtered):
    the read under fetch_requests_for_case(s)."""
    return FetchRequest.objects.select_related("item__agency", "office").order_by("item__agency__code", "item__code")


def fetch_requests_for_case(case_ref: str) -> list[FetchRequest]:
    return list(fetch_requests_queryset().filter(case_ref=case_ref))


def fetch_requests_for_cases(case_refs: Iterable[str]) -> dict[str, list[FetchRequest]]:
    grouped: dict[str, list[FetchRequest]] = defaultdict(list)
    for fetch_request in fetch_requests_queryset().filter(case_ref__in=list(case_refs)):
        grouped[fetch_request.case_ref].append(fetch_request)
    return dict(grouped)


def fetch_progress(fetch_requests: list[FetchRequest]) -> tuple[int, int]:
    """(fetched, total) of a case's fetches, e.g. for "정보 수집 (3/4)"."""
    return sum(1 for fr in fetch_requests if fr.state == FetchRequest.State.FETCHED), len(fetch_requests)


def information_items(*, codes: Iterable[str] | None = None) -> list[InformationItem]:
    """The catalogue with agencies and fields, in one go."""
    items = InformationItem.objects.select_related("agency").prefetch_related(
        Prefetch("fields", queryset=ItemField.objects.order_by("order", "id"))
    )
    if codes is not None:
        items = items.filter(code__in=list(codes))
    return list(items)


def agencies() -> list[Agency]:
    return list(Agency.objects.order_by("code"))


def access_log_for_subject(subject_hash: str) -> QuerySet[AccessLogEntry]:
    """Who accessed this person's data (newest first): the basis of "who viewed my information"."""
    return AccessLogEntry.objects.filter(subject_hash=subject_hash).select_related("office").order_by("-sequence")


def access_log_for_case(case_ref: str) -> QuerySet[AccessLogEntry]:
    return AccessLogEntry.objects.filter(case_ref=case_ref).select_related("office").order_by("-sequence")


# --- The access log's checkpoints (public: roots and sizes, no personal data) ----------------

CHECKPOINT_PAGE_SIZE = 50
CHECKPOINT_JSON_LIMIT = 500


def access_log_checkpoints() -> QuerySet[AccessLogCheckpoint]:
    """Signed checkpoints, newest first, without the columns only the portal needs."""
    return AccessLogCheckpoint.objects.defer("frontier").order_by("-tree_size")


def access_log_checkpoints_after(tree_size: int) -> list[AccessLogCheckpoint]:
    """Up to CHECKPOINT_JSON_LIMIT checkpoints after ``tree_size``, oldest first (an auditor's
    copy catches up page by page)."""
    return list(access_log_checkpoints().filter(tree_size__gt=tree_size).order_by("tree_size")[:CHECKPOINT_JSON_LIMIT])


def agency_outage(fetch_request: FetchRequest) -> str:
    """Why the agency of a pending fetch cannot answer it now, or "" (also for a fetch that is not
    pending): "disabled" (the administrator paused the agency), "circuit_open" (the portal holds
    requests back after repeated failures) or "down" (the last attempt found it down: no
    connection, a timeout, a 5xx, "unavailable"). Reads the fetch's item and agency (select them
    with it) and the agency's circuit from the cache, no query."""
    if fetch_request.state not in FetchRequest.PENDING_STATES:
        return ""
    agency = fetch_request.item.agency
    if not agency.enabled:
        return "disabled"
    if circuit.state(agency) == "open":
        return "circuit_open"
    if fetch_request.error_code in AGENCY_DOWN_CODES:
        return "down"
    return ""


def fetch_request_locked(fetch_request_id: int) -> FetchRequest | None:
    """The fetch with its item and agency, its row locked until the caller's transaction ends."""
    return (
        FetchRequest.objects.select_for_update(of=("self",))
        .select_related("item__agency")
        .filter(pk=fetch_request_id)
        .first()
    )
