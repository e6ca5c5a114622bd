"""The access log's checkpoints: signed, time-stamped Merkle roots, exported write-once, that the
database's owner cannot rewrite; each tampering of issue 20's "Must show" is detected and named
with the checkpoint it contradicts."""

import hashlib
import io
import json
import os
import stat

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from joserfc import jws
from joserfc.jwk import ECKey

from sharing import audit, crypto, ledger, merkle
from sharing.models import AccessLogCheckpoint, AccessLogEntry
from sharing.proof_verifier import CHECKPOINT_TYP
from tests.sharing.fake_tsa import FakeTSA
from tests.sharing.tampering import (
    delete_access_log_entries,
    delete_checkpoints_after,
    empty_access_log,
    rewrite_access_log_from,
)


@pytest.fixture
def tsa(monkeypatch):
    fake = FakeTSA()
    monkeypatch.setattr(ledger, "timestamping", fake.module())
    return fake


@pytest.fixture
def exports(settings, tmp_path):
    settings.ACCESS_LOG_CHECKPOINT_DIR = tmp_path / "checkpoints"
    return settings.ACCESS_LOG_CHECKPOINT_DIR


def _log(office, n=1, *, rrn="900101-1234567", purpose="P-PENSION"):
    return [
        audit.log_personal_data_access(
            action="viewed",
            subject_hash=crypto.subject_hash(rrn),
            case_ref="2026-0000001",
            office=office,
            actor=None,
            item_code="resident_abstract",
            fields=["name"],
            purpose=purpose,
        )
        for _ in range(n)
    ]


def _leaf(hex_hash):
    return hashlib.sha256(b"\x00" + bytes.fromhex(hex_hash)).digest()


def _node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def _problems(result):
    return "\n".join(result.problems)


# --- The tree ---------------------------------------------------------------------------------


def test_the_root_of_three_and_of_five_leaves_is_rfc_9162s():
    a, b, c, d, e = (hashlib.sha256(x).digest() for x in (b"a", b"b", b"c", b"d", b"e"))

    def leaf(h):
        return hashlib.sha256(b"\x00" + h).digest()

    def node(left, right):
        return hashlib.sha256(b"\x01" + left + right).digest()

    three = merkle.Frontier()
    three.extend([a, b, c])
    assert three.root() == node(node(leaf(a), leaf(b)), leaf(c))
    five = merkle.Frontier()
    five.extend([a, b, c, d, e])
    assert five.root() == node(node(node(leaf(a), leaf(b)), node(leaf(c), leaf(d))), leaf(e))
    assert merkle.Frontier().root() == hashlib.sha256(b"").digest()
    # The path of c in five leaves: d, then the left half's root, then e.
    leaves = [a, b, c, d, e]
    path = merkle.inclusion_path(iter(leaves), 2, 5)
    assert path == [leaf(d), node(leaf(a), leaf(b)), leaf(e)]


def test_every_leaf_of_trees_up_to_33_proves_its_inclusion_and_a_wrong_path_does_not():
    hashes = [hashlib.sha256(bytes([i])).digest() for i in range(33)]
    for size in range(1, 34):
        frontier = merkle.Frontier()
        frontier.extend(hashes[:size])
        # A frontier saved and read back extends to the same tree.
        restored = merkle.Frontier.from_json(frontier.size, frontier.to_json())
        assert restored.root() == frontier.root()
        for index in range(size):
            path = merkle.inclusion_path(iter(hashes[:size]), index, size)
            assert merkle.root_from_inclusion_path(hashes[index], index, size, path) == frontier.root()
            if path:
                wrong = [path[0][::-1], *path[1:]]
                assert merkle.root_from_inclusion_path(hashes[index], index, size, wrong) != frontier.root()
            with pytest.raises(ValueError, match="audit path"):
                merkle.root_from_inclusion_path(hashes[index], index, size, [*path, hashes[0]])


# --- Committing -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_nothing_to_commit_without_entries(exports, tsa):
    assert ledger.checkpoint_run() is None
    assert not AccessLogCheckpoint.objects.exists()


