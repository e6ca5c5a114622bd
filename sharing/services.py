"""Writes of the sharing backbone: creating and running fetches, and the only way to read fetched data."""

from __future__ import annotations

import json
import logging
import random
import time
import uuid
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit, circuit, crypto
from .errors import (
    AGENCY_DOWN_CODES,
    STOPPED_CODES,
    FetchedDataDeleted,
    FieldsNotInItem,
    NotFetchedYet,
    OutsideApprovedUse,
    RetryNotAllowed,
    RevealReasonRequired,
    UnknownItem,
)
from .hub.errors import UseRefused
from .hub.selectors import UseSnapshot, use_check, use_for_fetch, uses_for_fetch
from .models import FetchedData, FetchRequest, InformationItem, ItemField, SubjectKind
from .providers import ProviderRequest
from .providers import errors as provider_errors
from .providers import registry as default_registry
from .signals import case_fetches_settled, fetch_agency_down, fetch_attempted
from .types import FetchSpec

logger = logging.getLogger(__name__)
State = FetchRequest.State

# The error code of a fetch whose record was someone else's (sharing.errors.MESSAGES).
NOT_APPLICANTS_CODE = "not_applicants_record"

# A fetch left in "fetching" longer than the agency's timeout plus this is taken to belong to a
# worker that died; a redelivered task may then start it again.
STALE_FETCHING_GRACE = timedelta(seconds=60)


def _enqueue(fetch_request: FetchRequest, *, countdown: float = 0.0) -> None:
    from . import tasks

    fetch_request_id, agency_code = fetch_request.pk, fetch_request.item.agency.code
    transaction.on_commit(lambda: tasks.enqueue_fetch(fetch_request_id, agency_code, countdown=countdown))


@transaction.atomic
def fetch_requests_create(
    *, case_ref: str, office, items: list[FetchSpec], requested_by=None, enqueue: bool = True
) -> list[FetchRequest]:
    """One FetchRequest per (case, item), fetched in parallel once the transaction commits.

    Each spec names the approved use it runs under (``FetchSpec.use_id``); a spec the use does
    not permit for ``office`` (its using agency, the item, fields, purpose, consent, the day)
    raises OutsideApprovedUse and nothing is created.

    Idempotent: an item the case already has is returned as it is, not fetched again.
    ``enqueue`` False: nothing is queued, the caller runs the first attempt itself
    (``fetch_execute``; an official's look-up, answered on the next page).

    Queries: the items, their fields, the case's existing fetches, the uses the shared cache
    does not hold (none once cached) and one insert of the new fetches: as many for a case of
    one item as for a case of ten.
    """
    catalogue = {
        item.code: item
        for item in InformationItem.objects.select_related("agency")
        .prefetch_related("fields")
        .filter(code__in=[spec.item_code for spec in items])
    }
    existing = {
        fr.item.code: fr
        for fr in FetchRequest.objects.select_related("item__agency").filter(
            case_ref=case_ref, item__code__in=list(catalogue)
        )
    }
    uses = uses_for_fetch(spec.use_id for spec in items if spec.use_id and spec.item_code not in existing)
    result = []
    new: list[FetchRequest] = []
    for spec in items:
        item = catalogue.get(spec.item_code)
        if item is None:
            raise UnknownItem(_("There is no information item %(code)s.") % {"code": spec.item_code})
        known = {field.key for field in item.fields.all()}
        unknown = [key for key in spec.fields if key not in known]
        if not spec.fields or unknown:
            raise FieldsNotInItem(
                _("Item %(item)s has no field(s) %(fields)s.")
                % {"item": item.code, "fields": ", ".join(unknown) or "-"}
            )
        if spec.subject_kind != item.subject_kind:
            raise FieldsNotInItem(
                _("Item %(item)s is about a %(kind)s.") % {"item": item.code, "kind": item.get_subject_kind_display()}
            )
        if item.code in existing:
            result.append(existing[item.code])
            continue
        _check_use(
            uses.get(spec.use_id) if spec.use_id else None,
            office=office,
            item_code=item.code,
            fields=spec.fields,
            purpose_code=spec.purpose_code,
            consent_given=spec.consent_given,
        )
        fetch_request = FetchRequest(
            case_ref=case_ref,
            item=item,
            office=office,
            requested_by=requested_by,
            fields=list(dict.fromkeys(spec.fields)),
            purpose_code=spec.purpose_code,
            approved_use_id=spec.use_id,
            consent_given=spec.consent_given,
            subject_kind=spec.subject_kind,
            subject_encrypted=crypto.encrypt_text(spec.subject_id),
            subject_hash=crypto.subject_hash(spec.subject_id),
            applicant_hash=spec.applicant_hash,
            others_basis=(spec.others_basis or "")[:300],
        )
        existing[item.code] = fetch_request
        new.append(fetch_request)
        result.append(fetch_request)
    # One insert for the case; PostgreSQL and SQLite give each new row its id back.
    FetchRequest.objects.bulk_create(new)
    if enqueue:
        for fetch_request in new:
            _enqueue(fetch_request)
    return result


