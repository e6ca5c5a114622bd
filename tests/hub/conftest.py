import pytest

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


@pytest.fixture(autouse=True)
def _no_cached_use_snapshots():
    """Each test starts without cached use snapshots (sharing.hub.selectors.use_for_fetch): on
    SQLite a new use may take the id of another test's, and its snapshot would be read."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
