"""The open API's demo clients (seed_demo's step): registered once, usable as printed."""

from __future__ import annotations

import base64
import io

import pytest
from django.test import Client
from oauth2_provider.models import Application

from petitions.api import demo
from petitions.api.models import AgencyClient
from sharing.submissions.models import Recipient, RecipientStaff
from tests.factories import MembershipFactory, OfficeFactory, OfficialFactory
from tests.hub.factories import UsingAgencyFactory

pytestmark = pytest.mark.django_db


def test_the_demo_clients_are_seeded_once_and_work_as_printed():
    agency = UsingAgencyFactory(code="seoul-jongno")
    office = OfficeFactory(code=demo.AGENCY_OFFICE, using_agency=agency)
    official = OfficialFactory(username=demo.AGENCY_OFFICIAL)
    MembershipFactory(office=office, user=official)
    recipient = Recipient.objects.create(
        code="agency-seoul-jongno",
        name_ko="종로구",
        name_en="Jongno",
        kind=Recipient.Kind.USING_AGENCY,
        using_agency=agency,
    )
    out = io.StringIO()
    demo.seed(stdout=out)
    demo.seed(stdout=out)
    assert Application.objects.count() == 2 and AgencyClient.objects.count() == 1
    assert RecipientStaff.objects.filter(recipient=recipient, user=official).count() == 1
    app = Application.objects.get(client_id=demo.SANDBOX_APP_CLIENT_ID)
    assert app.client_type == Application.CLIENT_PUBLIC
    assert app.authorization_grant_type == Application.GRANT_AUTHORIZATION_CODE
    assert demo.AGENCY_CLIENT_SECRET in out.getvalue()

    basic = base64.b64encode(f"{demo.AGENCY_CLIENT_ID}:{demo.AGENCY_CLIENT_SECRET}".encode()).decode()
    token = Client().post("/oauth/token/", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=f"Basic {basic}")
    assert token.status_code == 200 and set(token.json()["scope"].split()) == {"lookups", "inbox"}
    inbox = Client().get("/api/v1/agency/inbox/", HTTP_AUTHORIZATION=f"Bearer {token.json()['access_token']}")
    assert inbox.status_code == 200 and inbox.json()["count"] == 0