def _check_use(
    use: UseSnapshot | None, *, office, item_code: str, fields, purpose_code: str, consent_given: bool
) -> None:
    """The one check of a fetch against its approved use (``use_check``), as a sharing error."""
    try:
        use_check(
            use,
            using_agency_id=office.using_agency_id if office is not None else None,
            item_code=item_code,
            fields=fields,
            purpose_code=purpose_code,
            consent_given=consent_given,
        )
    except UseRefused as exc:
        raise OutsideApprovedUse(exc.message, code=exc.code) from None


@transaction.atomic
def fetch_request_retry(*, fetch_request: FetchRequest, actor) -> FetchRequest:
    """An official fetches again, now, as the requester (also after a refusal or a finished fetch)."""
    if not actor.memberships.filter(office_id=fetch_request.office_id).exists():
        raise PermissionDenied
    locked = (
        FetchRequest.objects.select_for_update(of=("self",)).select_related("item__agency").get(pk=fetch_request.pk)
    )
    if locked.state in {State.WAITING, State.FETCHING}:
        raise RetryNotAllowed(_("This item is being fetched already."))
    locked.state = State.WAITING
    locked.attempts = 0
    locked.next_attempt_at = None
    locked.error_code = locked.error_detail = ""
    locked.requested_by = actor
    locked.save()
    _enqueue(locked)
    return locked


def fetch_requests_requeue_due(*, stalled_after: timedelta = timedelta(minutes=10)) -> int:
    """Queues again every pending fetch whose attempt is due but whose task was lost (a flushed
    broker, a worker killed: the broker gives its unacknowledged tasks back only after its
    visibility timeout). Safe at any time: a fetch that is in hand is claimed once, whatever the
    number of tasks. Run every minute by beat (``fetch_requests_recover``) and by
    ``manage.py requeue_fetches``.

    A waiting fetch that is queued again is touched (``updated_at``), so that while its new task
    waits behind a long queue the next sweeps leave it alone for another ``stalled_after``; a
    fetch left "fetching" is not touched (its claim looks at how long it has been fetching).
    """
    now = timezone.now()
    due = (
        FetchRequest.objects.filter(state__in=FetchRequest.PENDING_STATES, updated_at__lt=now - stalled_after)
        .filter(models.Q(next_attempt_at__isnull=True) | models.Q(next_attempt_at__lt=now))
        .select_related("item__agency")
    )
    count = 0
    for fetch_request in due.iterator(chunk_size=500):
        if fetch_request.state != State.FETCHING and not FetchRequest.objects.filter(
            pk=fetch_request.pk, state=fetch_request.state, updated_at=fetch_request.updated_at
        ).update(updated_at=now):
            continue  # it moved meanwhile: its own task is alive
        _enqueue(fetch_request)
        count += 1
    return count


def backoff_seconds(agency, attempt: int) -> float:
    """Exponential back-off with full jitter: uniform in [0, min(cap, base * 2^(attempt-1))]."""
    ceiling = min(agency.backoff_cap_seconds, agency.backoff_base_seconds * (2 ** max(0, attempt - 1)))
    return random.uniform(0, ceiling)  # noqa: S311 (jitter spreads retries; nothing secret)


