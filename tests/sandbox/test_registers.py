"""The synthetic registers: deterministic, consistent, synthetic, and holding the demo people."""

import itertools
from datetime import date

import pytest

from sharing.sandbox import models, registers
from sharing.sandbox.demo import DEMO_OVERRIDES, DEMO_PEOPLE
from sharing.sandbox.geography import DISTRICTS_BY_CODE
from sharing.sandbox.loader import DEFAULT_SEED, registers_load


def test_same_seed_gives_the_same_block_and_another_seed_another():
    first = registers.generate_block(7, 3)
    again = registers.generate_block(7, 3)
    other = registers.generate_block(8, 3)
    assert first.rows == again.rows
    assert first.rows["resident"] != other.rows["resident"]
    assert first.residents == registers.BLOCK_SIZE


def test_rrns_are_rrn_shaped_with_a_wrong_check_digit():
    block = registers.generate_block(DEFAULT_SEED, 0, DEMO_OVERRIDES)
    for row in block.rows["resident"]:
        rrn, birth = row[1], row[3]
        assert len(rrn) == 14 and rrn[6] == "-"
        assert rrn[:6] == f"{birth:%y%m%d}" or rrn in {o.rrn for o in DEMO_OVERRIDES}
        assert registers.is_synthetic_rrn(rrn), rrn
        assert row[9] is True  # the synthetic flag
    assert not registers.is_synthetic_rrn("900101-1234568")  # the valid check digit of the demo number


def test_identifiers_are_unique_across_many_counters():
    counters = range(1, 200_000, 7)
    assert len({registers.plate_number(c) for c in counters}) == len(counters)
    assert len({registers.parcel_number("1111010100", False, c) for c in counters}) == len(counters)
    assert len({registers.rrn_serial(c) for c in range(0, 1_000_000, 3)}) == len(range(0, 1_000_000, 3))
    pnu = registers.parcel_number("1111010100", False, 12345)
    assert len(pnu) == 19 and pnu.isdigit() and pnu.startswith("1111010100")


def test_rrns_are_unique_across_blocks():
    rrns = [
        row[1]
        for number in range(4)
        for row in registers.generate_block(DEFAULT_SEED, number, DEMO_OVERRIDES).rows["resident"]
    ]
    assert len(rrns) == len(set(rrns)) == 4 * registers.BLOCK_SIZE


@pytest.fixture
def loaded(db):
    registers_load(residents=registers.BLOCK_SIZE, demo=DEMO_OVERRIDES)


def test_everything_a_resident_points_at_exists_and_fits(loaded, django_assert_max_num_queries):
    parcels = {p.pk: p for p in models.Parcel.objects.all()}
    buildings = {b.pk: b for b in models.Building.objects.all()}
    households = {h.pk: h for h in models.Household.objects.all()}
    residents = {r.pk: r for r in models.Resident.objects.all()}
    assert len(residents) == registers.BLOCK_SIZE
    for building in buildings.values():
        parcel = parcels[building.parcel_id]
        assert building.road_address.split()[1] in DISTRICTS_BY_CODE[parcel.district_code].sigungu
        assert building.management_number.startswith(parcel.district_code)
    for parcel in parcels.values():
        assert parcel.pnu[:5] == parcel.district_code and parcel.district_code in DISTRICTS_BY_CODE
    for resident in residents.values():
        household = households[resident.household_id]
        building = buildings[household.building_id]
        assert resident.move_in_date >= building.approval_date
        assert resident.move_in_date >= resident.birth_date
        assert residents[household.head_id].household_id == household.pk
    heads = [r for r in residents.values() if r.relation_to_head == "본인"]
    assert len(heads) == len(households)
    # Address history: consecutive periods ending with the current address.
    history = {}
    for entry in models.AddressHistory.objects.order_by("resident", "moved_in"):
        assert entry.building_id in buildings
        history.setdefault(entry.resident_id, []).append(entry)
    for resident_id, entries in history.items():
        assert entries[-1].moved_out is None and entries[-1].moved_in == residents[resident_id].move_in_date
        for earlier, later in itertools.pairwise(entries):
            assert earlier.moved_out == later.moved_in
    assert set(history) == set(residents)
    # Family relations go both ways.
    pairs = set(models.FamilyRelation.objects.values_list("resident_id", "relative_id", "relation"))
    for resident_id, relative_id, relation in pairs:
        back = {"father": "child", "mother": "child", "spouse": "spouse"}.get(relation)
        if back:
            assert (relative_id, resident_id, back) in pairs
        else:
            assert any((relative_id, resident_id, r) in pairs for r in ("father", "mother"))
    for vehicle in models.Vehicle.objects.all():
        assert vehicle.owner_id in residents and vehicle.registered_building_id in buildings
    for record in models.MilitaryRecord.objects.select_related("resident"):
        assert record.resident.sex == "M"
    assert models.HealthInsurance.objects.count() == len(residents)


def test_the_demo_people_are_the_first_residents_with_what_the_demo_needs(loaded):
    citizen1, citizen2 = DEMO_PEOPLE
    first = models.Resident.objects.get(pk=1)
    assert (first.name, first.rrn, first.phone) == (citizen1["name"], citizen1["rrn"], citizen1["phone"])
    building = models.Building.objects.select_related("parcel").get(management_number=citizen1["building_id"])
    assert first.household.building_id == building.pk
    assert building.parcel.pnu == citizen1["pnu"] and building.parcel.district_code == "11110"
    assert building.owner_id == first.pk and building.parcel.owner_id == first.pk
    assert models.Vehicle.objects.get(plate=citizen1["plate"]).owner_id == first.pk
    assert set(models.Refund.objects.filter(resident=first).values_list("agency", flat=True)) == {
        "mois",
        "nts",
        "nhis",
        "nps",
    }
    second = models.Resident.objects.get(pk=2)
    assert (second.name, second.rrn) == (citizen2["name"], citizen2["rrn"])
    assert models.Building.objects.get(management_number=citizen2["building_id"]).parcel.pnu == citizen2["pnu"]
    assert second.household.building.parcel.district_code == "11680"
    assert second.move_in_date == date(2022, 8, 20)
