"""The stand-alone sandbox service (sharing.sandbox.service_settings): the same machine endpoints
at the same paths as the mounted sandbox, and nothing of the portal."""

import pytest
from django.test import Client, override_settings

from sharing.sandbox import service_settings

from .helpers import open_answer, payload, sign

pytestmark = pytest.mark.usefixtures("sandbox_agencies")


@pytest.fixture
def service():
    with override_settings(ROOT_URLCONF=service_settings.ROOT_URLCONF, MIDDLEWARE=service_settings.MIDDLEWARE):
        yield Client()


def test_the_service_answers_the_standard_connection_at_the_mounted_paths(service, sandbox_agencies):
    body = payload(subject={"kind": "person", "id": sandbox_agencies.people[0]["rrn"]})
    token = sign(body)
    response = service.post("/sandbox/agencies/mois/items/resident_abstract/", token, content_type="application/jose")
    assert response.status_code == 200, response.content
    answer = open_answer(response.content.decode(), "mois")
    assert answer["txn_id"] == body["txn_id"] and list(answer["fields"]) == body["fields"]
    replay = service.post("/sandbox/agencies/mois/items/resident_abstract/", token, content_type="application/jose")
    assert (replay.status_code, replay.json()["error"]) == (409, "replayed_txn")


def test_the_service_serves_keys_the_openapi_document_and_its_health(service):
    assert service.get("/sandbox/agencies/mois/jwks.json").json()["keys"]
    assert service.get("/sandbox/openapi.json").json()["openapi"].startswith("3.")
    assert service.get("/sandbox/agencies/mois/").json()["agency"] == "mois"
    assert service.get("/healthz").status_code == 200


def test_the_service_has_no_portal_pages(service):
    for path in ("/sandbox/", "/", "/login/", "/admin/", "/officer/"):
        response = service.get(path)
        assert (response.status_code, response.json()["error"]) == (404, "not_found"), path


def test_the_service_settings_keep_the_sandbox_installed_without_the_portal_middleware():
    assert "sharing.sandbox.apps.SandboxConfig" in service_settings.INSTALLED_APPS
    assert service_settings.SANDBOX_AGENCIES_ENABLED is True
    assert not any("session" in name or "csrf" in name or "otp" in name for name in service_settings.MIDDLEWARE)
