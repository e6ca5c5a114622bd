"""Benchmark: loading the sandbox registers into PostgreSQL (run by `make bench`).

Prints residents per second for 100,000 residents (with their households, buildings,
parcels, address history, relations, vehicles, taxes, refunds, insurance, military
records, businesses and income). The target is well over 10,000 residents per second.
"""

import time

import pytest
from django.db import connection

from sharing.sandbox import loader, models
from sharing.sandbox.demo import DEMO_OVERRIDES

RESIDENTS = 100_000


@pytest.mark.django_db(transaction=True)
def test_sandbox_seed_residents_per_second():
    if connection.vendor != "postgresql":
        pytest.skip("The sandbox seed benchmark measures PostgreSQL: set DATABASE_URL=postgres://...")
    started = time.perf_counter()
    added = loader.registers_load(residents=RESIDENTS, demo=DEMO_OVERRIDES)
    elapsed = time.perf_counter() - started
    rows = sum(model.objects.count() for model in loader.MODELS.values())
    print(
        f"\nsandbox seed: {added:,} residents ({rows:,} register rows) into PostgreSQL in {elapsed:.2f} s "
        f"= {added / elapsed:,.0f} residents/s ({rows / elapsed:,.0f} rows/s)"
    )
    assert added == RESIDENTS
    assert models.Resident.objects.count() == RESIDENTS
