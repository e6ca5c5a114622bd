import pytest

from tests.officer.factories import (
    LAND_VALUES,
    RESIDENT_VALUES,
    OfficerPetitionFactory,
    fetched,
    land_item,
    resident_item,
)


@pytest.fixture
def items(db):
    return {"resident": resident_item(), "land": land_item()}


@pytest.fixture
def petition(office, citizen, items, queued_renders):
    """A petition under review in the official's office, both items fetched, nobody assigned yet."""
    petition = OfficerPetitionFactory(applicant=citizen, petition_type__handling_office=office)
    fetched(petition, items["resident"], RESIDENT_VALUES)
    fetched(petition, items["land"], LAND_VALUES, subject=LAND_VALUES["pnu"])
    return petition


@pytest.fixture
def assigned_petition(petition, official):
    petition.assigned_to = official
    petition.save(update_fields=["assigned_to"])
    return petition
