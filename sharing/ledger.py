"""Checkpoints of the access log: the portal's signed, time-stamped commitments to it.

The hash chain of ``sharing.audit`` shows an edit to someone who trusts the last hash, but the
database's owner can recompute every hash after an edit, delete the tail or restore an older
copy. So, every minute with new entries (Celery beat) and on demand
(``manage.py access_log_checkpoint``), the portal commits to the log's state:

- the number of entries (``tree_size``: entries 1..n) and the Merkle root over their
  ``entry_hash`` (RFC 9162, ``sharing.merkle``), so that one entry's inclusion can be proven
  without the rest;
- signed with the portal's signing key (compact JWS, ES256: ``sharing.keys``), linked to the
  checkpoint before it by the digest of its signed statement;
- time-stamped by an RFC 3161 authority (``sharing.timestamping``) over the signed statement;
- exported write-once (``ACCESS_LOG_CHECKPOINT_DIR``, and ``ACCESS_LOG_CHECKPOINT_STORAGE`` when
  set) and published at ``/access-log/checkpoints/``, where the database's owner cannot take it
  back.

Checkpointing never holds the chain's lock: entries are only ever appended, and an append
commits under the lock (``sharing.audit``), so what is visible is always a gap-free prefix. A
checkpoint reads only the entries after the previous one (in chunks, without a transaction) and
extends the previous tree's right edge (``Frontier``). It refuses to commit to entries whose
chain does not verify.

``ledger_verify`` checks the entries against every checkpoint it knows, from the database and
from the exports (the database's copies can be forged too), and names the checkpoint each
contradiction is with. Access-log entries are never deleted (the database refuses it,
``sharing/migrations/0002_access_log_guard.py``); the retention job's deletions of other data are
entries of the log (``deleted``), so no lawful purge ever contradicts a checkpoint.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.db import IntegrityError, transaction
from django.utils import timezone
from joserfc import jws
from joserfc.errors import JoseError

from . import keys, timestamping
from .audit import GENESIS_HASH, canonical_content, entry_hash
from .merkle import Frontier, inclusion_path, root_from_inclusion_path
from .models import AccessLogCheckpoint, AccessLogEntry
from .proof_verifier import CHECKPOINT_TYP, PROOF_TYPE

logger = logging.getLogger(__name__)

CHUNK_SIZE = 5000
STATEMENT_TYPE = "access-log-checkpoint"
_REGISTRY = jws.JWSRegistry(algorithms=[keys.SIGNING_ALG])


class LedgerError(Exception):
    """The log cannot be committed to or proven (its chain is broken)."""


class ExportConflictError(LedgerError):
    """An exported checkpoint exists with other content: it is never overwritten."""


# --- Reading the log in chunks --------------------------------------------------------------


def _entries(after: int, upto: int, *, chunk_size: int = CHUNK_SIZE) -> Iterator[AccessLogEntry]:
    """Entries with ``after < sequence <= upto`` in order, one short query per chunk."""
    start = after
    while start < upto:
        end = min(start + chunk_size, upto)
        yield from AccessLogEntry.objects.filter(sequence__gt=start, sequence__lte=end).order_by("sequence")
        start = end


def _leaf_hashes(size: int) -> Iterator[bytes]:
    """The entry hashes of the first ``size`` entries, in order: one query, read as a stream."""
    for value in (
        AccessLogEntry.objects.filter(sequence__lte=size)
        .order_by("sequence")
        .values_list("entry_hash", flat=True)
        .iterator(chunk_size=CHUNK_SIZE)
    ):
        yield bytes.fromhex(value)


# --- Signing --------------------------------------------------------------------------------


def _statement(
    *, tree_size: int, root_hash: str, last_entry_hash: str, previous: AccessLogCheckpoint | None, at: datetime
) -> dict:
    return {
        "type": STATEMENT_TYPE,
        "log": settings.SITE_URL,
        "tree_size": tree_size,
        "root_hash": root_hash,
        "last_entry_hash": last_entry_hash,
        "previous": {"tree_size": previous.tree_size, "digest": previous.digest} if previous else None,
        "created_at": at.isoformat(),
    }


def _sign(statement: dict) -> tuple[str, str]:
    key = keys.signing_key()
    payload = json.dumps(statement, sort_keys=True, separators=(",", ":")).encode("utf-8")
    header = {"alg": keys.SIGNING_ALG, "kid": key.kid, "typ": CHECKPOINT_TYP}
    return jws.serialize_compact(header, payload, key, registry=_REGISTRY), str(key.kid)


def signed_digest(signed: str) -> str:
    return hashlib.sha256(signed.encode("ascii")).hexdigest()


def public_signing_jwks() -> dict:
    """The portal's public signing keys (every one still published: rotation keeps old ones)."""
    return {"keys": [key for key in keys.public_jwks()["keys"] if key.get("use") == "sig"]}


