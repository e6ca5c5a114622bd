from tests.hub.lookup_fixtures import (  # noqa: F401 (fixtures of the look-up tests)
    agency_answers,
    consent_use,
    lookup_client,
    lookup_office,
    lookup_official,
    other_agency_setup,
    parking_use,
    resident_item,
    using_agency,
)
