import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

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
    with pytest.raises(ValueError):
        _log(office, action="edited")


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
