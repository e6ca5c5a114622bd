"""The access log: one append-only, hash-chained entry per access to personal data.

Every entry carries the hash of the previous one, so an edited, removed or inserted entry
breaks the chain at that point (``manage.py verify_access_log``). Appends are serialised
(a PostgreSQL advisory lock held to the end of the transaction) so the chain stays linear
however many workers write at once; the unique ``sequence`` backs that up on any database.

The lock is held from the read of the chain's end to the commit, so the commit is part of
every append's critical section. Waiting there for the disk (the WAL flush, 3.4 ms of the 3.8 ms
the lock was held, measured by tests/bench/test_audit_append_bench.py) capped the whole portal
at ~270 appends/s, one flush at a time, however many workers. So on PostgreSQL the
transaction that appends commits without waiting for the flush (``synchronous_commit`` off,
for that transaction only), and the writer then waits for the flush after the lock is gone
(``_wait_until_durable``), where the waits of all writers share the flushes (PostgreSQL's group
commit). Nothing is returned to the caller (the fetch's task, the page showing the data)
before its entry is on disk, as before; what changes is that others may see an entry a few
milliseconds before it is durable. The chain cannot get a gap from it: the WAL is written in
order, so a crash loses only a tail of it, and an entry is always after the one it links to.
The entry stays in the transaction of the access it records: both are kept, or neither.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from .models import AccessLogEntry

logger = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
# An arbitrary constant naming the advisory lock of the access log.
_ADVISORY_LOCK_KEY = 0x5348415245  # "SHARE"
# The prefix of the WAL message that makes an append durable (``_wait_until_durable``).
_DURABILITY_PREFIX = "sharing.audit.durable"
ACTIONS = {choice.value for choice in AccessLogEntry.Action}


def _canonical(entry: AccessLogEntry) -> bytes:
    content = {
        "sequence": entry.sequence,
        "created_at": entry.created_at.isoformat(),
        "action": entry.action,
        "actor": entry.actor_id,
        "actor_label": entry.actor_label,
        "office": entry.office_id,
        "subject_hash": entry.subject_hash,
        "case_ref": entry.case_ref,
        "item_code": entry.item_code,
        "fields": list(entry.fields or []),
        "purpose": entry.purpose,
        "ip_address": entry.ip_address,
        "detail": entry.detail,
    }
    # Written since approved uses exist; left out when blank so that the hashes of the entries
    # written before stay as they were. Any change of either value still changes the content.
    if entry.affair_code or entry.legal_basis:
        content["affair_code"] = entry.affair_code
        content["legal_basis"] = entry.legal_basis
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def canonical_content(entry: AccessLogEntry) -> bytes:
    """The bytes an entry's hash covers after the previous hash (inclusion proofs carry them)."""
    return _canonical(entry)


def entry_hash(entry: AccessLogEntry) -> str:
    return hashlib.sha256(entry.previous_hash.encode("ascii") + b"|" + _canonical(entry)).hexdigest()


