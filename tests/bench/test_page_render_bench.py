"""Milliseconds per request of the pages whose HTML is rendered by templates that loop over rows
or render forms: the officer queue (25 rows), the citizen's petitions (20 rows), the officer's
review page (four forms), and /stats/ (four SVG charts; figures cached).

A small timing loop through the test client (SQLite by default; a DATABASE_URL is honoured),
so the figures compare a change with the commit before it on the same machine, not with
production. Run with
``.venv/bin/python -m pytest -p no:cacheprovider -s -o addopts="" tests/bench/test_page_render_bench.py``.
``PAGE_BENCH_REQUESTS`` sets the requests per page (default 200).
"""

from __future__ import annotations

import datetime
import os
import statistics
import time

import pytest
from django.test import Client

from petitions.calendar import local_today
from portal.models import OfficeMembership
from tests.conftest import login_verified
from tests.factories import MembershipFactory, OfficialFactory
from tests.officer.factories import (
    LAND_VALUES,
    RESIDENT_VALUES,
    OfficerPetitionFactory,
    failed,
    fetched,
    land_item,
    resident_item,
)
from tests.petitions.factories import PetitionFactory
from tests.tracker.test_stats import example  # noqa: F401 (fixture: petitions over two months, four charts)

pytestmark = pytest.mark.django_db

REQUESTS = int(os.environ.get("PAGE_BENCH_REQUESTS", "200"))


def _ms_per_request(client: Client, url: str) -> tuple[float, float]:
    """Median CPU and wall-clock milliseconds of ``REQUESTS`` requests after 20 to warm up.

    CPU time of this process (the client, the view, the templates and SQLite all run in it) is
    what a change of the code moves; the wall clock also moves with whatever else the machine
    runs."""
    for _ in range(20):
        assert client.get(url).status_code == 200
    cpu, wall = [], []
    for _ in range(REQUESTS):
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        response = client.get(url)
        cpu.append((time.process_time() - cpu_start) * 1000)
        wall.append((time.perf_counter() - wall_start) * 1000)
        assert response.status_code == 200
    return statistics.median(cpu), statistics.median(wall)


def _report(name: str, figures: tuple[float, float]) -> None:
    print(f"\n{name}: {figures[0]:.2f} ms CPU, {figures[1]:.2f} ms wall clock per request (medians of {REQUESTS})")


@pytest.fixture
def queue(office, citizen, queued_renders):
    official = MembershipFactory(
        office=office, user=OfficialFactory(username="bench-supervisor"), role=OfficeMembership.Role.SUPERVISOR
    ).user
    items = {"resident": resident_item(), "land": land_item()}
    today = local_today()
    for index in range(25):
        petition = OfficerPetitionFactory(
            applicant=citizen,
            petition_type__handling_office=office,
            due_date=today + datetime.timedelta(days=index % 7 - 2),
            assigned_to=official if index % 3 == 0 else None,
        )
        fetched(petition, items["resident"], RESIDENT_VALUES)
        if index % 4 == 0:
            failed(petition, items["land"])
        else:
            fetched(petition, items["land"], LAND_VALUES, subject=LAND_VALUES["pnu"])
    return official, petition


def test_officer_queue(queue):
    official, _petition = queue
    _report("officer queue (/officer/)", _ms_per_request(login_verified(Client(), official), "/officer/"))


def test_officer_review_page(queue):
    official, petition = queue
    client = login_verified(Client(), official)
    _report("officer review page", _ms_per_request(client, f"/officer/petitions/{petition.receipt_no}/"))


def test_my_petitions(citizen, citizen_client, office):
    for index in range(20):
        PetitionFactory(
            applicant=citizen,
            petition_type__handling_office=office,
            submitted_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(days=index),
            due_date=datetime.date(2026, 2, 1),
        )
    _report("my petitions (/my/petitions/)", _ms_per_request(citizen_client, "/my/petitions/"))


def test_stats_page(example):  # noqa: F811
    _report("stats (/stats/)", _ms_per_request(Client(), "/stats/"))
