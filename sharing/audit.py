"""The access log: one append-only, hash-chained entry per access to personal data.

Every entry carries the hash of the previous one, so an edited, removed or inserted entry
breaks the chain at that point (``manage.py verify_access_log``). Appends are serialised
(a PostgreSQL advisory lock held to the end of the transaction) so the chain stays linear
however many workers write at once; the unique ``sequence`` backs that up on any database.
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
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def entry_hash(entry: AccessLogEntry) -> str:
    return hashlib.sha256(entry.previous_hash.encode("ascii") + b"|" + _canonical(entry)).hexdigest()


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK_KEY])


def _chain_end() -> tuple[int, str] | None:
    return AccessLogEntry.objects.order_by("-sequence").values_list("sequence", "entry_hash").first()


def _actor_label(actor, office) -> str:
    if actor is None:
        return f"system on behalf of {office.code}" if office is not None else "system"
    staff = getattr(actor, "staff_number", "") or ""
    name = getattr(actor, "display_name", "") or actor.get_username()
    return f"{name} ({staff})" if staff else name


def log_personal_data_access(
    *, action, subject_hash, case_ref, office, actor, item_code, fields, purpose, ip_address=None, detail=""
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
    )[0]


def log_personal_data_access_many(
    *, action, subject_hashes, case_ref, office, actor, item_code, fields, purpose, ip_address=None, detail=""
) -> list[AccessLogEntry]:
    """Appends one entry per person an access reveals (``subject_hashes``, in order, each once), so
    that every one of them finds it in their own log; one lock and one read of the chain's end."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown access-log action {action!r}; one of {sorted(ACTIONS)}.")
    hashes = list(dict.fromkeys(subject_hashes))
    if not hashes:
        raise ValueError("An access-log entry is about someone: give at least one subject hash.")
    ip_address = AccessLogEntry._meta.get_field("ip_address").get_prep_value(ip_address or None)
    # PostgreSQL serialises appends with the advisory lock: no savepoint needed. Elsewhere a
    # collision on ``sequence`` is retried from a savepoint.
    serialised = connection.vendor == "postgresql"
    for attempt in range(5):
        try:
            with transaction.atomic(savepoint=not serialised):
                _lock_chain()
                last = _chain_end()
                sequence, previous = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
                now = timezone.now()
                entries = []
                for subject_hash in hashes:
                    entry = AccessLogEntry(
                        sequence=sequence,
                        created_at=now,
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
                        previous_hash=previous,
                    )
                    entry.entry_hash = entry_hash(entry)
                    entry.save(force_insert=True)
                    entries.append(entry)
                    sequence, previous = sequence + 1, entry.entry_hash
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
