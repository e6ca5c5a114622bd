"""What the sandbox's register look-ups answer, on SQLite and PostgreSQL alike: JSON-ready values
(booleans, ISO dates, lists), None for no such subject, and a small constant number of queries."""

import json

from django.db import connection
from django.test.utils import CaptureQueriesContext

from sharing.sandbox import demo, selectors
from sharing.sandbox.models import Building, Business, Parcel, Resident, SandboxAgency, UseApproval, Vehicle
from sharing.sandbox.services import agency_faults_update


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
        "business": [
            *Business.objects.order_by("id").values_list("business_number", flat=True)[:40],
            "000-00-00000",
        ],
    }


def test_every_item_answers_json_ready_values_in_a_few_queries(seeded):
    subjects = _subjects()
    answers = {}
    for code, item in selectors.ITEMS.items():
        keys = {field["key"] for field in item["fields"]}
        for subject_id in subjects[item["subject_kind"]]:
            with CaptureQueriesContext(connection) as queries:
                record, persons = selectors.item_answer(code, subject_id)
            assert len(queries) <= 2, (code, [q["sql"] for q in queries])
            answers[code, subject_id] = record
            if record is None:
                continue
            assert set(record) <= keys, (code, set(record) - keys)
            json.dumps(record, ensure_ascii=False)  # dates as ISO strings, nothing else to encode
            if item["subject_kind"] == "person":
                assert persons is None
            else:
                assert isinstance(persons, list) and all(isinstance(rrn, str) and rrn for rrn in persons)
    # The sample holds the edge cases: no such subject, no relations, no income reported, a violation.
    assert answers["resident_copy", "000000-0000000"] is None
    assert answers["land_register", "0" * 19] is None
    assert any(
        answer == {"name": answer["name"], "rrn": answer["rrn"], "parents": [], "spouse": None, "children": []}
        for (code, _id), answer in answers.items()
        if code == "family_relation" and answer
    )
    assert any(
        answer == {"name": answer["name"], "tax_year": 2025, "total_income": 0, "income_types": []}
        for (code, _id), answer in answers.items()
        if code == "income_certificate" and answer
    )
    assert any(
        answer["violation"] is True for (code, _id), answer in answers.items() if code == "building_ledger" and answer
    )
    assert all(
        isinstance(answer["districts"], list)
        for (code, _id), answer in answers.items()
        if code == "land_use_plan" and answer
    )


def test_the_vehicle_and_the_owned_parcel_say_whose_they_are(seeded):
    vehicle = Vehicle.objects.select_related("owner").first()
    record, persons = selectors.item_answer("vehicle_registration", vehicle.plate)
    assert record["owner_rrn"] == vehicle.owner.rrn and persons == [vehicle.owner.rrn]
    owned = Parcel.objects.filter(owner__isnull=False).select_related("owner").first()
    assert selectors.item_answer("land_register", owned.pnu)[1] == [owned.owner.rrn]
    unowned = Parcel.objects.filter(owner__isnull=True).first()
    if unowned is not None:
        assert selectors.item_answer("land_register", unowned.pnu)[1] == []
    assert selectors.item_answer("land_use_plan", owned.pnu)[1] == []


def test_a_business_is_answered_by_its_number_and_says_whose_it_is(seeded):
    business = Business.objects.select_related("resident").first()
    assert business is not None
    record, persons = selectors.item_answer("business_status", business.business_number)
    assert record["business_number"] == business.business_number
    assert record["trade_name"] == business.trade_name
    assert record["representative_name"] == business.resident.name
    assert persons == [business.resident.rrn]
    assert selectors.item_answer("business_status", "000-00-00000") == (None, None)


def test_the_resident_abstract_reads_the_history_only_when_asked_for(seeded):
    rrn = demo.DEMO_PEOPLE[0]["rrn"]
    with CaptureQueriesContext(connection) as queries:
        narrowed = selectors.item_record("resident_abstract", rrn, fields=["name"])
    assert len(queries) == 1 and "address_history" not in narrowed
    full = selectors.item_record("resident_abstract", rrn)
    assert isinstance(full["address_history"], list)
    assert {key: full[key] for key in narrowed} == narrowed


def test_the_agency_and_its_approved_uses_are_read_as_they_are_now(seeded):
    agency_faults_update(agency=SandboxAgency.objects.get(code="mois"), down=True, error_rate=0.25, latency_ms=30)
    agency = selectors.agency_get("mois")
    assert (agency.down, agency.error_rate, agency.latency_ms, agency.has_faults) == (True, 0.25, 30, True)
    assert selectors.agency_get("nowhere") is None
    for expected in UseApproval.objects.select_related("agency"):
        approval = selectors.approval_get(agency=expected.agency, use_id=str(expected.use_id))
        assert (approval.pk, approval.fields, approval.purpose) == (expected.pk, expected.fields, expected.purpose)
    held = UseApproval.objects.filter(agency__code="mois").first()
    # Another agency does not answer under mois's use, and an unknown id is no use.
    assert selectors.approval_get(agency=SandboxAgency.objects.get(code="nts"), use_id=str(held.use_id)) is None
    assert selectors.approval_get(agency=agency, use_id="00000000-0000-4000-8000-000000000000") is None