def _provider_request(fetch_request: FetchRequest, use: UseSnapshot) -> ProviderRequest:
    requester = fetch_request.requested_by
    return ProviderRequest(
        agency=fetch_request.item.agency,
        item_code=fetch_request.item.code,
        subject_kind=fetch_request.subject_kind,
        subject_id=crypto.decrypt_text(fetch_request.subject_encrypted),
        fields=tuple(fetch_request.fields),
        purpose_code=fetch_request.purpose_code,
        case_ref=fetch_request.case_ref,
        office_code=fetch_request.office.code,
        requester_kind="official" if requester else "system",
        requester_id=(requester.staff_number or requester.username) if requester else None,
        txn_id=fetch_request.txn_id,
        timestamp=int(timezone.now().timestamp()),
        use_id=use.public_id,
        using_agency_code=use.using_agency_code,
        affair_code=use.affair_code,
        legal_basis=use.legal_basis,
    )


def _fetch_request_in_hand(fetch_request_id: int) -> FetchRequest | None:
    """The fetch with its item, agency, office and requester, in one query (no ordering: one row)."""
    found = list(
        FetchRequest.objects.select_related("item__agency", "office", "requested_by")
        .filter(pk=fetch_request_id)
        .order_by()
    )
    return found[0] if found else None


def _claim(fetch_request_id: int) -> tuple[FetchRequest | None, str]:
    """Moves a fetch to "fetching" if it is due; returns it with the outcome word.

    Optimistic: the row is read, then changed only if it is still as it was read (same state
    and ``updated_at``), so of two deliveries of the same task exactly one claims it.
    """
    fetch_request = _fetch_request_in_hand(fetch_request_id)
    if fetch_request is None:
        return None, "missing"
    now = timezone.now()
    agency = fetch_request.item.agency
    if fetch_request.state in {State.FETCHED, State.FAILED, State.REFUSED, State.NOT_APPLICANTS}:
        return None, "done"
    if fetch_request.state == State.FETCHING:
        stale_at = fetch_request.updated_at + timedelta(seconds=agency.timeout_seconds) + STALE_FETCHING_GRACE
        if now < stale_at:
            return None, "busy"
    elif fetch_request.next_attempt_at and fetch_request.next_attempt_at > now + timedelta(seconds=1):
        # A duplicate delivery: the scheduled attempt will come at its time.
        return None, "early"
    if not agency.enabled:
        return None, _hold(fetch_request, "agency_disabled", now + timedelta(seconds=agency.circuit_reset_seconds))
    permission = circuit.allow(agency)
    if not permission.allowed:
        retry_at = now + timedelta(seconds=permission.retry_after + random.uniform(0, 1))  # noqa: S311 (jitter)
        return None, _hold(fetch_request, "circuit_open", retry_at)
    changes = {
        "state": State.FETCHING,
        "attempts": fetch_request.attempts + 1,
        "txn_id": str(uuid.uuid4()),
        "next_attempt_at": None,
        "updated_at": now,
    }
    if not _update_if_unchanged(fetch_request, changes):
        return None, "busy"
    # Whether a success must reset the agency's circuit (skipped while nothing was counted).
    fetch_request.circuit_troubled = permission.troubled
    return fetch_request, "claimed"


def _update_if_unchanged(fetch_request: FetchRequest, changes: dict) -> bool:
    claimed = FetchRequest.objects.filter(
        pk=fetch_request.pk, state=fetch_request.state, updated_at=fetch_request.updated_at
    ).update(**changes)
    if claimed:
        for name, value in changes.items():
            setattr(fetch_request, name, value)
    return bool(claimed)


def _hold(fetch_request: FetchRequest, code: str, retry_at) -> str:
    """The agency may not be asked now: wait in "agency unavailable" and come back at ``retry_at``."""
    changes = {
        "state": State.AGENCY_UNAVAILABLE,
        "error_code": code,
        "error_detail": "",
        "next_attempt_at": retry_at,
        "updated_at": timezone.now(),
    }
    if not _update_if_unchanged(fetch_request, changes):
        return "busy"
    _enqueue(fetch_request, countdown=max(0.0, (retry_at - timezone.now()).total_seconds()))
    _announce_down(fetch_request)
    return "held"


