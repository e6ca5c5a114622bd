"""What the access-log hash covers, column by column, and the chain's links, each held by
independent assertions.

The expectations are written by hand: every column that says who read whose data, when, from
where, what and why must be covered, so that changing any one of them in the database (as
someone with database access could) is reported by ``verify_access_log``.
"""

import copy
import datetime
import hashlib

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from sharing import audit, crypto
from sharing.models import AccessLogEntry
from tests.sharing.tampering import tamper_access_log_entry

pytestmark = pytest.mark.django_db


def _log(office, actor=None, **overrides):
    values = dict(
        action="viewed",
        subject_hash=crypto.subject_hash("900101-1234567"),
        case_ref="2026-0000001",
        office=office,
        actor=actor,
        item_code="resident_abstract",
        fields=["name", "address"],
        purpose="P-PENSION",
        ip_address="192.0.2.7",
        detail="first look",
        affair_code="LOCAL-PENSION-01",
        legal_basis="기초연금법 제10조",
    )
    values.update(overrides)
    return audit.log_personal_data_access(**values)


def _three(office, official):
    return [_log(office), _log(office, actor=official, action="revealed", detail="checking identity"), _log(office)]


# Each column the hash must cover, and a value it could be changed to (by hand, not taken from
# the code under test). A callable gets the test's fixtures.
TAMPERED_COLUMNS = {
    "created_at": lambda f: "2020-01-01 00:00:00",
    "action": lambda f: "downloaded",
    "actor_id": lambda f: f["other_official"].pk,
    "actor_label": lambda f: "someone else (S-9999)",
    "office_id": lambda f: f["other_office"].pk,
    "subject_hash": lambda f: crypto.subject_hash("850505-2345678"),
    "case_ref": lambda f: "2026-0000999",
    "item_code": lambda f: "land_register",
    "fields": lambda f: '["name"]',
    "purpose": lambda f: "P-OTHER",
    "ip_address": lambda f: "198.51.100.1",
    "detail": lambda f: "nothing to see",
    "affair_code": lambda f: "OTHER-AFFAIR-99",
    "legal_basis": lambda f: "다른 법 제1조",
}


@pytest.mark.parametrize("column", sorted(TAMPERED_COLUMNS))
def test_changing_any_covered_column_is_reported(column, office, official, other_office, other_official):
    entries = _three(office, official)
    call_command("verify_access_log")  # intact before
    value = TAMPERED_COLUMNS[column]({"other_office": other_office, "other_official": other_official})
    tamper_access_log_entry(entries[1].pk, **{column: value})
    assert AccessLogEntry.objects.filter(pk=entries[1].pk).values_list(column, flat=True)[0] != getattr(
        entries[1], column
    )

    result = audit.verify_chain()
    assert not result.ok
    assert result.first_broken_sequence == 2
    assert result.checked == 1
    assert result.reason == "its content was changed after it was written"
    with pytest.raises(CommandError, match=r"#2: its content was changed"):
        call_command("verify_access_log")


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("ip_address", None),  # the address erased
        ("fields", '["name", "address", "rrn"]'),  # a field added to what was read
        ("fields", "[]"),
        ("detail", ""),
        ("office_id", None),
        ("actor_id", None),  # an official's read passed off as the system's
        ("affair_code", ""),  # the affair it ran under erased
        ("legal_basis", ""),
    ],
)
def test_erasing_or_widening_a_column_is_reported(column, value, office, official):
    entries = _three(office, official)
    tamper_access_log_entry(entries[1].pk, **{column: value})
    result = audit.verify_chain()
    assert (result.first_broken_sequence, result.checked) == (2, 1)


def _entry(**overrides) -> AccessLogEntry:
    values = dict(
        sequence=7,
        created_at=datetime.datetime(2026, 11, 2, 9, 30, tzinfo=datetime.UTC),
        action="viewed",
        actor_id=11,
        actor_label="Kim (S-1)",
        office_id=3,
        subject_hash="a" * 64,
        case_ref="2026-0000001",
        item_code="resident_abstract",
        fields=["name", "address"],
        purpose="P-PENSION",
        ip_address="192.0.2.7",
        detail="first look",
        affair_code="",
        legal_basis="",
        previous_hash="b" * 64,
    )
    values.update(overrides)
    return AccessLogEntry(**values)