@pytest.mark.django_db
def test_a_checkpoint_commits_to_the_entries_signed_time_stamped_and_exported(office, exports, tsa):
    first, second, third = _log(office, 3)
    checkpoint = ledger.checkpoint_run()
    assert checkpoint is not None and checkpoint.tree_size == 3
    expected_root = _node(_node(_leaf(first.entry_hash), _leaf(second.entry_hash)), _leaf(third.entry_hash))
    assert checkpoint.root_hash == expected_root.hex()
    assert checkpoint.last_entry_hash == third.entry_hash
    assert checkpoint.previous is None and checkpoint.previous_tree_size == 0
    # Signed with the portal's signing key: a verifier with only the public JWK set accepts it.
    statement = jws.deserialize_compact(
        checkpoint.signed, ECKey.import_key(ledger.public_signing_jwks()["keys"][0]), algorithms=["ES256"]
    )
    assert statement.protected["typ"] == CHECKPOINT_TYP
    payload = json.loads(statement.payload)
    assert payload["tree_size"] == 3 and payload["root_hash"] == expected_root.hex() and payload["previous"] is None
    # Time-stamped over the signed statement.
    assert checkpoint.timestamp_token and checkpoint.timestamped_at is not None
    assert tsa.verify_timestamp(bytes(checkpoint.timestamp_token), checkpoint.signed.encode()) is not None
    # Exported: the signed statement and its token, read-only files.
    jws_file, tsr_file = exports / "checkpoint-000000000000003.jws", exports / "checkpoint-000000000000003.tsr"
    assert jws_file.read_text() == checkpoint.signed
    assert tsr_file.read_bytes() == bytes(checkpoint.timestamp_token)
    assert not os.stat(jws_file).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert checkpoint.exported_at is not None
    # Nothing new: no checkpoint.
    assert ledger.checkpoint_run() is None


@pytest.mark.django_db
def test_the_next_checkpoint_extends_the_tree_and_links_to_the_previous(office, exports, tsa):
    _log(office, 3)
    first = ledger.checkpoint_run()
    entries = _log(office, 4)
    second = ledger.checkpoint_run()
    assert second.tree_size == 7 and second.previous == first and second.previous_tree_size == 3
    everything = merkle.Frontier()
    everything.extend(
        bytes.fromhex(h) for h in AccessLogEntry.objects.order_by("sequence").values_list("entry_hash", flat=True)
    )
    assert second.root_hash == everything.root().hex()
    assert second.last_entry_hash == entries[-1].entry_hash
    payload = json.loads(
        jws.deserialize_compact(second.signed, ECKey.import_key(ledger.public_signing_jwks()["keys"][0])).payload
    )
    assert payload["previous"] == {"tree_size": 3, "digest": first.digest}
    assert first.digest == hashlib.sha256(first.signed.encode()).hexdigest()


@pytest.mark.django_db
def test_a_checkpoint_reads_only_the_new_entries_and_takes_no_lock(office, exports, tsa):
    _log(office, 5)
    ledger.checkpoint_commit()
    _log(office, 2)
    with CaptureQueriesContext(connection) as queries:
        checkpoint = ledger.checkpoint_commit(chunk_size=1)
    assert checkpoint.tree_size == 7
    sql = " ".join(query["sql"] for query in queries.captured_queries).lower()
    # The appends' lock is never taken or waited for, and no row is locked.
    assert "advisory" not in sql and "for update" not in sql and "lock" not in sql
    # Two chunks of one entry each (entries 6 and 7), never entries 1..5 again.
    entry_reads = [q["sql"] for q in queries.captured_queries if "sharing_accesslogentry" in q["sql"].lower()]
    assert len(entry_reads) == 1 + 2


@pytest.mark.django_db
def test_the_portal_never_signs_a_broken_chain(office, exports, tsa):
    _log(office, 3)
    delete_access_log_entries(2)
    with pytest.raises(ledger.LedgerError, match="entries 2..2 are missing"):
        ledger.checkpoint_commit()
    with pytest.raises(CommandError, match="No checkpoint: the access log does not verify"):
        call_command("access_log_checkpoint")
    assert not AccessLogCheckpoint.objects.exists()


