import pytest

from sharing import circuit
from tests.sharing.factories import AgencyFactory, ItemFieldFactory
from tests.sharing.fake_agency import FakeAgency


@pytest.fixture
def fake_agency():
    agency = FakeAgency().start()
    yield agency
    agency.stop()


@pytest.fixture
def agency(db, fake_agency):
    agency = AgencyFactory(
        code="fake", base_url=fake_agency.base_url, public_jwks=fake_agency.public_jwks(), timeout_seconds=1.0
    )
    yield agency
    circuit.reset(agency)


@pytest.fixture
def item(agency):
    for order, (key, sensitivity) in enumerate(
        [("name", "personal"), ("rrn", "unique_id"), ("address", "personal"), ("move_in_date", "personal")]
    ):
        field = ItemFieldFactory(
            item__code="resident_abstract", item__agency=agency, key=key, sensitivity=sensitivity, order=order
        )
    return field.item


@pytest.fixture
def queued(monkeypatch):
    """Records the attempts the services queue instead of sending them to Celery."""
    calls: list[tuple[int, str, float]] = []

    def record(fetch_request_id, agency_code, *, countdown=0.0):
        calls.append((fetch_request_id, agency_code, countdown))

    monkeypatch.setattr("sharing.tasks.enqueue_fetch", record)
    return calls
