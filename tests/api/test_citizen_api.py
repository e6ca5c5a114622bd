"""The apps a citizen authorises: the consent screen (PKCE required), the scopes, another
citizen's data never readable on any endpoint the schema lists, revocation at once, and the
access-log entry of every read."""

from __future__ import annotations

import re
import uuid

import pytest
from django.test import Client
from oauth2_provider.models import AccessToken, Application

from sharing.models import AccessLogEntry
from sharing.tracker.selectors import citizen_subject_hash
from tests.api.helpers import authorise, authorize_url, bearer, citizen_app, pkce_pair, token_for

ALL_CITIZEN_SCOPES = "petitions.read documents.read access-log.read"


def _citizen_operations(client) -> list[tuple[str, list[str]]]:
    """Every GET under /api/v1/me/ in the schema, with the scopes it requires."""
    schema = client.get("/api/v1/schema/?format=json").json()
    found = []
    for path, item in schema["paths"].items():
        if path.startswith("/api/v1/me/") and "get" in item:
            requirements = item["get"].get("security", [])
            scopes = [scope for requirement in requirements for scope in requirement.get("oauth2", [])]
            found.append((path, scopes))
    return found


def _fill(path: str, *, receipt_no: str, document_id) -> str:
    return path.replace("{receipt_no}", receipt_no).replace("{public_id}", str(document_id))


def test_the_schema_lists_the_citizen_endpoints_with_their_scopes(client):
    operations = dict(_citizen_operations(client))
    assert set(operations) == {
        "/api/v1/me/petitions/",
        "/api/v1/me/petitions/{receipt_no}/",
        "/api/v1/me/petitions/{receipt_no}/status/",
        "/api/v1/me/documents/",
        "/api/v1/me/documents/{public_id}/",
        "/api/v1/me/documents/{public_id}/file/",
        "/api/v1/me/access-log/",
    }
    assert all(scopes for scopes in operations.values()), operations


def test_the_citizen_authorises_with_pkce_and_the_app_reads_their_petitions(
    linked_citizen, two_citizens_with_petitions
):
    app = citizen_app()
    browser = Client()
    browser.force_login(linked_citizen, backend="django.contrib.auth.backends.ModelBackend")
    page = browser.get(authorize_url(app, scope="petitions.read", challenge=pkce_pair()[1]))
    assert "내 민원과 각 민원의 처리 상태 보기" in page.content.decode()

    token = authorise(browser, app, scope="petitions.read")
    api = Client()
    answer = api.get("/api/v1/me/petitions/", **bearer(token))
    assert answer.status_code == 200
    mine = {p.receipt_no for p in two_citizens_with_petitions[linked_citizen.pk]["petitions"]}
    assert {row["receipt_no"] for row in answer.json()["results"]} == mine

    entry = AccessLogEntry.objects.order_by("-sequence").first()
    assert entry.subject_hash == citizen_subject_hash(linked_citizen)
    assert entry.purpose == "open_api" and entry.item_code == "api_petitions"
    assert app.client_id in entry.detail


def test_an_authorization_request_without_pkce_is_refused(linked_citizen):
    app = citizen_app()
    browser = Client()
    browser.force_login(linked_citizen, backend="django.contrib.auth.backends.ModelBackend")
    answer = browser.get(authorize_url(app, scope="petitions.read", challenge=None))
    # The toolkit sends the error back to the app's registered address, never a code.
    assert answer.status_code in (302, 400)
    if answer.status_code == 302:
        assert "error=" in answer["Location"] and "code=" not in answer["Location"]


def test_officials_cannot_authorise_apps(official_client):
    app = citizen_app()
    answer = official_client.get(authorize_url(app, scope="petitions.read", challenge=pkce_pair()[1]))
    assert answer.status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in_first(client, db):
    app = citizen_app()
    answer = client.get(authorize_url(app, scope="petitions.read", challenge=pkce_pair()[1]))
    assert answer.status_code == 302 and "/account/login/" in answer["Location"]