def statement_verify(signed: str) -> dict:
    """The statement of a checkpoint signed by one of the portal's keys; LedgerError otherwise."""
    try:
        result = jws.deserialize_compact(signed, keys.public_keyset(public_signing_jwks()), registry=_REGISTRY)
        statement = json.loads(result.payload)
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise LedgerError("its signature is not the portal's") from exc
    if result.protected.get("typ") != CHECKPOINT_TYP or statement.get("type") != STATEMENT_TYPE:
        raise LedgerError("it is not an access-log checkpoint")
    return statement


# --- Time stamps ----------------------------------------------------------------------------


def timestamp_verify(token: bytes, signed: str) -> datetime:
    """The time the TSA certifies for the signed checkpoint; ``TimestampInvalid`` otherwise."""
    return timestamping.verify_timestamp(bytes(token), signed.encode("ascii"))


def checkpoints_timestamp_pending(*, limit: int = 20) -> int:
    """Asks the TSA for the time stamps checkpoints still lack (it was unreachable); returns how
    many were stamped. A TSA that fails leaves them pending for the next run."""
    stamped = 0
    for checkpoint in AccessLogCheckpoint.objects.filter(timestamp_token__isnull=True).order_by("tree_size")[:limit]:
        try:
            token = timestamping.timestamp(checkpoint.signed.encode("ascii"))
            at = timestamp_verify(token, checkpoint.signed)
        except timestamping.TimestampError as exc:
            logger.warning(
                "access-log checkpoint %s: time stamp not obtained, will retry: %s", checkpoint.tree_size, exc
            )
            return stamped
        AccessLogCheckpoint.objects.filter(pk=checkpoint.pk, timestamp_token__isnull=True).update(
            timestamp_token=token, timestamped_at=at
        )
        stamped += 1
    return stamped


# --- Committing -----------------------------------------------------------------------------


def checkpoint_commit(*, chunk_size: int = CHUNK_SIZE) -> AccessLogCheckpoint | None:
    """Commits to the entries appended since the last checkpoint; None when there were none (or
    another process committed the same moment). Raises LedgerError when the new entries' chain
    does not verify: the portal never signs a broken log."""
    last = AccessLogCheckpoint.objects.order_by("-tree_size").first()
    if last is not None:
        frontier = Frontier.from_json(last.tree_size, last.frontier)
        previous_hash = last.last_entry_hash
    else:
        frontier, previous_hash = Frontier(), GENESIS_HASH
    # A snapshot of the end: a busy log does not keep the checkpoint chasing it.
    end = AccessLogEntry.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0
    if end <= frontier.size:
        return None
    expected = frontier.size + 1
    for entry in _entries(frontier.size, end, chunk_size=chunk_size):
        if entry.sequence != expected:
            raise LedgerError(f"entries {expected}..{entry.sequence - 1} are missing")
        if entry.previous_hash != previous_hash or entry_hash(entry) != entry.entry_hash:
            raise LedgerError(f"entry {entry.sequence} does not verify")
        frontier.append(bytes.fromhex(entry.entry_hash))
        previous_hash = entry.entry_hash
        expected += 1
    if frontier.size != end:
        raise LedgerError(f"entries {frontier.size + 1}..{end} are missing")
    now = timezone.now()
    root_hash = frontier.root().hex()
    statement = _statement(tree_size=end, root_hash=root_hash, last_entry_hash=previous_hash, previous=last, at=now)
    signed, kid = _sign(statement)
    try:
        with transaction.atomic():
            checkpoint = AccessLogCheckpoint.objects.create(
                tree_size=end,
                root_hash=root_hash,
                last_entry_hash=previous_hash,
                previous=last,
                previous_tree_size=last.tree_size if last else 0,
                created_at=now,
                signed=signed,
                digest=signed_digest(signed),
                key_id=kid,
                frontier=frontier.to_json(),
            )
    except IntegrityError:
        return None  # another process committed from the same checkpoint
    return checkpoint