def _lock_chain() -> None:
    """PostgreSQL: takes the chain's lock, held to the end of the transaction, and lets that
    transaction commit without waiting for the disk (``set_config(..., true)`` is ``SET LOCAL``:
    this transaction only), so the lock goes as soon as the commit is done; the append then waits
    for the disk after the commit (``_wait_until_durable``). One statement: one round trip."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('synchronous_commit', 'off', true), pg_advisory_xact_lock(%s)",
                [_ADVISORY_LOCK_KEY],
            )


def _wait_until_durable() -> None:
    """Returns once the appending transaction is on disk. A statement that writes to the WAL and
    commits on its own (autocommit; ``synchronous_commit`` back to the server's setting) waits
    for the WAL to be flushed up to its commit record, which is after the append's. Taking a
    transaction id is not enough (a transaction that wrote no WAL commits without waiting:
    0.04 ms here, against 4 ms for a flush); a transactional logical-decoding message is the
    smallest WAL write there is, needs no table and no privilege, and decoders ignore its prefix.
    Concurrent writers' waits are served by the same flushes (group commit)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_logical_emit_message(true, %s, '')", [_DURABILITY_PREFIX])


def _chain_end() -> tuple[int, str] | None:
    return AccessLogEntry.objects.order_by("-sequence").values_list("sequence", "entry_hash").first()


def _actor_label(actor, office) -> str:
    if actor is None:
        return f"system on behalf of {office.code}" if office is not None else "system"
    staff = getattr(actor, "staff_number", "") or ""
    name = getattr(actor, "display_name", "") or actor.get_username()
    return f"{name} ({staff})" if staff else name


def log_personal_data_access(
    *,
    action,
    subject_hash,
    case_ref,
    office,
    actor,
    item_code,
    fields,
    purpose,
    ip_address=None,
    detail="",
    affair_code="",
    legal_basis="",
) -> AccessLogEntry:
    """Appends one entry. ``actor`` None means the system on behalf of ``office``."""
    return log_personal_data_access_many(
        action=action,
        subject_hashes=[subject_hash],
        case_ref=case_ref,
        office=office,
        actor=actor,
        item_code=item_code,
        fields=fields,
        purpose=purpose,
        ip_address=ip_address,
        detail=detail,
        affair_code=affair_code,
        legal_basis=legal_basis,
    )[0]


def log_personal_data_access_many(
    *,
    action,
    subject_hashes,
    case_ref,
    office,
    actor,
    item_code,
    fields,
    purpose,
    ip_address=None,
    detail="",
    affair_code="",
    legal_basis="",
) -> list[AccessLogEntry]:
    """Appends one entry per person an access reveals (``subject_hashes``, in order, each once), so
    that every one of them finds it in their own log; one lock and one read of the chain's end."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown access-log action {action!r}; one of {sorted(ACTIONS)}.")
    hashes = list(dict.fromkeys(subject_hashes))
    if not hashes:
        raise ValueError("An access-log entry is about someone: give at least one subject hash.")
    ip_address = AccessLogEntry._meta.get_field("ip_address").get_prep_value(ip_address or None)
    # Everything that does not depend on the chain's end is made before the lock is taken.
    entries = [
        AccessLogEntry(
            action=action,
            actor=actor,
            actor_label=_actor_label(actor, office)[:200],
            office=office,
            subject_hash=subject_hash,
            case_ref=case_ref or "",
            item_code=item_code or "",
            fields=list(fields or []),
            purpose=str(purpose or "")[:200],
            ip_address=ip_address,
            detail=str(detail or "")[:500],
            affair_code=str(affair_code or "")[:40],
            legal_basis=str(legal_basis or "")[:300],
        )
        for subject_hash in hashes
    ]
    # PostgreSQL serialises appends with the advisory lock: no savepoint needed. Elsewhere a
    # collision on ``sequence`` is retried from a savepoint.
    serialised = connection.vendor == "postgresql"
    for attempt in range(5):
        try:
            with transaction.atomic(savepoint=not serialised):
                # The critical section: from here to the commit (the end of the caller's
                # transaction: append last, commit right after).
                _lock_chain()
                last = _chain_end()
                sequence, previous = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
                now = timezone.now()  # in the lock: times follow the chain's order
                for entry in entries:
                    entry.created_at = now
                    entry.sequence = sequence
                    entry.previous_hash = previous
                    entry.entry_hash = entry_hash(entry)
                    entry.save(force_insert=True)
                    sequence, previous = sequence + 1, entry.entry_hash
                if serialised:
                    transaction.on_commit(_wait_until_durable)
                return entries
        except IntegrityError:
            # Another writer took this sequence number (a database without advisory locks):
            # read the new end of the chain and try again.
            if attempt == 4:
                raise
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class ChainVerification:
    checked: int
    first_broken_sequence: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.first_broken_sequence is None


def verify_chain(*, chunk_size: int = 2000) -> ChainVerification:
    """Walks the whole log in order; reports the first entry whose link does not hold."""
    previous_hash = GENESIS_HASH
    expected_sequence = 1
    checked = 0
    for entry in AccessLogEntry.objects.order_by("sequence").iterator(chunk_size=chunk_size):
        if entry.sequence != expected_sequence:
            return ChainVerification(
                checked, entry.sequence, f"entries {expected_sequence}..{entry.sequence - 1} are missing"
            )
        if entry.previous_hash != previous_hash:
            return ChainVerification(checked, entry.sequence, "its link to the previous entry does not match")
        if entry_hash(entry) != entry.entry_hash:
            return ChainVerification(checked, entry.sequence, "its content was changed after it was written")
        previous_hash = entry.entry_hash
        expected_sequence += 1
        checked += 1
    return ChainVerification(checked)
