"""The sandbox's plain-SQL look-ups answer exactly what the ORM reads (``orm_reference``), on
SQLite and PostgreSQL alike: the same values of the same types (booleans, ISO dates, lists)."""

import json

from sharing.sandbox import demo, selectors
from sharing.sandbox.models import Building, Grant, Parcel, Resident, SandboxAgency, Vehicle
from sharing.sandbox.services import agency_faults_update

from . import orm_reference


def _subjects() -> dict[str, list[str]]:
    people = demo.DEMO_PEOPLE
    return {
        "person": [
            *Resident.objects.order_by("id").values_list("rrn", flat=True)[:80],
            *(person["rrn"] for person in people),
            "000000-0000000",
        ],
        "parcel": [
            *Parcel.objects.order_by("id").values_list("pnu", flat=True)[:40],
            *(person["pnu"] for person in people),
            "0" * 19,
        ],
        "building": [
            *Building.objects.order_by("id").values_list("management_number", flat=True)[:40],
            *(person["building_id"] for person in people),
            "no-such-building",
        ],
        "vehicle": [
            *Vehicle.objects.order_by("id").values_list("plate", flat=True)[:40],
            *(person["plate"] for person in people),
            "12가3456",
        ],
    }


def _typed(answer) -> str:
    """The answer as the agency sends it: JSON tells true from 1 and "2020-01-01" from a date."""
    return json.dumps(answer, ensure_ascii=False, sort_keys=True)


def test_every_item_answers_what_the_orm_reads(seeded):
    subjects = _subjects()
    answers = {}
    for code, item in selectors.ITEMS.items():
        first_field = [item["fields"][0]["key"]]
        for subject_id in subjects[item["subject_kind"]]:
            expected = orm_reference.item_record(code, subject_id)
            answers[code, subject_id] = answer = selectors.item_record(code, subject_id)
            assert _typed(answer) == _typed(expected), (code, subject_id)
            narrowed = selectors.item_record(code, subject_id, fields=first_field)
            assert _typed(narrowed) == _typed(orm_reference.item_record(code, subject_id, fields=first_field))
    # The sample holds the edge cases: no such subject, no relations, no income reported, a violation.
    assert answers["resident_copy", "000000-0000000"] is None
    assert any(
        answer == {"name": answer["name"], "rrn": answer["rrn"], "parents": [], "spouse": None, "children": []}
        for (code, _id), answer in answers.items()
        if code == "family_relation" and answer
    )
    assert any(
        answer["income_types"] == []
        for (code, _id), answer in answers.items()
        if code == "income_certificate" and answer
    )
    assert any(
        answer["violation"] is True for (code, _id), answer in answers.items() if code == "building_ledger" and answer
    )


def test_the_agency_and_the_grants_read_as_the_orm_reads_them(seeded):
    agency_faults_update(
        agency=SandboxAgency.objects.get(code="mois"),
        down=True,
        malformed=True,
        error_rate=0.25,
        latency_ms=30,
        timeout_ms=1500,
    )
    for expected in SandboxAgency.objects.all():
        agency = selectors.agency_get(expected.code)
        for name in ("id", "code", "name_ko", "name_en", *SandboxAgency.FAULT_FIELDS):
            value, expected_value = getattr(agency, name), getattr(expected, name)
            assert (type(value), value) == (type(expected_value), expected_value), (expected.code, name)
        assert agency.has_faults == expected.has_faults
        assert agency.updated_at == expected.updated_at  # left deferred: read when asked for
    assert selectors.agency_get("nowhere") is None
    for expected in Grant.objects.all():
        grant = selectors.grant_get(office_code=expected.office_code, item_code=expected.item_code)
        assert (grant.pk, grant.agency_id, grant.fields, grant.purposes) == (
            expected.pk,
            expected.agency_id,
            expected.fields,
            expected.purposes,
        )
    assert selectors.grant_get(office_code="nowhere", item_code="resident_copy") is None