HASH_INPUTS = {
    "sequence": 8,
    "created_at": datetime.datetime(2026, 11, 2, 9, 30, 1, tzinfo=datetime.UTC),
    "action": "revealed",
    "actor_id": 12,
    "actor_label": "Lee (S-2)",
    "office_id": 4,
    "subject_hash": "c" * 64,
    "case_ref": "2026-0000002",
    "item_code": "land_register",
    "fields": ["name"],
    "purpose": "P-OTHER",
    "ip_address": "192.0.2.8",
    "detail": "second look",
    "affair_code": "LOCAL-PENSION-01",
    "legal_basis": "기초연금법 제10조",
    "previous_hash": "d" * 64,
}


def test_every_column_but_the_hash_itself_is_an_input_of_the_hash():
    names = {f.attname for f in AccessLogEntry._meta.concrete_fields} - {"id", "entry_hash"}
    assert names == set(HASH_INPUTS), "a new column of the access log: say here whether the hash covers it"


@pytest.mark.parametrize("attribute", sorted(HASH_INPUTS))
def test_the_hash_changes_with_each_input(attribute):
    original = _entry()
    changed = copy.copy(original)
    setattr(changed, attribute, HASH_INPUTS[attribute])
    assert audit.entry_hash(changed) != audit.entry_hash(original)
    assert audit.entry_hash(_entry()) == audit.entry_hash(original)  # and only with its inputs


@pytest.mark.parametrize(
    ("attribute", "value"),
    [
        ("ip_address", None),
        ("actor_id", None),
        ("office_id", None),
        ("fields", []),
        ("fields", ["address", "name"]),
        ("detail", ""),
        ("case_ref", ""),
    ],
)
def test_the_hash_tells_an_empty_or_reordered_value_apart(attribute, value):
    assert audit.entry_hash(_entry(**{attribute: value})) != audit.entry_hash(_entry())


def test_the_hash_is_sha256_over_the_previous_hash_and_the_content():
    value = audit.entry_hash(_entry())
    assert len(value) == 64 and int(value, 16) >= 0
    assert audit.entry_hash(_entry()) == value  # deterministic


# --- The chain's links ------------------------------------------------------------------------------


def test_a_new_log_starts_at_the_genesis_hash_and_links_each_entry(office, official):
    entries = _three(office, official)
    assert audit.GENESIS_HASH == "0" * 64
    assert [e.sequence for e in entries] == [1, 2, 3]
    assert entries[0].previous_hash == audit.GENESIS_HASH
    assert entries[1].previous_hash == entries[0].entry_hash
    assert entries[2].previous_hash == entries[1].entry_hash
    assert len({e.entry_hash for e in entries}) == 3
    for stored in AccessLogEntry.objects.order_by("sequence"):
        assert stored.entry_hash == audit.entry_hash(stored)
    result = audit.verify_chain()
    assert (result.ok, result.checked, result.first_broken_sequence, result.reason) == (True, 3, None, "")


def test_an_empty_log_verifies():
    result = audit.verify_chain()
    assert result.ok and result.checked == 0


def test_a_changed_link_is_reported_as_a_link(office, official):
    entries = _three(office, official)
    tamper_access_log_entry(entries[2].pk, previous_hash="f" * 64)
    result = audit.verify_chain()
    assert (result.first_broken_sequence, result.checked) == (3, 2)
    assert result.reason == "its link to the previous entry does not match"
    with pytest.raises(CommandError, match=r"#3: its link"):
        call_command("verify_access_log")


def test_an_entry_rewritten_with_a_fresh_hash_breaks_the_next_link(office, official):
    entries = _three(office, official)
    forged = AccessLogEntry.objects.get(pk=entries[1].pk)
    forged.ip_address = "198.51.100.1"
    tamper_access_log_entry(forged.pk, ip_address="198.51.100.1", entry_hash=audit.entry_hash(forged))
    result = audit.verify_chain()
    assert (result.first_broken_sequence, result.checked) == (3, 2)
    assert result.reason == "its link to the previous entry does not match"