@pytest.mark.django_db
def test_two_checkpoints_from_the_same_one_cannot_both_be_kept(office, exports, tsa, monkeypatch):
    _log(office, 2)
    first = ledger.checkpoint_commit()
    _log(office, 1)
    sign = ledger._sign

    def another_process_commits_first(statement):
        # Between this process's read of the last checkpoint and its insert.
        AccessLogCheckpoint.objects.create(
            tree_size=3,
            root_hash="0" * 64,
            last_entry_hash="0" * 64,
            previous=first,
            previous_tree_size=first.tree_size,
            created_at=first.created_at,
            signed="x",
            digest="1" * 64,
            key_id="k",
        )
        return sign(statement)

    monkeypatch.setattr(ledger, "_sign", another_process_commits_first)
    assert ledger.checkpoint_commit() is None
    assert AccessLogCheckpoint.objects.count() == 2


@pytest.mark.django_db
def test_an_unreachable_tsa_leaves_the_checkpoint_pending_and_the_next_run_stamps_it(office, exports, tsa):
    _log(office, 2)
    tsa.down = True
    checkpoint = ledger.checkpoint_run()
    assert checkpoint.timestamp_token is None and checkpoint.exported_at is None
    # The signed statement is exported at once; its time stamp when there is one.
    assert (exports / "checkpoint-000000000000002.jws").exists()
    assert not (exports / "checkpoint-000000000000002.tsr").exists()
    out = io.StringIO()
    call_command("verify_access_log", stdout=out)
    assert "Note: The checkpoint of 2 entries committed at" in out.getvalue()
    assert "(database) is not time-stamped yet." in out.getvalue()
    tsa.down = False
    assert ledger.checkpoint_run() is None
    checkpoint.refresh_from_db()
    assert checkpoint.timestamp_token and checkpoint.exported_at is not None
    assert (exports / "checkpoint-000000000000002.tsr").read_bytes() == bytes(checkpoint.timestamp_token)


@pytest.mark.django_db
def test_an_export_is_never_overwritten_with_other_content(office, exports, tsa):
    _log(office, 2)
    checkpoint = ledger.checkpoint_run()
    ledger.checkpoint_export(checkpoint)  # the same content again: nothing to do
    other = AccessLogCheckpoint(tree_size=2, signed="another.signed.statement")
    with pytest.raises(ledger.ExportConflictError, match="exists with other content; it is never overwritten"):
        ledger.checkpoint_export(other)
    assert (exports / "checkpoint-000000000000002.jws").read_text() == checkpoint.signed


@pytest.mark.django_db
def test_the_export_storage_keeps_a_second_copy_and_refuses_to_overwrite(office, exports, tsa, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "checkpoints": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "worm")},
        },
    }
    settings.ACCESS_LOG_CHECKPOINT_STORAGE = "checkpoints"
    _log(office, 2)
    checkpoint = ledger.checkpoint_run()
    assert (tmp_path / "worm" / "checkpoint-000000000000002.jws").read_text() == checkpoint.signed
    assert (tmp_path / "worm" / "checkpoint-000000000000002.tsr").read_bytes() == bytes(checkpoint.timestamp_token)
    (exports / "checkpoint-000000000000002.jws").chmod(0o644)
    (exports / "checkpoint-000000000000002.jws").unlink()  # the plain copy lost: the storage still refuses
    with pytest.raises(ledger.ExportConflictError, match="exists with other content; it is never overwritten"):
        ledger.checkpoint_export(AccessLogCheckpoint(tree_size=2, signed="another.signed.statement"))
    assert not (exports / "checkpoint-000000000000002.jws").exists()  # nothing written when one refuses
    # Verification reads the storage's copy too.
    assert ledger.ledger_verify().ok


