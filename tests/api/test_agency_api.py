"""A using agency's system with a client-credentials token: look-ups under the agency's
approved uses with the look-up page's checks and access-log entries; the schema, exercised by
schemathesis with such a token."""

from __future__ import annotations

import base64
import secrets
import uuid

import pytest
from django.test import Client
from oauth2_provider.models import Application

from petitions.api.models import AgencyClient
from sharing import crypto
from sharing.hub.models import Lookup
from sharing.models import AccessLogEntry
from tests.api.helpers import bearer, citizen_app, token_for
from tests.api.schema_runner import api_schema, exercise
from tests.factories import CITIZEN1


def _machine(name: str = "Jongno parking system") -> tuple[Application, str]:
    secret = secrets.token_urlsafe(32)
    application = Application.objects.create(
        name=name,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret=secret,
    )
    return application, secret


def _client_credentials_token(application: Application, secret: str, scope: str | None = "lookups") -> str:
    basic = base64.b64encode(f"{application.client_id}:{secret}".encode()).decode()
    data = {"grant_type": "client_credentials"}
    if scope is not None:
        data["scope"] = scope
    answer = Client().post("/oauth/token/", data, HTTP_AUTHORIZATION=f"Basic {basic}")
    assert answer.status_code == 200, answer.content
    return answer.json()["access_token"]


@pytest.fixture
def agency_system(lookup_office, lookup_official):
    application, secret = _machine()
    AgencyClient.objects.create(application=application, office=lookup_office, official=lookup_official)
    return application, secret


@pytest.fixture
def agency_token(agency_system):
    return _client_credentials_token(*agency_system)


def test_the_system_lists_its_uses_and_looks_a_person_up(client, agency_token, parking_use, agency_answers):
    uses = client.get("/api/v1/agency/uses/", **bearer(agency_token))
    assert uses.status_code == 200
    assert [row["affair_code"] for row in uses.json()] == ["LOCAL-PARKING-01"]

    answer = client.post(
        "/api/v1/agency/lookups/",
        {"use": str(parking_use.public_id), "subject": CITIZEN1.rrn, "reason": "우선주차 신청 거주 확인"},
        content_type="application/json",
        **bearer(agency_token),
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["state"] == "fetched"
    assert {f["key"] for f in body["fields"]} == {"name", "address", "move_in_date", "address_history"}
    lookup = Lookup.objects.get()
    assert lookup.official.username == "lookup-official"
    # The page's entries: the look-up and the read of its answer, in the person's log.
    entries = AccessLogEntry.objects.filter(subject_hash=crypto.subject_hash(CITIZEN1.rrn))
    assert {e.action for e in entries} == {"looked_up", "fetched", "viewed"}
    assert all(e.affair_code == "LOCAL-PARKING-01" for e in entries if e.action == "looked_up")

    again = client.get(f"/api/v1/agency/lookups/{lookup.public_id}/", **bearer(agency_token))
    assert again.status_code == 200 and again.json()["reference"] == lookup.reference


def test_the_look_up_pages_checks_apply(client, agency_token, parking_use, consent_use, agency_answers):
    def post(**body):
        return client.post("/api/v1/agency/lookups/", body, content_type="application/json", **bearer(agency_token))

    no_reason = post(use=str(parking_use.public_id), subject=CITIZEN1.rrn, reason="")
    assert no_reason.status_code == 400 and no_reason["Content-Type"] == "application/problem+json"
    bad_subject = post(use=str(parking_use.public_id), subject="not a number", reason="확인")
    assert bad_subject.status_code == 400
    no_consent = post(use=str(consent_use.public_id), subject=CITIZEN1.rrn, reason="확인", consent_basis="online")
    assert no_consent.status_code == 400 and "동의" in no_consent.json()["detail"]
    unknown_use = post(use=str(uuid.uuid4()), subject=CITIZEN1.rrn, reason="확인")
    assert unknown_use.status_code == 404
    assert not Lookup.objects.exists()


def test_another_agencys_use_and_look_ups_are_out_of_reach(
    client, agency_token, other_agency_setup, parking_use, agency_answers
):
    answer = client.post(
        "/api/v1/agency/lookups/",
        {"use": str(other_agency_setup["use"].public_id), "subject": CITIZEN1.rrn, "reason": "확인"},
        content_type="application/json",
        **bearer(agency_token),
    )
    assert answer.status_code == 404
    from sharing.hub import services_lookups

    theirs = services_lookups.lookup_create(
        official=other_agency_setup["official"],
        office=other_agency_setup["office"],
        use=other_agency_setup["use"],
        subject=CITIZEN1.rrn,
        reason="세무 확인",
    )
    assert client.get(f"/api/v1/agency/lookups/{theirs.public_id}/", **bearer(agency_token)).status_code == 404


def test_tokens_without_the_scope_or_binding_are_refused(client, agency_system, linked_citizen, parking_use):
    application, secret = agency_system
    unbound, unbound_secret = _machine("Unbound system")
    citizen_token = token_for(linked_citizen, citizen_app(), "petitions.read")
    no_scope = token_for(None, application, "")
    for url in ("/api/v1/agency/uses/", f"/api/v1/agency/lookups/{uuid.uuid4()}/"):
        assert client.get(url).status_code == 401
        assert client.get(url, **bearer(no_scope)).status_code == 403
        assert client.get(url, **bearer(citizen_token)).status_code == 403
        assert client.get(url, **bearer(token_for(None, unbound, "lookups"))).status_code == 403
    # The token endpoint gives an agency's system only the look-up scope, a citizen's app nothing
    # of it: asking for a citizen scope is refused.
    basic = base64.b64encode(f"{application.client_id}:{secret}".encode()).decode()
    refused = Client().post(
        "/oauth/token/",
        {"grant_type": "client_credentials", "scope": "petitions.read"},
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    assert refused.status_code == 400


def test_an_official_who_left_the_office_stops_the_system(client, agency_token, lookup_official, parking_use):
    lookup_official.memberships.all().delete()
    assert client.get("/api/v1/agency/uses/", **bearer(agency_token)).status_code == 403


def test_the_api_answers_as_its_schema_says_with_a_client_credentials_token(
    agency_token, parking_use, consent_use, agency_answers, demo_types
):
    uses = [str(parking_use.public_id), str(consent_use.public_id)]

    def prepare(case):
        # Half the look-ups name a real use and a real person, so the answered path is exercised.
        if case.operation.path == "/api/v1/agency/lookups/" and isinstance(case.body, dict):
            digest = int.from_bytes(repr(case.body).encode()[:8].ljust(8, b"\0"), "big")
            if digest % 2 == 0:
                case.body["use"] = uses[digest % 4 // 2]
                case.body["subject"] = CITIZEN1.rrn

    seen = exercise(
        api_schema(),
        paths=["/api/v1/"],
        headers={"Authorization": f"Bearer {agency_token}"},
        max_examples=20,
        prepare=prepare,
    )
    assert 200 in seen["/api/v1/agency/uses/"], seen
    assert {201, 400} <= seen["/api/v1/agency/lookups/"], seen
    assert seen["/api/v1/me/petitions/"] == {403}, seen
