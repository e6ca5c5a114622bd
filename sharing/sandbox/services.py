"""Writes of the sandbox agencies: answering a share request, storing pushed approved uses, fault settings."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from . import protocol, selectors
from .keys import agency_signing_key
from .models import SandboxAgency, SeenTransaction, UseApproval
from .protocol import ProtocolError

# Transaction ids older than this can never come back (the timestamp would be stale).
REPLAY_MEMORY = timedelta(seconds=2 * protocol.MAX_CLOCK_SKEW_SECONDS + 60)


@dataclass(frozen=True)
class AgencyAnswer:
    """A granted answer: the compact JWE and the fields it holds (for the caller's bookkeeping)."""

    token: str
    field_names: tuple[str, ...]


def _remember_transaction(*, txn_id: str, agency_code: str, now: float) -> None:
    seen_at = datetime.fromtimestamp(now, tz=UTC)
    try:
        if connection.in_atomic_block:  # a savepoint, so that a refused replay leaves the caller's transaction usable
            with transaction.atomic():
                SeenTransaction.objects.create(txn_id=txn_id, agency_code=agency_code, seen_at=seen_at)
        else:  # one autocommitted INSERT: nothing to roll back when it is refused
            SeenTransaction.objects.create(txn_id=txn_id, agency_code=agency_code, seen_at=seen_at)
    except IntegrityError:
        raise ProtocolError(409, "replayed_txn", "This txn_id has been used before.") from None
    # Forget what can no longer be replayed, now and then (a few percent of the requests).
    if hashlib.sha256(txn_id.encode()).digest()[0] < 8:
        SeenTransaction.objects.filter(seen_at__lt=seen_at - REPLAY_MEMORY).delete()


def _not_approved(message: str) -> ProtocolError:
    return ProtocolError(403, "not_approved", message)


def _check_approval(agency: SandboxAgency, request: protocol.ShareRequest, *, now: float) -> None:
    """Refuses a request outside the approved use it names, as this agency holds it.

    Everything the use fixes must match the request: the using agency, the item, the purpose, the
    affair and its legal basis; the use must be approved (not suspended or revoked) and in its
    period on the agency's day; the fields asked must be among the approved ones.
    """
    approval = selectors.approval_get(agency=agency, use_id=request.use_id)
    if approval is None:
        raise _not_approved(f"The agency {agency.code!r} holds no approved use {request.use_id}.")
    use = f"The approved use {request.use_id} ({approval.affair_code})"
    if approval.status != UseApproval.Status.APPROVED:
        raise _not_approved(f"{use} is {approval.status}: {approval.reason or 'no reason given'}.")
    day = timezone.localtime(datetime.fromtimestamp(now, tz=UTC)).date()
    if day < approval.valid_from:
        raise _not_approved(f"{use} is in force only from {approval.valid_from.isoformat()}.")
    if day > approval.valid_until:
        raise _not_approved(f"{use} expired on {approval.valid_until.isoformat()}.")
    if request.using_agency != approval.using_agency:
        raise _not_approved(f"{use} is not approved to the using agency {request.using_agency!r}.")
    if request.item != approval.item_code:
        raise _not_approved(f"{use} does not cover the item {request.item!r}.")
    if request.purpose != approval.purpose:
        raise _not_approved(f"{use} is not approved for the purpose {request.purpose!r}.")
    if request.affair_code != approval.affair_code:
        raise _not_approved(f"{use} is approved for the affair {approval.affair_code!r}, not {request.affair_code!r}.")
    if request.legal_basis != approval.legal_basis:
        raise _not_approved(f"{use} is approved under another legal basis ({approval.legal_basis}).")
    refused = [name for name in request.fields if name not in approval.fields]
    if refused:
        raise _not_approved(f"The fields {', '.join(refused)} are not approved under {use[4:]}.")


@dataclass(frozen=True)
class ApprovalReceipt:
    """What the agency answers a push: the version it now holds, and whether this push changed it."""

    use_id: str
    version: int
    stored: bool


def approval_receive(*, agency: SandboxAgency, body: bytes, now: float) -> ApprovalReceipt:
    """Stores a decision on an approved use the portal pushed; raises ProtocolError to refuse.

    Idempotent by (use_id, version): the same push again, or an older version arriving after a
    newer one (a retry overtaken by the next decision), changes nothing and is answered with the
    version held.
    """
    push = protocol.read_approval(body, now=now)
    if selectors.item_for_agency(agency.code, push.item) is None:
        raise ProtocolError(404, "unknown_item", f"The agency {agency.code!r} does not own an item {push.item!r}.")
    item = selectors.ITEMS[push.item]
    unknown = [name for name in push.fields if name not in {spec["key"] for spec in item["fields"]}]
    if unknown:
        raise protocol.malformed(f"The item {push.item!r} has no fields {', '.join(unknown)}.")
    values = {
        "agency": agency,
        "version": push.version,
        "status": push.status,
        "using_agency": push.using_agency,
        "item_code": push.item,
        "affair_code": push.affair_code,
        "affair_name": push.affair_name,
        "purpose": push.purpose,
        "legal_basis": push.legal_basis,
        "consent_required": push.consent_required,
        "fields": list(push.fields),
        "valid_from": date.fromisoformat(push.valid_from),
        "valid_until": date.fromisoformat(push.valid_until),
        "reason": push.reason,
    }
    with transaction.atomic():
        held = UseApproval.objects.select_for_update().filter(use_id=push.use_id).first()
        if held is None:
            try:
                with transaction.atomic():
                    UseApproval.objects.create(use_id=push.use_id, **values)
            except IntegrityError:  # a concurrent first push of the same use: it won; compare with it
                held = UseApproval.objects.select_for_update().get(use_id=push.use_id)
            else:
                return ApprovalReceipt(use_id=push.use_id, version=push.version, stored=True)
        if held.agency_id != agency.pk:
            raise ProtocolError(409, "use_conflict", f"The use {push.use_id} is held by another agency.")
        if push.version <= held.version:
            return ApprovalReceipt(use_id=push.use_id, version=held.version, stored=False)
        for name, value in values.items():
            setattr(held, name, value)
        held.save()
    return ApprovalReceipt(use_id=push.use_id, version=push.version, stored=True)


def share_request_answer(
    *,
    agency: SandboxAgency,
    item_code: str,
    body: bytes,
    now: float,
    tamper_signature: bool = False,
    malformed_payload: bool = False,
) -> AgencyAnswer:
    """Checks a request of the standard connection and answers it; raises ProtocolError to refuse.

    Order of the checks: the item is this agency's (404), the JWS and its signature (400/401),
    the payload and its timestamp (400/401), the transaction id is new (409), the approved use (403),
    the subject exists (404).
    """
    item = selectors.item_for_agency(agency.code, item_code)
    if item is None:
        raise ProtocolError(404, "unknown_item", f"The agency {agency.code!r} does not own an item {item_code!r}.")
    request = protocol.read_request(body, now=now)
    if request.item != item_code:
        raise protocol.malformed("The payload's item is not the item of the URL.")
    if request.subject_kind != item["subject_kind"]:
        raise protocol.malformed(
            f"The item {item_code!r} is about a {item['subject_kind']}, not a {request.subject_kind}."
        )
    _remember_transaction(txn_id=request.txn_id, agency_code=agency.code, now=now)
    _check_approval(agency, request, now=now)
    record, persons = selectors.item_answer(item_code, request.subject_id, fields=request.fields)
    if record is None:
        raise ProtocolError(404, "subject_not_found", f"The register of {item_code!r} holds no such subject.")
    fields = {name: record.get(name) for name in request.fields}
    token = protocol.build_response(
        request=request,
        agency_code=agency.code,
        signing_key=agency_signing_key(agency.code),
        fields=fields,
        now=now,
        persons=persons,
        tamper_signature=tamper_signature,
        malformed_payload=malformed_payload,
    )
    return AgencyAnswer(token=token, field_names=tuple(fields))


@transaction.atomic
def agency_faults_update(*, agency: SandboxAgency, **faults) -> SandboxAgency:
    """Changes some fault settings of an agency (validated like the admin form)."""
    unknown = set(faults) - set(SandboxAgency.FAULT_FIELDS)
    if unknown:
        raise ValueError(f"Unknown fault settings: {', '.join(sorted(unknown))}.")
    agency = SandboxAgency.objects.select_for_update().get(pk=agency.pk)
    for name, value in faults.items():
        setattr(agency, name, value)
    agency.full_clean()
    agency.save()
    return agency


@transaction.atomic
def agency_faults_reset(*, agency: SandboxAgency) -> SandboxAgency:
    """Back to a healthy agency: no added latency, no errors, no tampering."""
    defaults = {}
    for name in SandboxAgency.FAULT_FIELDS:
        field = SandboxAgency._meta.get_field(name)
        assert isinstance(field, models.Field)  # noqa: S101 (a fault setting is a column)
        defaults[name] = field.get_default()
    return agency_faults_update(agency=agency, **defaults)