def _announce_down(fetch_request: FetchRequest) -> None:
    """Says, once committed, that this fetch's agency cannot answer now (signals.fetch_agency_down)."""
    case_ref, fetch_request_id, item_code = fetch_request.case_ref, fetch_request.pk, fetch_request.item.code

    def send() -> None:
        for _receiver, result in fetch_agency_down.send_robust(
            sender=FetchRequest, case_ref=case_ref, fetch_request_id=fetch_request_id, item_code=item_code
        ):
            if isinstance(result, Exception):
                logger.error("a receiver of fetch_agency_down failed: %s", type(result).__name__)

    transaction.on_commit(send)


@transaction.atomic
def fetch_request_stop(*, fetch_request: FetchRequest, code: str) -> bool:
    """Ends a pending fetch because the item came another way (``code``: one of STOPPED_CODES):
    no further attempt is made, and an attempt under way finds its outcome superseded (nothing
    it fetches is stored). Returns whether the fetch was stopped (False: it was no longer pending)."""
    if code not in STOPPED_CODES:
        raise ValueError(f"not a stop code: {code!r}")
    changed = FetchRequest.objects.filter(pk=fetch_request.pk, state__in=FetchRequest.PENDING_STATES).update(
        state=State.FAILED, error_code=code, error_detail="", next_attempt_at=None, updated_at=timezone.now()
    )
    if changed:
        case_ref = fetch_request.case_ref
        transaction.on_commit(lambda: _announce_if_settled(case_ref))
    return bool(changed)


@transaction.atomic
def fetch_request_mark_verified(*, fetch_request: FetchRequest) -> bool:
    """An official verified the item by other means: a pending or unfetched fetch ends with
    "verified_otherwise" (never one that was fetched, nor one stopped already because the item
    came another way). Returns whether it changed."""
    changed = (
        FetchRequest.objects.filter(
            pk=fetch_request.pk,
            state__in=[*FetchRequest.PENDING_STATES, State.FAILED, State.REFUSED, State.NOT_APPLICANTS],
        )
        .exclude(error_code__in=STOPPED_CODES)
        .update(
            state=State.FAILED,
            error_code="verified_otherwise",
            error_detail="",
            next_attempt_at=None,
            updated_at=timezone.now(),
        )
    )
    if changed:
        case_ref = fetch_request.case_ref
        transaction.on_commit(lambda: _announce_if_settled(case_ref))
    return bool(changed)


def fetch_execute(*, fetch_request_id: int, registry=None) -> str:
    """Runs one attempt of a fetch (the body of the Celery task); safe to run twice.

    Returns what happened: fetched, refused, failed, retrying, held, or why nothing was done
    (done, busy, early, missing, superseded).
    """
    registry = registry or default_registry
    fetch_request, outcome = _claim(fetch_request_id)
    if fetch_request is None:
        return outcome
    agency = fetch_request.item.agency
    # Checked again before every attempt, from the use's cached snapshot (no query once cached):
    # a use suspended, revoked, narrowed or expired since the fetch was made stops it here.
    use = use_for_fetch(fetch_request.approved_use_id) if fetch_request.approved_use_id else None
    try:
        _check_use(
            use,
            office=fetch_request.office,
            item_code=fetch_request.item.code,
            fields=fetch_request.fields,
            purpose_code=fetch_request.purpose_code,
            consent_given=fetch_request.consent_given,
        )
    except OutsideApprovedUse as exc:
        return _record(fetch_request, fetch_request.txn_id, None, UseRefusedAtPortal(exc.message, code=exc.code))
    assert use is not None  # noqa: S101 (use_check refuses a missing use)
    if fetch_request.subject_kind == SubjectKind.PERSON and not _may_keep(fetch_request, [fetch_request.subject_hash]):
        # Another person's RRN in a form field: known to be someone else's without asking anyone.
        return _record(fetch_request, fetch_request.txn_id, None, NotApplicantsRecord(), use=use)
    try:
        request = _provider_request(fetch_request, use)
    except Exception as exc:  # noqa: BLE001 (e.g. a subject that no key decrypts: end the fetch, not "fetching" for ever)
        logger.error("fetch %s: the request could not be built (%s)", fetch_request.pk, type(exc).__name__)
        not_built = provider_errors.ProviderError(
            f"the request could not be built: {type(exc).__name__}", code="request_not_built"
        )
        return _record(fetch_request, fetch_request.txn_id, None, not_built, use=use)
    started = time.monotonic()
    error: provider_errors.ProviderError | None
    try:
        response, error = registry[agency.provider].fetch(request), None
    except provider_errors.ProviderError as exc:
        response, error = None, exc
    except KeyError:
        response, error = None, provider_errors.ProviderConfigurationError(f"no provider {agency.provider!r}")
    except Exception as exc:
        logger.exception("fetch %s: the provider raised %s", fetch_request.pk, type(exc).__name__)
        response, error = None, provider_errors.TransientError(type(exc).__name__, code="agency_error")
    latency_ms = max(0, round((time.monotonic() - started) * 1000))
    return _record(fetch_request, request.txn_id, response, error, latency_ms=latency_ms, use=use)