def test_a_token_without_the_scope_is_refused_on_every_citizen_endpoint(
    client, linked_citizen, two_citizens_with_petitions
):
    app = citizen_app()
    own = two_citizens_with_petitions[linked_citizen.pk]
    for path, scopes in _citizen_operations(client):
        url = _fill(path, receipt_no=own["petitions"][0].receipt_no, document_id=own["documents"][0].public_id)
        other_scopes = " ".join(scope for scope in ALL_CITIZEN_SCOPES.split() if scope not in scopes)
        for scope in ("", other_scopes):
            answer = client.get(url, **bearer(token_for(linked_citizen, app, scope)))
            assert answer.status_code == 403, (url, scope, answer.status_code)
            assert answer["Content-Type"] == "application/problem+json"
        granted = client.get(url, **bearer(token_for(linked_citizen, app, " ".join(scopes))))
        assert granted.status_code == 200, (url, granted.content)


def test_no_token_or_an_unknown_token_is_refused(client, two_citizens_with_petitions):
    for path, _scopes in _citizen_operations(client):
        url = _fill(path, receipt_no="2026-0000001", document_id=uuid.uuid4())
        assert client.get(url).status_code == 401, url
        assert client.get(url, HTTP_AUTHORIZATION="Bearer not-a-token").status_code == 401, url


def test_a_citizens_token_never_reads_another_citizens_data(
    client, linked_citizen, linked_other_citizen, two_citizens_with_petitions
):
    """Every endpoint of the schema under /me/: the other citizen's receipt numbers and
    document ids answer 404, and no list holds anything of theirs."""
    token = token_for(linked_citizen, citizen_app(), ALL_CITIZEN_SCOPES)
    theirs = two_citizens_with_petitions[linked_other_citizen.pk]
    their_refs = {p.receipt_no for p in theirs["petitions"]}
    their_ids = {str(d.public_id) for d in theirs["documents"]}
    for path, _scopes in _citizen_operations(client):
        if "{" in path:
            for petition, document in zip(theirs["petitions"], theirs["documents"], strict=True):
                url = _fill(path, receipt_no=petition.receipt_no, document_id=document.public_id)
                answer = client.get(url, **bearer(token))
                assert answer.status_code == 404, (url, answer.status_code)
        else:
            answer = client.get(path, **bearer(token))
            assert answer.status_code == 200, path
            text = answer.content.decode()
            leaked = {ref for ref in their_refs if ref in text} | {i for i in their_ids if i in text}
            assert not leaked, (path, leaked)
            assert linked_other_citizen.display_name not in text


def test_the_access_log_lists_only_the_citizens_own_entries(client, linked_citizen, linked_other_citizen):
    app = citizen_app()
    client.get("/api/v1/me/petitions/", **bearer(token_for(linked_citizen, app, "petitions.read")))
    client.get("/api/v1/me/petitions/", **bearer(token_for(linked_other_citizen, app, "petitions.read")))
    answer = client.get("/api/v1/me/access-log/", **bearer(token_for(linked_citizen, app, "access-log.read")))
    rows = answer.json()["results"]
    entries = AccessLogEntry.objects.filter(subject_hash=citizen_subject_hash(linked_citizen))
    own = set(entries.values_list("sequence", flat=True))
    assert rows and {row["sequence"] for row in rows} <= own
    assert rows[0]["purpose"] and rows[0]["item"]


def test_a_revoked_authorisation_stops_the_next_call(linked_citizen, two_citizens_with_petitions):
    app = citizen_app()
    browser = Client()
    browser.force_login(linked_citizen, backend="django.contrib.auth.backends.ModelBackend")
    token = authorise(browser, app, scope="petitions.read")
    api = Client()
    assert api.get("/api/v1/me/petitions/", **bearer(token)).status_code == 200

    listed = browser.get("/my/apps/")
    assert app.name in listed.content.decode()
    revoked = browser.post(f"/my/apps/{app.pk}/revoke/")
    assert revoked.status_code == 302

    answer = api.get("/api/v1/me/petitions/", **bearer(token))
    assert answer.status_code == 401
    assert answer["Content-Type"] == "application/problem+json"
    assert app.name in browser.get("/my/apps/").content.decode()  # the message that says it is done
    assert app.name not in browser.get("/my/apps/").content.decode()
    assert not AccessToken.objects.filter(user=linked_citizen, application=app).exists()


def test_a_citizen_cannot_revoke_or_see_anothers_apps(linked_citizen, linked_other_citizen):
    app = citizen_app()
    token = token_for(linked_other_citizen, app, "petitions.read")
    browser = Client()
    browser.force_login(linked_citizen, backend="django.contrib.auth.backends.ModelBackend")
    assert app.name not in browser.get("/my/apps/").content.decode()
    assert browser.post(f"/my/apps/{app.pk}/revoke/").status_code == 404
    assert AccessToken.objects.filter(pk=token.pk).exists()