@pytest.mark.django_db
def test_beat_commits_every_minute_through_the_task(office, exports, tsa, settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["access-log-checkpoint"]
    assert schedule["task"] == "sharing.tasks.access_log_checkpoint" and schedule["schedule"] == 60.0
    from sharing.tasks import access_log_checkpoint

    _log(office, 2)
    assert access_log_checkpoint.delay().get() == 2
    assert access_log_checkpoint.delay().get() == 0


# --- Verifying: each tampering of the "Must show" --------------------------------------


def _committed_log(office, *sizes):
    """Entries and a checkpoint after each batch; returns the checkpoints."""
    checkpoints = []
    for size in sizes:
        _log(office, size)
        checkpoints.append(ledger.checkpoint_run())
    return checkpoints


def _verify_command_fails():
    with pytest.raises(CommandError) as failure:
        call_command("verify_access_log")
    return str(failure.value)


@pytest.mark.django_db
def test_an_intact_log_verifies_against_its_checkpoints(office, exports, tsa, capsys):
    _committed_log(office, 3, 2)
    result = ledger.ledger_verify()
    assert result.ok and result.entries == 5 and result.checkpoints == 2 and not result.warnings
    call_command("verify_access_log")
    assert "The access log is intact: 5 entries verified against 2 checkpoint(s)." in capsys.readouterr().out


@pytest.mark.django_db
def test_deleting_the_newest_entry_is_reported_with_its_checkpoint(office, exports, tsa):
    _committed_log(office, 3, 2)
    delete_access_log_entries(5)
    assert audit.verify_chain().ok  # the chain alone cannot tell a shorter log
    result = ledger.ledger_verify()
    assert not result.ok
    assert "The log has 4 entries but the checkpoint of 5 entries committed at" in _problems(result)
    assert "committed to 5: entries were deleted or the database was rolled back" in _verify_command_fails()


@pytest.mark.django_db
def test_deleting_an_entry_in_the_middle_is_reported_with_its_checkpoint(office, exports, tsa):
    _committed_log(office, 3, 2)
    delete_access_log_entries(2)
    result = ledger.ledger_verify()
    assert result.chain_broken_at == 3 and result.chain_reason == "entries 2..2 are missing"
    assert "Entries 1..3 contradict the checkpoint of 3 entries" in _problems(result)
    assert "The log has 4 entries but the checkpoint of 5 entries" in _problems(result)
    message = _verify_command_fails()
    assert "The access log is broken at entry #3: entries 2..2 are missing." in message


@pytest.mark.django_db
def test_editing_an_entry_and_recomputing_the_chain_is_reported_with_its_checkpoint(office, exports, tsa):
    _committed_log(office, 3, 2)
    rewrite_access_log_from(2, purpose="P-FORGED")
    assert audit.verify_chain().ok  # the old check was fooled: every hash recomputed
    result = ledger.ledger_verify()
    assert result.chain_broken_at is None
    problems = _problems(result)
    assert "Entries 1..3 contradict the checkpoint of 3 entries committed at" in problems
    assert "Entries 1..5 contradict the checkpoint of 5 entries committed at" in problems
    assert "entries were changed, removed or replaced since it was signed" in _verify_command_fails()


@pytest.mark.django_db
def test_editing_only_the_newest_entry_after_the_last_checkpoint_is_caught_by_the_next(office, exports, tsa):
    _committed_log(office, 3)
    _log(office, 1)
    rewrite_access_log_from(4, purpose="P-FORGED")
    assert ledger.ledger_verify().ok  # not committed to yet: nothing contradicts it
    ledger.checkpoint_run()
    assert ledger.ledger_verify().ok


@pytest.mark.django_db
def test_a_whole_table_replaced_by_a_consistent_forgery_is_reported_from_the_exports(office, exports, tsa):
    _committed_log(office, 3, 2)
    empty_access_log()
    _log(office, 5, purpose="P-FORGED")  # a chain that verifies, as long as the real one
    assert audit.verify_chain().ok
    result = ledger.ledger_verify()
    problems = _problems(result)
    # The database's checkpoints went with the table; the exported ones stay.
    assert "The exported checkpoint of 3 entries" in problems and "is not in the database" in problems
    assert "Entries 1..3 contradict the checkpoint of 3 entries" in problems
    assert "Entries 1..5 contradict the checkpoint of 5 entries" in problems
    # And the forger cannot commit to it under the old names: the exports refuse.
    with pytest.raises(ledger.ExportConflictError):
        ledger.checkpoint_run()


@pytest.mark.django_db
def test_a_rollback_to_an_older_backup_is_reported_from_the_exports(office, exports, tsa):
    first, _second = _committed_log(office, 3, 2)
    # The backup of the moment of the first checkpoint is restored: entries 4..5 and the second
    # checkpoint are gone from the database; the exports remember them.
    delete_access_log_entries(4, 5)
    delete_checkpoints_after(first.tree_size)
    assert audit.verify_chain().ok
    problems = _problems(ledger.ledger_verify())
    assert "The exported checkpoint of 5 entries" in problems and "rolled back to an older copy" in problems
    assert "The log has 3 entries but the checkpoint of 5 entries" in problems
    # Life goes on after the restore: new entries, a new checkpoint of the same size differs.
    _log(office, 2, purpose="P-AFTER-RESTORE")
    with pytest.raises(ledger.ExportConflictError):
        ledger.checkpoint_run()
    problems = _problems(ledger.ledger_verify())
    assert "Two different signed checkpoints of 5 entries exist" in problems
    assert "Entries 1..5 contradict the checkpoint of 5 entries" in problems


@pytest.mark.django_db
def test_a_checkpoint_forged_in_the_database_is_reported(office, exports, tsa):
    (checkpoint,) = _committed_log(office, 3)
    forger = ECKey.generate_key("P-256", private=True)
    statement = json.loads(
        jws.deserialize_compact(checkpoint.signed, ECKey.import_key(ledger.public_signing_jwks()["keys"][0])).payload
    )
    forged = jws.serialize_compact(
        {"alg": "ES256", "kid": checkpoint.key_id, "typ": CHECKPOINT_TYP}, json.dumps(statement), forger
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {AccessLogCheckpoint._meta.db_table} SET signed = %s WHERE id = %s", [forged, checkpoint.pk]
        )
    problems = _problems(ledger.ledger_verify())
    assert "The database's checkpoint of 3 entries is forged: its signature is not the portal's." in problems


@pytest.mark.django_db
def test_a_time_stamp_over_other_data_is_reported(office, exports, tsa):
    (checkpoint,) = _committed_log(office, 3)
    other_token = tsa.timestamp(b"something else")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {AccessLogCheckpoint._meta.db_table} SET timestamp_token = %s WHERE id = %s",
            [other_token, checkpoint.pk],
        )
    problems = _problems(ledger.ledger_verify())
    assert "The time stamp of the checkpoint of 3 entries" in problems and "(database)" in problems
    assert "over other data than the signed checkpoint" in problems