def test_a_removed_entry_is_reported_as_missing(office, official):
    entries = _three(office, official) + [_log(office)]

    table = AccessLogEntry._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS sharing_access_log_no_delete")
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [entries[1].pk])
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")
    result = audit.verify_chain()
    assert (result.first_broken_sequence, result.checked) == (3, 1)
    assert result.reason == "entries 2..2 are missing"


def test_the_first_entry_must_link_to_the_genesis_hash(office, official):
    entries = _three(office, official)
    tamper_access_log_entry(entries[0].pk, previous_hash="1" * 64)
    result = audit.verify_chain()
    assert (result.first_broken_sequence, result.checked) == (1, 0)


def test_verification_reads_in_chunks_and_still_walks_everything(office, official):
    entries = _three(office, official) + [_log(office) for _ in range(3)]
    assert audit.verify_chain(chunk_size=2).checked == 6
    tamper_access_log_entry(entries[4].pk, purpose="changed")
    result = audit.verify_chain(chunk_size=2)
    assert (result.first_broken_sequence, result.checked) == (5, 4)


# --- The hash's format is a contract: entries written by an earlier release must still verify --------


def test_the_hash_is_sha256_of_the_previous_hash_a_bar_and_the_canonical_json():
    # Written out by hand: keys sorted, no spaces, UTF-8 (not \u escapes), times in ISO 8601.
    canonical = (
        '{"action":"viewed","actor":11,"actor_label":"김 (S-1)","case_ref":"2026-0000001",'
        '"created_at":"2026-11-02T09:30:00+00:00","detail":"first look","fields":["name","address"],'
        '"ip_address":"192.0.2.7","item_code":"resident_abstract","office":3,"purpose":"P-PENSION",'
        '"sequence":7,"subject_hash":"' + "a" * 64 + '"}'
    )
    expected = hashlib.sha256(("b" * 64 + "|" + canonical).encode("utf-8")).hexdigest()
    assert audit.entry_hash(_entry(actor_label="김 (S-1)")) == expected


def test_an_entry_with_an_affair_hashes_it_and_its_legal_basis_after_the_other_keys():
    canonical = (
        '{"action":"viewed","actor":11,"actor_label":"Kim (S-1)","affair_code":"LOCAL-PENSION-01",'
        '"case_ref":"2026-0000001","created_at":"2026-11-02T09:30:00+00:00","detail":"first look",'
        '"fields":["name","address"],"ip_address":"192.0.2.7","item_code":"resident_abstract",'
        '"legal_basis":"기초연금법 제10조","office":3,"purpose":"P-PENSION",'
        '"sequence":7,"subject_hash":"' + "a" * 64 + '"}'
    )
    entry = _entry(affair_code="LOCAL-PENSION-01", legal_basis="기초연금법 제10조")
    expected = hashlib.sha256(("b" * 64 + "|" + canonical).encode("utf-8")).hexdigest()
    assert audit.entry_hash(entry) == expected
    # Either value alone is hashed with the other (blank): erasing one is still a change.
    assert audit.entry_hash(_entry(affair_code="LOCAL-PENSION-01")) not in (expected, audit.entry_hash(_entry()))


def test_missing_values_are_hashed_as_null_and_an_empty_list():
    canonical = (
        '{"action":"fetched","actor":null,"actor_label":"system","case_ref":"",'
        '"created_at":"2026-11-02T09:30:00+00:00","detail":"","fields":[],'
        '"ip_address":null,"item_code":"","office":null,"purpose":"",'
        '"sequence":1,"subject_hash":"' + "a" * 64 + '"}'
    )
    entry = _entry(
        sequence=1,
        action="fetched",
        actor_id=None,
        actor_label="system",
        office_id=None,
        case_ref="",
        item_code="",
        fields=None,
        purpose="",
        ip_address=None,
        detail="",
        previous_hash=audit.GENESIS_HASH,
    )
    expected = hashlib.sha256(("0" * 64 + "|" + canonical).encode("utf-8")).hexdigest()
    assert audit.entry_hash(entry) == expected


