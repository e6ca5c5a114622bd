import pytest

from tests.documents.factories import issued_document
from tests.hub.lookup_fixtures import (  # noqa: F401 (fixtures of the look-up tests)
    agency_answers,
    consent_use,
    lookup_office,
    lookup_official,
    other_agency_setup,
    parking_use,
    resident_item,
    using_agency,
)
from tests.petitions.factories import PetitionFactory, PetitionTypeFactory


@pytest.fixture(autouse=True)
def generous_rates(settings):
    """The per-client limit has its own test; elsewhere it would only get in the way."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anonymous": "100000/minute", "client": "100000/minute"},
    }


@pytest.fixture
def two_citizens_with_petitions(linked_citizen, linked_other_citizen, office):
    """Each citizen with two filed petitions, each petition with a receipt e-document."""
    petition_type = PetitionTypeFactory(handling_office=office)
    owned = {}
    for user in (linked_citizen, linked_other_citizen):
        petitions = [PetitionFactory(applicant=user, petition_type=petition_type) for _ in range(2)]
        documents = [issued_document(owner=user, office=office, case_ref=p.receipt_no) for p in petitions]
        owned[user.pk] = {"petitions": petitions, "documents": documents}
    return owned
