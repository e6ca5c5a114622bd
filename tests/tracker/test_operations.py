"""The operations view: every attempt becomes an exchange; per agency requests, errors, p50/p95
latency and circuit state over the last hour and day; administrators only, behind the second factor."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from sharing import circuit
from sharing.models import Agency, FetchRequest, InformationItem
from sharing.providers import ProviderResponse
from sharing.providers import errors as provider_errors
from sharing.tasks import fetch_item
from sharing.tracker import ops
from sharing.tracker.models import Exchange
from tests.conftest import login_verified
from tests.sharing.factories import FetchRequestFactory
from tests.tracker.factories import ExchangeFactory

URL = "/officer/ops/"


class ScriptedProvider:
    """Answers, fails or refuses as told, without a network."""

    def __init__(self, outcome):
        self.outcome = outcome

    def fetch(self, request):
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return ProviderResponse(
            txn_id=request.txn_id,
            item_code=request.item_code,
            agency_code=request.agency.code,
            fields=dict.fromkeys(request.fields, "x"),
        )


@pytest.fixture
def fetch(catalogue, office, monkeypatch):
    monkeypatch.setattr("sharing.tasks.enqueue_fetch", lambda *args, **kwargs: None)
    item = InformationItem.objects.get(code="resident_abstract")
    yield lambda: FetchRequestFactory(item=item, office=office, fields=["name"])
    circuit.reset(item.agency)


@pytest.mark.parametrize(
    ("outcome", "state", "recorded", "error_code"),
    [
        (None, FetchRequest.State.FETCHED, Exchange.Outcome.OK, ""),
        (provider_errors.AgencyTimeout("slow"), FetchRequest.State.RETRYING, Exchange.Outcome.ERROR, "timeout"),
        (
            provider_errors.Refused("no record", code="subject_not_found"),
            FetchRequest.State.REFUSED,
            Exchange.Outcome.REFUSED,
            "subject_not_found",
        ),
    ],
)
def test_every_attempt_becomes_one_exchange(
    fetch, outcome, state, recorded, error_code, monkeypatch, django_capture_on_commit_callbacks
):
    fetch_request = fetch()
    monkeypatch.setattr("sharing.services.default_registry", {"standard-http": ScriptedProvider(outcome)})
    monkeypatch.setattr("sharing.services.backoff_seconds", lambda agency, attempt: 60.0)  # no jitter to 0 s
    with django_capture_on_commit_callbacks(execute=True):  # recorded once the outcome is committed
        fetch_item.apply(args=[fetch_request.pk])
    fetch_request.refresh_from_db()
    assert fetch_request.state == state
    exchange = Exchange.objects.get()
    assert (exchange.agency_code, exchange.item_code, exchange.outcome, exchange.error_code) == (
        "mois",
        "resident_abstract",
        recorded,
        error_code,
    )
    assert exchange.latency_ms >= 0
    # A run that asks no agency (the fetch is done, or its retry is not due) records nothing.
    with django_capture_on_commit_callbacks(execute=True):
        fetch_item.apply(args=[fetch_request.pk])
    assert Exchange.objects.count() == 1


def test_percentiles_interpolate_like_postgresql():
    assert ops.percentile([], 0.5) is None
    assert ops.percentile([10], 0.95) == 10
    assert ops.percentile([10, 20, 30, 40], 0.5) == 25
    assert ops.percentile(list(range(1, 101)), 0.95) == pytest.approx(95.05)


def test_figures_per_agency_and_window(catalogue):
    now = timezone.now()
    for latency in (100, 200, 300, 400):
        ExchangeFactory(agency_code="mois", latency_ms=latency, finished_at=now - datetime.timedelta(minutes=5))
    ExchangeFactory(
        agency_code="mois",
        outcome=Exchange.Outcome.ERROR,
        error_code="timeout",
        latency_ms=5000,
        finished_at=now - datetime.timedelta(minutes=10),
    )
    ExchangeFactory(agency_code="mois", latency_ms=50, finished_at=now - datetime.timedelta(hours=3))
    ExchangeFactory(agency_code="mois", latency_ms=50, finished_at=now - datetime.timedelta(days=2))  # too old
    for _ in range(3):
        ExchangeFactory(agency_code="nts", outcome=Exchange.Outcome.ERROR, error_code="agency_error", latency_ms=20)
    rows = {row.agency.code: row for row in ops.agency_health(now=now)}
    mois = rows["mois"]
    assert (mois.windows["hour"].requests, mois.windows["hour"].errors) == (5, 1)
    assert mois.windows["hour"].p50_ms == 300 and mois.windows["hour"].p95_ms == pytest.approx(4080)
    assert (mois.windows["day"].requests, mois.windows["day"].p50_ms) == (6, 250)
    assert mois.status == "degraded"
    assert rows["nts"].status == "failing" and rows["nts"].windows["hour"].error_rate == 1.0
    assert rows["mma"].status == "ok" and rows["mma"].windows["hour"].requests == 0
    # Failing agencies first.
    assert ops.agency_health(now=now)[0].agency.code == "nts"


def test_an_open_circuit_shows_as_failing(catalogue):
    agency = Agency.objects.get(code="molit")
    for _ in range(agency.circuit_failure_threshold):
        circuit.record_failure(agency)
    try:
        row = next(row for row in ops.agency_health() if row.agency.code == "molit")
        assert row.circuit == "open" and row.status == "failing"
    finally:
        circuit.reset(agency)


def test_the_page_is_for_verified_administrators_only(
    catalogue, administrator, official_client, django_assert_max_num_queries
):
    ExchangeFactory(agency_code="mois", latency_ms=120)
    client = login_verified(Client(), administrator)
    with django_assert_max_num_queries(12):
        response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-agency="mois"' in html and "120" in html and "style=" not in html
    assert official_client.get(URL).status_code == 404
    unverified = Client()
    unverified.force_login(administrator, backend="django.contrib.auth.backends.ModelBackend")
    assert unverified.get(URL).status_code == 302
    assert Client().get(URL).status_code == 302
