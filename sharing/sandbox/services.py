"""Writes of the sandbox agencies: answering a share request, fault settings."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, connection, models, transaction

from . import protocol, selectors
from .keys import agency_signing_key
from .models import SandboxAgency, SeenTransaction
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


def _check_grant(request: protocol.ShareRequest, item: dict) -> None:
    grant = selectors.grant_get(office_code=request.office, item_code=request.item)
    if grant is None:
        raise ProtocolError(
            403, "not_granted", f"The office {request.office!r} holds no grant for the item {request.item!r}."
        )
    if request.purpose not in grant.purposes:
        raise ProtocolError(
            403,
            "not_granted",
            f"The purpose {request.purpose!r} is not granted to the office {request.office!r} "
            f"for the item {request.item!r}.",
        )
    refused = [name for name in request.fields if name not in grant.fields]
    if refused:
        raise ProtocolError(
            403,
            "not_granted",
            f"The fields {', '.join(refused)} of the item {request.item!r} are not granted to the office "
            f"{request.office!r}.",
        )


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
    the payload and its timestamp (400/401), the transaction id is new (409), the grant (403),
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
    _check_grant(request, item)
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