# --- What an entry records ---------------------------------------------------------------------------


def test_who_is_recorded(office, official):
    from tests.factories import OfficialFactory

    assert _log(office).actor_label == "system on behalf of jongno"
    assert _log(None).actor_label == "system"
    named = OfficialFactory(full_name="김공무", staff_number="S-0042")
    assert _log(office, actor=named).actor_label == "김공무 (S-0042)"
    unnumbered = OfficialFactory(full_name="이공무", staff_number="")
    assert _log(office, actor=unnumbered).actor_label == "이공무"
    nameless = OfficialFactory(full_name="", first_name="", last_name="", staff_number="")
    assert _log(office, actor=nameless).actor_label == nameless.username


def test_long_values_are_cut_to_their_columns_and_missing_ones_stored_empty(office):
    entry = _log(
        office,
        purpose="p" * 250,
        detail="d" * 600,
        affair_code="A" * 50,
        legal_basis="법" * 350,
        case_ref=None,
        item_code=None,
        fields=None,
        ip_address="",
    )
    stored = AccessLogEntry.objects.get(pk=entry.pk)
    assert stored.purpose == "p" * 200 and stored.detail == "d" * 500
    assert stored.affair_code == "A" * 40 and stored.legal_basis == "법" * 300
    assert (stored.case_ref, stored.item_code, stored.fields, stored.ip_address) == ("", "", [], None)
    assert audit.verify_chain().ok


def test_an_access_outside_any_use_records_no_affair_and_no_legal_basis(office):
    """Both write paths, called without a use: the entry holds neither value (and its hash
    leaves both keys out), rather than a default that would read as an affair."""
    common = dict(
        action="viewed",
        case_ref="2026-0000001",
        office=office,
        actor=None,
        item_code="resident_abstract",
        fields=["name"],
        purpose="P-PENSION",
    )
    single = audit.log_personal_data_access(subject_hash=crypto.subject_hash("900101-1234567"), **common)
    many = audit.log_personal_data_access_many(
        subject_hashes=[crypto.subject_hash("920202-2234567"), crypto.subject_hash("900101-1234567")], **common
    )
    stored = AccessLogEntry.objects.filter(pk__in=[single.pk, *(entry.pk for entry in many)])
    assert len(many) == 2 and stored.count() == 3
    assert set(stored.values_list("affair_code", "legal_basis")) == {("", "")}
    assert all(b"affair_code" not in audit.canonical_content(entry) for entry in stored)


def test_each_entry_records_what_it_was_given(office, official):
    entry = _log(
        office,
        actor=official,
        action="downloaded",
        ip_address="192.0.2.99",
        fields=["rrn"],
        purpose="P-X",
        detail="receipt",
    )
    stored = AccessLogEntry.objects.get(pk=entry.pk)
    assert (
        stored.action,
        stored.actor,
        stored.office,
        stored.ip_address,
        stored.fields,
        stored.purpose,
        stored.detail,
        stored.case_ref,
        stored.item_code,
    ) == ("downloaded", official, office, "192.0.2.99", ["rrn"], "P-X", "receipt", "2026-0000001", "resident_abstract")
    assert stored.subject_hash == crypto.subject_hash("900101-1234567")


@pytest.mark.skipif("connection.vendor == 'postgresql'", reason="PostgreSQL serialises appends with a lock")
def test_a_taken_sequence_number_is_tried_again_up_to_five_times(office, monkeypatch):
    from django.db import IntegrityError

    real_save = AccessLogEntry.save
    failures = {"left": 4}

    def colliding_save(entry, *args, **kwargs):
        if failures["left"]:
            failures["left"] -= 1
            raise IntegrityError("UNIQUE constraint failed: sequence")
        return real_save(entry, *args, **kwargs)

    monkeypatch.setattr(AccessLogEntry, "save", colliding_save)
    assert _log(office).sequence == 1  # the fifth attempt succeeds
    failures["left"] = 5
    with pytest.raises(IntegrityError):
        _log(office)
    assert AccessLogEntry.objects.count() == 1
