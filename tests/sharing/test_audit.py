import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction

from sharing import audit, crypto
from sharing.models import AccessLogEntry
from tests.sharing.tampering import tamper_access_log_entry


def _log(office, actor=None, action="viewed", **overrides):
    values = dict(
        action=action,
        subject_hash=crypto.subject_hash("900101-1234567"),
        case_ref="2026-0000001",
        office=office,
        actor=actor,
        item_code="resident_abstract",
        fields=["name", "address"],
        purpose="P-PENSION",
        ip_address="192.0.2.7",
    )
    values.update(overrides)
    return audit.log_personal_data_access(**values)


@pytest.mark.django_db
def test_entries_form_a_chain(office, official):
    first = _log(office)
    second = _log(office, actor=official, action="revealed", detail="checking identity")
    assert first.sequence == 1 and first.previous_hash == audit.GENESIS_HASH
    assert second.sequence == 2 and second.previous_hash == first.entry_hash
    assert first.actor_label == "system on behalf of jongno"
    assert official.username in second.actor_label or official.display_name in second.actor_label
    result = audit.verify_chain()
    assert result.ok and result.checked == 2


@pytest.mark.django_db
def test_log_rejects_unknown_action(office):
    with pytest.raises(ValueError, match=r"Unknown access-log action 'edited'; one of \['.*'viewed'.*\]"):
        _log(office, action="edited")
    assert not AccessLogEntry.objects.exists()


@pytest.mark.django_db
def test_an_entry_about_nobody_is_refused_with_its_reason(office):
    with pytest.raises(ValueError, match=r"^An access-log entry is about someone: give at least one subject hash\.$"):
        audit.log_personal_data_access_many(
            action="viewed",
            subject_hashes=[],
            case_ref="2026-0000001",
            office=office,
            actor=None,
            item_code="resident_abstract",
            fields=["name"],
            purpose="P-PENSION",
        )
    assert not AccessLogEntry.objects.exists()


@pytest.mark.django_db
def test_entries_about_several_people_have_no_detail_unless_one_is_given(office):
    hashes = [crypto.subject_hash("900101-1234567"), crypto.subject_hash("850505-2345678")]
    entries = audit.log_personal_data_access_many(
        action="viewed",
        subject_hashes=hashes,
        case_ref="2026-0000001",
        office=office,
        actor=None,
        item_code="land_register",
        fields=["owner"],
        purpose="P-LAND",
    )
    assert [e.detail for e in entries] == ["", ""]
    assert [e.sequence for e in entries] == [1, 2]
    assert entries[1].previous_hash == entries[0].entry_hash
    assert [e.subject_hash for e in AccessLogEntry.objects.order_by("sequence")] == hashes
    assert audit.verify_chain().ok


@pytest.mark.django_db
def test_an_empty_purpose_stays_empty_and_a_long_detail_is_cut_to_its_column(office):
    entry = _log(office, purpose="", detail="d" * 600)
    assert (entry.purpose, entry.detail) == ("", "d" * 500)
    stored = AccessLogEntry.objects.get(pk=entry.pk)
    assert (stored.purpose, stored.detail) == ("", "d" * 500)


@pytest.mark.django_db
def test_without_the_lock_a_taken_sequence_is_tried_again_five_times_then_refused(office, monkeypatch):
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL serialises appends with its lock: no sequence is ever taken twice")
    first = _log(office)
    reads = []

    def stale_end():  # every attempt reads the chain's end before the first entry
        reads.append(1)
        return None

    monkeypatch.setattr(audit, "_chain_end", stale_end)
    with pytest.raises(IntegrityError):
        _log(office)
    assert len(reads) == 5
    assert list(AccessLogEntry.objects.values_list("sequence", flat=True)) == [first.sequence]


@pytest.mark.django_db
def test_entries_cannot_be_changed_or_deleted_through_the_orm(office):
    entry = _log(office)
    entry.detail = "changed"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AccessLogEntry.objects.filter(pk=entry.pk).update(detail="changed")
    with pytest.raises(PermissionError):
        AccessLogEntry.objects.all().delete()