@pytest.mark.django_db
def test_a_proof_uses_the_first_time_stamped_checkpoint_that_covers_the_entry(office, exports, tsa):
    _log(office, 2)
    tsa.down = True
    unstamped = ledger.checkpoint_run()
    assert ledger.covering_checkpoint(1) == unstamped  # none stamped yet: the first at all
    _log(office, 1)
    later = ledger.checkpoint_run()
    # Only the later one got its time stamp (say the TSA answered once in between).
    tsa.down = False
    AccessLogCheckpoint.objects.filter(pk=later.pk).update(timestamp_token=tsa.timestamp(later.signed.encode()))
    assert ledger.covering_checkpoint(1) == later
    assert ledger.covering_checkpoint(3) == later
    assert ledger.covering_checkpoint(4) is None


@pytest.mark.django_db
def test_checkpoints_signed_before_a_key_rotation_still_verify(office, exports, tsa, settings, tmp_path):
    settings.PORTAL_SIGNING_KEY_FILES = [str(tmp_path / "old.pem")]
    _log(office, 2)
    before = ledger.checkpoint_run()
    settings.PORTAL_SIGNING_KEY_FILES = [str(tmp_path / "new.pem"), str(tmp_path / "old.pem")]
    _log(office, 2)
    after = ledger.checkpoint_run()
    assert after.key_id != before.key_id
    assert ledger.ledger_verify().ok
    # Dropping the old key from the published ones makes its checkpoints unverifiable: it must stay.
    settings.PORTAL_SIGNING_KEY_FILES = [str(tmp_path / "new.pem")]
    assert "The database's checkpoint of 2 entries is forged" in _problems(ledger.ledger_verify())


@pytest.mark.django_db
def test_administrators_see_checkpoints_and_cannot_change_them(office, exports, tsa, admin_client_verified):
    _log(office, 2)
    checkpoint = ledger.checkpoint_run()
    listing = admin_client_verified.get("/admin/sharing/accesslogcheckpoint/")
    assert listing.status_code == 200 and checkpoint.root_hash in listing.content.decode()
    detail = admin_client_verified.get(f"/admin/sharing/accesslogcheckpoint/{checkpoint.pk}/change/")
    assert detail.status_code == 200 and checkpoint.signed in detail.content.decode()
    assert admin_client_verified.post(f"/admin/sharing/accesslogcheckpoint/{checkpoint.pk}/delete/").status_code == 403
    assert admin_client_verified.get("/admin/sharing/accesslogcheckpoint/add/").status_code == 403
