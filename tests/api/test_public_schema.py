"""The public part of the API against its own schema (schemathesis), with the demo catalogue."""

from __future__ import annotations

import pytest

from tests.api.schema_runner import api_schema, exercise


@pytest.fixture
def generous_rates(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anonymous": "100000/minute", "client": "100000/minute"},
    }


def test_the_public_api_answers_as_its_schema_says(demo_types, generous_rates):
    seen = exercise(api_schema(), paths=["/api/v1/catalogue/", "/api/v1/stats/", "/api/v1/documents/verify/"])
    assert 200 in seen["/api/v1/catalogue/types/"], seen
    assert 200 in seen["/api/v1/stats/"], seen
    assert {400, 404} & seen["/api/v1/documents/verify/{code}/"], seen