@pytest.mark.django_db
def test_database_refuses_updates_too(office):
    entry = _log(office)
    table = AccessLogEntry._meta.db_table
    with pytest.raises(Exception) as excinfo, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET detail = 'x' WHERE id = %s", [entry.pk])
    assert "append-only" in str(excinfo.value)


@pytest.mark.django_db
def test_verify_command_reports_the_first_edited_entry(office, official):
    for _ in range(3):
        _log(office)
    third = _log(office, actor=official)
    _log(office)
    call_command("verify_access_log")

    tamper_access_log_entry(third.pk, purpose="something else")
    result = audit.verify_chain()
    assert result.first_broken_sequence == 4
    assert result.checked == 3
    with pytest.raises(CommandError, match="#4"):
        call_command("verify_access_log")


@pytest.mark.django_db
def test_a_rewritten_entry_breaks_the_next_link(office):
    entries = [_log(office) for _ in range(3)]
    forged = AccessLogEntry.objects.get(pk=entries[1].pk)
    forged.detail = "rewritten"
    tamper_access_log_entry(forged.pk, detail="rewritten", entry_hash=audit.entry_hash(forged))
    result = audit.verify_chain()
    assert result.first_broken_sequence == 3


# --- The append's critical section (PostgreSQL) ----------------------------------------------------


def _setting(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_the_append_waits_for_the_disk_after_its_commit_not_under_the_lock(office, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        _log(office)
        _log(office)
    if connection.vendor == "postgresql":
        # The transaction commits without waiting for the WAL flush (the lock goes at once) ...
        assert _setting("synchronous_commit") == "off"
        # ... and each append waits for it once committed, before its caller goes on.
        assert callbacks == [audit._wait_until_durable, audit._wait_until_durable]
    else:
        assert callbacks == []  # SQLite: no lock, nothing to wait for afterwards


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_the_chain_linear_and_gap_free(office):
    """Writers in their own connections append at once: single entries, entries about several
    persons, and appends in transactions that go on after the append or roll back. The chain
    that results has every committed entry once, in one line, and nothing of the rolled back."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises the whole database)")
    import itertools
    import threading

    errors, written = [], []
    people = [crypto.subject_hash(f"900101-{1234560 + n}") for n in range(3)]

    class RolledBack(Exception):
        pass

    def writer(number: int):
        try:
            session_setting = _setting("synchronous_commit")
            for round_ in range(8):
                kind = (number + round_) % 4
                if kind == 0:
                    written.append(_log(office, detail=f"w{number} r{round_}").sequence)
                elif kind == 1:
                    entries = audit.log_personal_data_access_many(
                        action="fetched",
                        subject_hashes=people,
                        case_ref="2026-0000002",
                        office=office,
                        actor=None,
                        item_code="vehicle_registration",
                        fields=["plate"],
                        purpose="P-PARKING",
                    )
                    written.extend(e.sequence for e in entries)
                elif kind == 2:
                    with transaction.atomic():
                        entry = _log(office, detail="then more work")
                        AccessLogEntry.objects.filter(pk=entry.pk).exists()
                    written.append(entry.sequence)
                else:
                    try:
                        with transaction.atomic():
                            _log(office, detail="rolled back")
                            raise RolledBack
                    except RolledBack:
                        pass
                # The session's own setting is left as it was: only the appending transaction
                # committed without waiting.
                assert _setting("synchronous_commit") == session_setting
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(number,)) for number in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    stored = list(AccessLogEntry.objects.order_by("sequence").values_list("sequence", "previous_hash", "entry_hash"))
    assert [sequence for sequence, _, _ in stored] == list(range(1, len(stored) + 1))
    assert sorted(written) == [sequence for sequence, _, _ in stored]
    for (_, _, previous), (_, link, _) in itertools.pairwise(stored):
        assert link == previous
    assert not AccessLogEntry.objects.filter(detail="rolled back").exists()
    result = audit.verify_chain()
    assert result.ok and result.checked == len(stored) == 6 * 2 * (1 + 3 + 1)