@pytest.mark.parametrize("url", ["/my/apps/"])
def test_the_apps_page_is_for_citizens(url, client, official_client):
    assert client.get(url).status_code == 302
    assert official_client.get(url).status_code == 404


def test_a_machines_token_reads_no_citizen_data(client, two_citizens_with_petitions):
    machine = Application.objects.create(
        name="Agency system",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
    )
    token = token_for(None, machine, ALL_CITIZEN_SCOPES)
    for path, _scopes in _citizen_operations(client):
        if "{" not in path:
            assert client.get(path, **bearer(token)).status_code == 403, path


def test_list_queries_do_not_grow_with_rows(
    client, linked_citizen, two_citizens_with_petitions, django_assert_max_num_queries, office
):
    from tests.documents.factories import issued_document
    from tests.petitions.factories import PetitionFactory

    token = token_for(linked_citizen, citizen_app(), ALL_CITIZEN_SCOPES)
    paths = ["/api/v1/me/petitions/", "/api/v1/me/documents/", "/api/v1/me/access-log/"]
    counts = {}
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for path in paths:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path, **bearer(token)).status_code == 200
        counts[path] = len(queries)
    petition_type = two_citizens_with_petitions[linked_citizen.pk]["petitions"][0].petition_type
    for _ in range(6):
        petition = PetitionFactory(applicant=linked_citizen, petition_type=petition_type)
        issued_document(owner=linked_citizen, office=office, case_ref=petition.receipt_no)
    for path in paths:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path, **bearer(token)).status_code == 200
        assert len(queries) <= counts[path], (path, counts[path], [q["sql"] for q in queries.captured_queries])


def test_problem_details_speak_the_requests_language(client, db):
    answer = client.get("/api/v1/me/petitions/", HTTP_ACCEPT_LANGUAGE="ko")
    body = answer.json()
    assert answer.status_code == 401 and body["status"] == 401
    assert re.search("[가-힣]", body["title"]) and re.search("[가-힣]", body["detail"])
    english = client.get("/api/v1/me/petitions/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["title"] == "Authentication needed"


def test_the_citizen_endpoints_answer_as_the_schema_says(linked_citizen, two_citizens_with_petitions):
    from tests.api.schema_runner import api_schema, exercise

    token = token_for(linked_citizen, citizen_app(), ALL_CITIZEN_SCOPES)
    own = two_citizens_with_petitions[linked_citizen.pk]

    def prepare(case):
        # Half the cases name the citizen's own petition or document, so the answers are exercised.
        parameters = case.path_parameters or {}
        if "receipt_no" in parameters and len(str(parameters["receipt_no"])) % 2 == 0:
            parameters["receipt_no"] = own["petitions"][0].receipt_no
        if "public_id" in parameters and str(parameters["public_id"])[-1] in "02468ace":
            parameters["public_id"] = str(own["documents"][0].public_id)

    seen = exercise(
        api_schema(), paths=["/api/v1/me/"], headers={"Authorization": f"Bearer {token.token}"}, prepare=prepare
    )
    assert 200 in seen["/api/v1/me/petitions/{receipt_no}/status/"], seen
    assert 200 in seen["/api/v1/me/documents/{public_id}/file/"], seen


def test_repeated_reads_by_one_app_are_one_entry_within_the_window(
    client, settings, linked_citizen, two_citizens_with_petitions
):
    receipt_no = two_citizens_with_petitions[linked_citizen.pk]["petitions"][0].receipt_no
    url = f"/api/v1/me/petitions/{receipt_no}/status/"
    app = citizen_app()
    entries = AccessLogEntry.objects.filter(subject_hash=citizen_subject_hash(linked_citizen), purpose="open_api")
    for _ in range(3):
        assert client.get(url, **bearer(token_for(linked_citizen, app, "petitions.read"))).status_code == 200
    assert entries.count() == 1 and entries.get().case_ref == receipt_no
    # Another app's read is its own entry.
    client.get(url, **bearer(token_for(linked_citizen, citizen_app("Other app"), "petitions.read")))
    assert entries.count() == 2
    settings.API_READ_LOG_COALESCE_SECONDS = 0
    client.get(url, **bearer(token_for(linked_citizen, app, "petitions.read")))
    client.get(url, **bearer(token_for(linked_citizen, app, "petitions.read")))
    assert entries.count() == 4