class NotApplicantsRecord(provider_errors.ProviderError):
    """The record is someone else's and the case may use only the applicant's own."""

    code = NOT_APPLICANTS_CODE


class UseRefusedAtPortal(provider_errors.ProviderError):
    """The fetch is outside its approved use: refused by the portal, the agency was not asked.

    ``code`` is the UseRefused code (e.g. ``use_revoked``), ``detail`` its message."""

    code = "use_refused"
    refusal = True


def _use_log_values(use: UseSnapshot | None) -> dict:
    """The affair and legal basis an access-log entry records (blank for a fetch without a use)."""
    if use is None:
        return {"affair_code": "", "legal_basis": ""}
    return {"affair_code": use.affair_code, "legal_basis": use.legal_basis}


def _revealed_persons(fetch_request: FetchRequest, response) -> list[str]:
    """Keyed hashes of the persons the answer is about: those the agency names, and the subject
    itself when it is a person. Never the RRNs themselves."""
    hashes = [crypto.subject_hash(rrn) for rrn in response.persons]
    if fetch_request.subject_kind == SubjectKind.PERSON:
        hashes.insert(0, fetch_request.subject_hash)
    return list(dict.fromkeys(hashes))


def _may_keep(fetch_request: FetchRequest, persons: list[str]) -> bool:
    """Whether a record about ``persons`` may be kept for this case: nothing to check, a basis
    for others' records, a record about nobody in particular, or one of the applicant's."""
    if not fetch_request.applicant_hash or fetch_request.others_basis:
        return True
    return not persons or fetch_request.applicant_hash in persons