# --- Exports: write-once --------------------------------------------------------------------


def export_names(tree_size: int) -> tuple[str, str]:
    """The exported files of a checkpoint: the signed statement and its time stamp."""
    stem = f"checkpoint-{tree_size:015d}"
    return f"{stem}.jws", f"{stem}.tsr"


def _write_once_file(directory: Path, name: str, content: bytes) -> None:
    """Writes ``name`` unless it exists (then it must hold ``content``). The file appears whole or
    not at all: written under a temporary name, synced, made read-only, then linked to its name
    (``link`` fails when the name exists, so a file is never replaced)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    temporary = directory / f".{name}.{os.getpid()}.{uuid.uuid4().hex}.tmp"
    try:
        with open(temporary, "xb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.chmod(0o444)
        try:
            os.link(temporary, path)
        except FileExistsError:
            if path.read_bytes() != content:
                raise ExportConflictError(f"{path} exists with other content; it is never overwritten") from None
    finally:
        temporary.unlink(missing_ok=True)


def _write_once_storage(storage: Storage, name: str, content: bytes) -> None:
    if storage.exists(name):
        with storage.open(name, "rb") as handle:
            if handle.read() != content:
                raise ExportConflictError(f"{name} exists in the export storage with other content")
        return
    saved = storage.save(name, ContentFile(content))
    if saved != name:
        raise ExportConflictError(f"{name} was written at the same time by another process (kept as {saved})")


def _export_storage() -> Storage | None:
    alias = settings.ACCESS_LOG_CHECKPOINT_STORAGE
    return storages[alias] if alias else None


def _exported_content(directory: Path, storage: Storage | None, name: str) -> list[bytes]:
    contents = []
    if (directory / name).exists():
        contents.append((directory / name).read_bytes())
    if storage is not None and storage.exists(name):
        with storage.open(name, "rb") as handle:
            contents.append(handle.read())
    return contents


def checkpoint_export(checkpoint: AccessLogCheckpoint) -> None:
    """Writes the checkpoint (and its time stamp, once it has one) to every export; raises
    ExportConflictError, writing nothing, when an export holds another checkpoint of that size."""
    jws_name, tsr_name = export_names(checkpoint.tree_size)
    files = [(jws_name, checkpoint.signed.encode("ascii"))]
    if checkpoint.timestamp_token is not None:
        files.append((tsr_name, bytes(checkpoint.timestamp_token)))
    directory, storage = Path(settings.ACCESS_LOG_CHECKPOINT_DIR), _export_storage()
    for name, content in files:
        if any(existing != content for existing in _exported_content(directory, storage, name)):
            raise ExportConflictError(f"{name} exists with other content; it is never overwritten")
    for name, content in files:
        _write_once_file(directory, name, content)
        if storage is not None:
            _write_once_storage(storage, name, content)


def checkpoints_export_pending(*, limit: int = 100) -> int:
    """Exports the checkpoints not yet exported with their time stamp; returns how many are done."""
    done = 0
    for checkpoint in AccessLogCheckpoint.objects.filter(exported_at__isnull=True).order_by("tree_size")[:limit]:
        checkpoint_export(checkpoint)
        if checkpoint.timestamp_token is not None:
            AccessLogCheckpoint.objects.filter(pk=checkpoint.pk).update(exported_at=timezone.now())
            done += 1
    return done


def checkpoint_run() -> AccessLogCheckpoint | None:
    """What beat runs every minute: commit, time-stamp, export."""
    checkpoint = checkpoint_commit()
    checkpoints_timestamp_pending()
    checkpoints_export_pending()
    if checkpoint is not None:
        checkpoint.refresh_from_db()
    return checkpoint


# --- Verifying the log against its checkpoints ----------------------------------------------


@dataclass(frozen=True)
class KnownCheckpoint:
    source: str  # "database" or where the exported copy is
    signed: str
    statement: dict
    timestamp_token: bytes | None

    @property
    def tree_size(self) -> int:
        return int(self.statement["tree_size"])

    @property
    def label(self) -> str:
        return f"checkpoint of {self.tree_size} entries committed at {self.statement.get('created_at')} ({self.source})"


@dataclass
class LedgerVerification:
    entries: int = 0
    checkpoints: int = 0
    chain_broken_at: int | None = None
    chain_reason: str = ""
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.chain_broken_at is None and not self.problems


def _exported(directory: Path, storage: Storage | None) -> Iterator[tuple[str, str, bytes | None]]:
    """(source, signed statement, time stamp) of every exported checkpoint."""
    if directory.is_dir():
        for path in sorted(directory.glob("checkpoint-*.jws")):
            token_path = path.with_suffix(".tsr")
            yield (
                str(path),
                path.read_text("ascii").strip(),
                token_path.read_bytes() if token_path.exists() else None,
            )
    if storage is not None:
        try:
            names = sorted(name for name in storage.listdir("")[1] if name.endswith(".jws"))
        except (OSError, NotImplementedError):
            names = []
        for name in names:
            token_name = name[: -len(".jws")] + ".tsr"
            with storage.open(name, "rb") as handle:
                signed = handle.read().decode("ascii").strip()
            token = None
            if storage.exists(token_name):
                with storage.open(token_name, "rb") as handle:
                    token = handle.read()
            yield f"storage:{name}", signed, token


def _known_checkpoints(result: LedgerVerification) -> list[KnownCheckpoint]:
    known: list[KnownCheckpoint] = []
    database_digests: set[str] = set()
    for checkpoint in AccessLogCheckpoint.objects.order_by("tree_size").iterator(chunk_size=500):
        source = "database"
        try:
            statement = statement_verify(checkpoint.signed)
        except LedgerError as exc:
            result.problems.append(f"The database's checkpoint of {checkpoint.tree_size} entries is forged: {exc}.")
            continue
        if (
            statement["tree_size"] != checkpoint.tree_size
            or statement["root_hash"] != checkpoint.root_hash
            or signed_digest(checkpoint.signed) != checkpoint.digest
        ):
            result.problems.append(
                f"The database's checkpoint of {checkpoint.tree_size} entries was changed after it was signed."
            )
        database_digests.add(signed_digest(checkpoint.signed))
        token = bytes(checkpoint.timestamp_token) if checkpoint.timestamp_token is not None else None
        known.append(KnownCheckpoint(source, checkpoint.signed, statement, token))
    for source, signed, token in _exported(Path(settings.ACCESS_LOG_CHECKPOINT_DIR), _export_storage()):
        try:
            statement = statement_verify(signed)
        except LedgerError as exc:
            result.problems.append(f"The exported checkpoint {source} is not valid: {exc}.")
            continue
        if signed_digest(signed) not in database_digests:
            result.problems.append(
                f"The exported checkpoint of {statement['tree_size']} entries ({source}, committed at "
                f"{statement.get('created_at')}) is not in the database: the database lost it, was rolled "
                "back to an older copy or was replaced."
            )
        known.append(KnownCheckpoint(source, signed, statement, token))
    return known


def _check_checkpoints(known: list[KnownCheckpoint], result: LedgerVerification) -> dict[int, list[KnownCheckpoint]]:
    by_size: dict[int, list[KnownCheckpoint]] = {}
    for checkpoint in known:
        by_size.setdefault(checkpoint.tree_size, []).append(checkpoint)
    digests = {signed_digest(c.signed): c for c in known}
    for size, group in sorted(by_size.items()):
        if len({c.signed for c in group}) > 1:
            sources = ", ".join(c.source for c in group)
            result.problems.append(
                f"Two different signed checkpoints of {size} entries exist ({sources}): the log was rolled back "
                "or replaced and committed to again."
            )
        checkpoint = group[0]
        previous = checkpoint.statement.get("previous")
        if previous is not None:
            before = digests.get(previous.get("digest", ""))
            if before is None or before.tree_size != previous.get("tree_size"):
                result.warnings.append(
                    f"The {checkpoint.label} follows a checkpoint of {previous.get('tree_size')} entries that "
                    "neither the database nor the exports hold."
                )
    stamped: dict[str, list[KnownCheckpoint]] = {}
    for checkpoint in known:
        stamped.setdefault(checkpoint.signed, []).append(checkpoint)
    for copies in stamped.values():
        with_token = {bytes(c.timestamp_token): c for c in copies if c.timestamp_token is not None}
        if not with_token:
            result.warnings.append(f"The {copies[0].label} is not time-stamped yet.")
        for token, checkpoint in with_token.items():
            try:
                timestamp_verify(token, checkpoint.signed)
            except timestamping.TimestampError as exc:
                result.problems.append(f"The time stamp of the {checkpoint.label} does not verify: {exc}")
    return by_size


def ledger_verify(*, chunk_size: int = CHUNK_SIZE) -> LedgerVerification:
    """Walks the whole log once: its chain, and its Merkle root at every known checkpoint."""
    result = LedgerVerification()
    known = _known_checkpoints(result)
    by_size = _check_checkpoints(known, result)
    result.checkpoints = len({c.signed for c in known})
    sizes = sorted(by_size)
    frontier = Frontier()
    previous_hash = GENESIS_HASH
    end = AccessLogEntry.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0
    next_size = 0

    def compare(size: int, last_hash: str) -> None:
        root = frontier.root().hex()
        for checkpoint in by_size[size]:
            if checkpoint.statement["root_hash"] != root or checkpoint.statement["last_entry_hash"] != last_hash:
                result.problems.append(
                    f"Entries 1..{size} contradict the {checkpoint.label}: entries were changed, removed or "
                    "replaced since it was signed."
                )

    for entry in _entries(0, end, chunk_size=chunk_size):
        if result.chain_broken_at is None:
            if entry.sequence != frontier.size + 1:
                result.chain_broken_at = entry.sequence
                result.chain_reason = f"entries {frontier.size + 1}..{entry.sequence - 1} are missing"
            elif entry.previous_hash != previous_hash:
                result.chain_broken_at = entry.sequence
                result.chain_reason = "its link to the previous entry does not match"
            elif entry_hash(entry) != entry.entry_hash:
                result.chain_broken_at = entry.sequence
                result.chain_reason = "its content was changed after it was written"
        frontier.append(bytes.fromhex(entry.entry_hash))
        previous_hash = entry.entry_hash
        while next_size < len(sizes) and sizes[next_size] == frontier.size:
            compare(sizes[next_size], previous_hash)
            next_size += 1
        while next_size < len(sizes) and sizes[next_size] < frontier.size:
            next_size += 1  # already passed: an earlier gap (reported by the chain) moved the count
    result.entries = frontier.size
    for size in sizes[next_size:]:
        if size > frontier.size:
            for checkpoint in by_size[size]:
                result.problems.append(
                    f"The log has {frontier.size} entries but the {checkpoint.label} committed to {size}: "
                    "entries were deleted or the database was rolled back to an older copy."
                )
    if frontier.size and not known:
        result.warnings.append("No checkpoint commits to the log yet.")
    return result


# --- Inclusion proofs -----------------------------------------------------------------------


def covering_checkpoint(sequence: int) -> AccessLogCheckpoint | None:
    """The first time-stamped checkpoint that commits to the entry (a stable proof, stamped soon
    after the entry); while none is stamped yet (the TSA did not answer), the first at all."""
    covering = AccessLogCheckpoint.objects.filter(tree_size__gte=sequence).order_by("tree_size")
    return covering.filter(timestamp_token__isnull=False).first() or covering.first()


def inclusion_proof(*, entry: AccessLogEntry, checkpoint: AccessLogCheckpoint) -> dict:
    """The proof that ``entry`` is in the log the checkpoint committed to (sharing/proof_verifier.py
    checks it offline). Raises LedgerError when the log no longer matches the checkpoint."""
    if entry.sequence > checkpoint.tree_size:
        raise LedgerError("the checkpoint does not cover the entry")
    index = entry.sequence - 1
    try:
        path = inclusion_path(_leaf_hashes(checkpoint.tree_size), index, checkpoint.tree_size)
    except ValueError as exc:
        raise LedgerError(str(exc)) from exc
    if (
        root_from_inclusion_path(bytes.fromhex(entry.entry_hash), index, checkpoint.tree_size, path).hex()
        != checkpoint.root_hash
        or entry_hash(entry) != entry.entry_hash
    ):
        raise LedgerError("the log does not match its checkpoint")
    token = checkpoint.timestamp_token
    return {
        "type": PROOF_TYPE,
        "version": 1,
        "log": settings.SITE_URL,
        "entry": {
            "sequence": entry.sequence,
            "previous_hash": entry.previous_hash,
            "entry_hash": entry.entry_hash,
            "canonical": canonical_content(entry).decode("utf-8"),
        },
        "leaf_index": index,
        "tree_size": checkpoint.tree_size,
        "audit_path": [node.hex() for node in path],
        "checkpoint": {
            "signed": checkpoint.signed,
            "timestamp_token": base64.b64encode(bytes(token)).decode("ascii") if token is not None else None,
        },
        "keys": public_signing_jwks(),
        "keys_url": f"{settings.SITE_URL}/access-log/key.json",
    }