@transaction.atomic
def _record(
    fetch_request: FetchRequest,
    txn_id: str,
    response,
    error,
    *,
    latency_ms: int | None = None,
    use: UseSnapshot | None = None,
) -> str:
    """Stores the outcome of the attempt that claimed the fetch under ``txn_id``. ``latency_ms``
    None: no agency was asked (the attempt is not an exchange). ``use``: the approved use the
    attempt ran under (its affair and legal basis go into the access log).

    An answer about someone other than the applicant, where the case may not use it, is
    discarded here: nothing of it is stored, and the fetch ends "not the applicant's"."""
    agency = fetch_request.item.agency
    now = timezone.now()
    first_fetch = fetch_request.fetched_at is None
    persons = _revealed_persons(fetch_request, response) if error is None else []
    if error is None and not _may_keep(fetch_request, persons):
        response, error = None, NotApplicantsRecord(f"{agency.code} txn {response.txn_id}")
        discarded = True
    else:
        discarded = False
    changes = {"updated_at": now, "error_code": "", "error_detail": "", "next_attempt_at": None}
    if error is None:
        changes.update(state=State.FETCHED, fetched_at=now)
    elif isinstance(error, NotApplicantsRecord):
        changes.update(state=State.NOT_APPLICANTS, error_code=error.code)
    else:
        changes.update(error_code=error.code, error_detail=(error.detail or "")[:500])
        if error.refusal:
            changes["state"] = State.REFUSED
        elif error.retryable and fetch_request.attempts < agency.max_attempts:
            changes.update(
                state=State.RETRYING,
                next_attempt_at=now + timedelta(seconds=backoff_seconds(agency, fetch_request.attempts)),
            )
        else:
            changes["state"] = State.FAILED
    # Only the attempt that claimed the fetch records its outcome (an official's re-fetch may
    # have started another in the meantime).
    recorded = FetchRequest.objects.filter(pk=fetch_request.pk, state=State.FETCHING, txn_id=txn_id).update(**changes)
    if not recorded:
        return "superseded"
    for name, value in changes.items():
        setattr(fetch_request, name, value)

    if error is None:
        if getattr(fetch_request, "circuit_troubled", True):
            circuit.record_success(agency)
        values = {
            "agency": agency,
            "txn_id": response.txn_id,
            "fetched_at": now,
            "issued_at": response.issued_at,
            "fields": list(response.fields),
            "payload_encrypted": crypto.encrypt_text(json.dumps(response.fields, ensure_ascii=False)),
            "person_hashes": persons,
        }
        # A first fetch (the common case) inserts; a re-fetch replaces the earlier answer.
        if first_fetch:
            FetchedData.objects.create(fetch_request=fetch_request, **values)
        else:
            FetchedData.objects.update_or_create(fetch_request=fetch_request, defaults=values)
        # Under the subject (the plate, the parcel, the person) and under every person revealed.
        audit.log_personal_data_access_many(
            action="fetched",
            subject_hashes=[fetch_request.subject_hash, *persons],
            case_ref=fetch_request.case_ref,
            office=fetch_request.office,
            actor=fetch_request.requested_by,
            item_code=fetch_request.item.code,
            fields=list(response.fields),
            purpose=fetch_request.purpose_code,
            detail=_fetched_detail(fetch_request, agency, response.txn_id, persons),
            **_use_log_values(use),
        )
    elif isinstance(error, NotApplicantsRecord):
        if not first_fetch:  # an earlier answer of a re-fetch: not kept beside a "not the applicant's"
            FetchedData.objects.filter(fetch_request_id=fetch_request.pk).delete()
        if discarded:
            if getattr(fetch_request, "circuit_troubled", True):
                circuit.record_success(agency)  # it answered: the agency is healthy
            audit.log_personal_data_access_many(
                action="discarded",
                subject_hashes=[fetch_request.subject_hash, *persons],
                case_ref=fetch_request.case_ref,
                office=fetch_request.office,
                actor=fetch_request.requested_by,
                item_code=fetch_request.item.code,
                fields=list(fetch_request.fields),
                purpose=fetch_request.purpose_code,
                detail=f"{error.detail}: not the applicant's record; discarded unread, nothing stored",
                **_use_log_values(use),
            )
    else:
        logger.warning(
            "fetch %s (case %s, item %s, agency %s, attempt %s): %s",
            fetch_request.pk,
            fetch_request.case_ref,
            fetch_request.item.code,
            agency.code,
            fetch_request.attempts,
            error.code,
        )
        if isinstance(error, UseRefusedAtPortal):
            pass  # the agency was not asked: nothing to say about its health
        elif error.refusal:
            if getattr(fetch_request, "circuit_troubled", True):
                circuit.record_success(agency)  # it answered: the agency is healthy
        elif error.retryable:
            circuit.record_failure(agency)
        if error.code in AGENCY_DOWN_CODES:
            _announce_down(fetch_request)
        if fetch_request.state == State.RETRYING:
            retry_at = fetch_request.next_attempt_at or now
            _enqueue(fetch_request, countdown=(retry_at - now).total_seconds())
    attempt = (
        None
        if latency_ms is None
        else {
            "agency_code": agency.code,
            "item_code": fetch_request.item.code,
            "outcome": str(fetch_request.state),
            "error_code": fetch_request.error_code,
            "latency_ms": latency_ms,
        }
    )
    case_ref = fetch_request.case_ref if not fetch_request.is_pending else None
    if attempt or case_ref:
        transaction.on_commit(lambda: _after_attempt(attempt, case_ref))
    return str(fetch_request.state)


def _fetched_detail(fetch_request: FetchRequest, agency, txn_id: str, persons: list[str]) -> str:
    detail = f"{agency.code} txn {txn_id}"
    if fetch_request.applicant_hash and persons and fetch_request.applicant_hash not in persons:
        detail += f"; another person's record, on the basis of: {fetch_request.others_basis}"
    return detail


def _after_attempt(attempt: dict | None, settled_case_ref: str | None) -> None:
    for _receiver, result in fetch_attempted.send_robust(sender=FetchRequest, **attempt) if attempt else ():
        if isinstance(result, Exception):
            logger.error("a receiver of fetch_attempted failed: %s", type(result).__name__)
    if settled_case_ref:
        _announce_if_settled(settled_case_ref)


def _announce_if_settled(case_ref: str) -> None:
    # Checked after commit, so that two fetches finishing together both see each other; the
    # signal may then come twice, and receivers are idempotent.
    if not FetchRequest.objects.filter(case_ref=case_ref, state__in=FetchRequest.PENDING_STATES).exists():
        case_fetches_settled.send(sender=FetchRequest, case_ref=case_ref)


def personal_data_read(
    *,
    fetch_request: FetchRequest,
    actor,
    office,
    purpose: str,
    ip_address: str | None,
    reveal_fields=(),
    reason: str = "",
    masked_fields=None,
) -> dict:
    """The fetched fields of one item, in the requested order; writes one access-log entry.

    Unique identifiers (RRNs) come masked unless named in ``reveal_fields`` with a ``reason``
    (logged as "revealed"); ``masked_fields`` names the fields masked that way instead (an
    official's look-up masks every field). Only the office that fetched the data may read it.
    The entry records the affair and legal basis of the use the data was fetched under.
    """
    if office is None or fetch_request.office_id != office.pk:
        raise PermissionDenied
    if fetch_request.state != State.FETCHED:
        raise NotFetchedYet(_("This item has not been fetched yet."))
    data = FetchedData.objects.filter(fetch_request_id=fetch_request.pk).first()
    if data is None:
        raise FetchedDataDeleted(_("This information was deleted after the retention period."))
    values = json.loads(crypto.decrypt_text(data.payload_encrypted))
    unique_ids = set(
        ItemField.objects.filter(
            item_id=fetch_request.item_id, sensitivity=ItemField.Sensitivity.UNIQUE_ID
        ).values_list("key", flat=True)
    )
    masked = unique_ids if masked_fields is None else set(masked_fields)
    revealed = [key for key in reveal_fields if key in values and key in masked]
    # The data was fetched under this use: its affair and legal basis go with every read of it.
    use = use_for_fetch(fetch_request.approved_use_id) if fetch_request.approved_use_id else None
    if revealed and not (reason or "").strip():
        raise RevealReasonRequired(_("Give the reason for revealing the masked value."))
    result = {}
    for key in data.fields:
        value = values.get(key)
        if key in masked and key not in revealed:
            # Text keeps its first half (an RRN its birth date and sex digit); anything else is
            # hidden whole, a unique identifier an agency sent as a number included.
            value = crypto.mask_value(value)
        result[key] = value
    with transaction.atomic():
        # Under the subject and under every person the record is about (FetchedData.person_hashes).
        audit.log_personal_data_access_many(
            action="revealed" if revealed else "viewed",
            subject_hashes=[fetch_request.subject_hash, *(data.person_hashes or [])],
            case_ref=fetch_request.case_ref,
            office=office,
            actor=actor,
            item_code=fetch_request.item.code,
            fields=list(data.fields),
            purpose=purpose,
            ip_address=ip_address,
            detail=(f"revealed {', '.join(revealed)}: {reason.strip()}" if revealed else ""),
            **_use_log_values(use),
        )
    return result
