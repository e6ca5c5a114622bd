"""A using agency's system reads the inbox of e-documents citizens submitted to the agency, with
a client-credentials token and the ``inbox`` scope: through the inbox page's selectors and
services (the same refusals, the same access-log entries, which the citizen reads), never
another agency's submissions."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from petitions.api.models import AgencyClient
from sharing.crypto import subject_hash
from sharing.models import AccessLogEntry
from sharing.submissions import services as submission_services
from sharing.submissions.models import Recipient, RecipientStaff, Submission
from tests.api.helpers import bearer, citizen_app, token_for
from tests.api.schema_runner import api_schema, exercise
from tests.api.test_agency_api import _client_credentials_token, _machine
from tests.documents.factories import issued_document
from tests.factories import CITIZEN1
from tests.submissions.helpers import make_submission


@pytest.fixture(autouse=True)
def _isolation(isolated_media):
    """Each test's files in its own folder (the cache is cleared for every test by tests/conftest.py)."""


def _recipient_of(agency, official) -> Recipient:
    recipient = Recipient.objects.create(
        code=f"agency-{agency.code}",
        name_ko=agency.name_ko,
        name_en=agency.name_en,
        kind=Recipient.Kind.USING_AGENCY,
        using_agency=agency,
    )
    RecipientStaff.objects.create(recipient=recipient, user=official)
    return recipient


@pytest.fixture
def jongno_recipient(using_agency, lookup_official):
    return _recipient_of(using_agency, lookup_official)


@pytest.fixture
def inbox_system(lookup_office, lookup_official, jongno_recipient):
    application, secret = _machine("Jongno document desk")
    AgencyClient.objects.create(application=application, office=lookup_office, official=lookup_official)
    return application, secret


@pytest.fixture
def inbox_token(inbox_system):
    return _client_credentials_token(*inbox_system, scope="inbox")


@pytest.fixture
def other_inbox_token(other_agency_setup):
    """A system of another using agency, with its own recipient and inbox."""
    _recipient_of(other_agency_setup["agency"], other_agency_setup["official"])
    application, secret = _machine("Haeundae document desk")
    AgencyClient.objects.create(
        application=application, office=other_agency_setup["office"], official=other_agency_setup["official"]
    )
    return _client_credentials_token(application, secret, scope="inbox")


@pytest.fixture
def citizen_document(linked_citizen, office):
    return issued_document(
        owner=linked_citizen, office=office, case_ref="2026-0000601", subject_hash=subject_hash(CITIZEN1.rrn)
    )


def test_the_system_lists_its_inbox_retrieves_and_the_citizen_reads_the_log(
    client, inbox_token, jongno_recipient, citizen_document, linked_citizen, lookup_official
):
    submission = make_submission(document=citizen_document, recipient=jongno_recipient, purpose="주차 신청 서류")

    listed = client.get("/api/v1/agency/inbox/", **bearer(inbox_token))
    assert listed.status_code == 200, listed.content
    assert [row["id"] for row in listed.json()["results"]] == [str(submission.public_id)]
    assert listed.json()["results"][0]["purpose"] == "주차 신청 서류"
    # Listing is not a retrieval (as on the page).
    assert not AccessLogEntry.objects.filter(purpose=submission_services.LOG_PURPOSE).exists()

    detail = client.get(f"/api/v1/agency/inbox/{submission.public_id}/", **bearer(inbox_token))
    assert detail.status_code == 200, detail.content
    body = detail.json()
    assert body["status"] == "retrieved" and body["retrieval_count"] == 1
    assert body["verification"]["ok"] is True and body["verification"]["identical"] is True
    assert body["document"]["verification_code"] == citizen_document.display_code

    download = client.get(f"/api/v1/agency/inbox/{submission.public_id}/file/", **bearer(inbox_token))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")

    submission.refresh_from_db()
    assert submission.retrieved_by == lookup_official and submission.retrieval_count == 2
    entries = AccessLogEntry.objects.filter(purpose=submission_services.LOG_PURPOSE).order_by("sequence")
    assert [e.action for e in entries] == ["viewed", "downloaded"]
    assert all(e.subject_hash == subject_hash(CITIZEN1.rrn) for e in entries)
    assert all(str(submission.public_id) in e.detail for e in entries)

    # The citizen sees both retrievals in their own log (here through an app they authorised).
    app_token = token_for(linked_citizen, citizen_app(), "access-log.read")
    log = client.get("/api/v1/me/access-log/", **bearer(app_token))
    assert log.status_code == 200
    actions = [row["action"] for row in log.json()["results"] if row["who"] == entries[0].actor_label]
    assert {"viewed", "downloaded"} <= set(actions)


def test_the_inbox_list_costs_the_same_queries_however_many_rows(
    client, inbox_token, jongno_recipient, citizen_document
):
    make_submission(document=citizen_document, recipient=jongno_recipient)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/api/v1/agency/inbox/", **bearer(inbox_token)).status_code == 200
    for _ in range(6):
        make_submission(document=citizen_document, recipient=jongno_recipient)
    with CaptureQueriesContext(connection) as seven:
        answer = client.get("/api/v1/agency/inbox/", **bearer(inbox_token))
    assert answer.json()["count"] == 7
    assert len(seven) == len(one), [q["sql"] for q in seven.captured_queries]


def test_withdrawn_and_expired_submissions_are_gone(client, inbox_token, jongno_recipient, citizen_document):
    withdrawn = make_submission(document=citizen_document, recipient=jongno_recipient)
    submission_services.submission_withdraw(submission=withdrawn, actor=citizen_document.owner)
    expired = make_submission(
        document=citizen_document, recipient=jongno_recipient, days=1, now=timezone.now() - datetime.timedelta(days=2)
    )
    listed = client.get("/api/v1/agency/inbox/", **bearer(inbox_token))
    assert listed.json()["results"] == []
    for submission, word in ((withdrawn, "철회"), (expired, "기한")):
        for suffix in ("", "file/"):
            answer = client.get(f"/api/v1/agency/inbox/{submission.public_id}/{suffix}", **bearer(inbox_token))
            assert answer.status_code == 410, answer.content
            assert answer["Content-Type"] == "application/problem+json"
            assert word in answer.json()["detail"]
    assert not AccessLogEntry.objects.filter(purpose=submission_services.LOG_PURPOSE).exists()
    assert set(Submission.objects.values_list("retrieval_count", flat=True)) == {0}


def test_another_agencys_system_never_reads_the_inbox(
    client, inbox_token, other_inbox_token, jongno_recipient, citizen_document
):
    submission = make_submission(document=citizen_document, recipient=jongno_recipient)
    schema = client.get("/api/v1/schema/?format=json").json()
    paths = [p for p, item in schema["paths"].items() if p.startswith("/api/v1/agency/inbox/") and "get" in item]
    assert set(paths) == {
        "/api/v1/agency/inbox/",
        "/api/v1/agency/inbox/{public_id}/",
        "/api/v1/agency/inbox/{public_id}/file/",
    }
    for path in paths:
        url = path.replace("{public_id}", str(submission.public_id))
        answer = client.get(url, **bearer(other_inbox_token))
        if "{public_id}" in path:
            assert answer.status_code == 404, (path, answer.content)
            assert answer["Content-Type"] == "application/problem+json"
        else:
            assert answer.status_code == 200 and answer.json()["results"] == []
        # An unknown id is the same 404 for the agency's own system.
        unknown = path.replace("{public_id}", str(uuid.uuid4()))
        if unknown != path:
            assert client.get(unknown, **bearer(inbox_token)).status_code == 404
    assert Submission.objects.get().retrieval_count == 0
    assert not AccessLogEntry.objects.filter(purpose=submission_services.LOG_PURPOSE).exists()


def test_tokens_without_the_scope_staff_or_binding_are_refused(
    client, inbox_system, jongno_recipient, linked_citizen, lookup_official, citizen_document
):
    submission = make_submission(document=citizen_document, recipient=jongno_recipient)
    application, _secret = inbox_system
    unbound, _ = _machine("Unbound system")
    urls = [
        "/api/v1/agency/inbox/",
        f"/api/v1/agency/inbox/{submission.public_id}/",
        f"/api/v1/agency/inbox/{submission.public_id}/file/",
    ]
    for url in urls:
        assert client.get(url).status_code == 401
        assert client.get(url, **bearer(token_for(None, application, "lookups"))).status_code == 403
        assert client.get(url, **bearer(token_for(linked_citizen, citizen_app(), "documents.read"))).status_code == 403
        assert client.get(url, **bearer(token_for(None, unbound, "inbox"))).status_code == 403
    # The answerable official no longer on the recipient's staff: the system stops too.
    RecipientStaff.objects.filter(user=lookup_official).delete()
    token = token_for(None, application, "inbox")
    for url in urls:
        answer = client.get(url, **bearer(token))
        assert answer.status_code == 403 and answer["Content-Type"] == "application/problem+json"
    assert Submission.objects.get().retrieval_count == 0


def test_the_inbox_answers_as_its_schema_says(inbox_token, jongno_recipient, citizen_document, demo_types):
    make_submission(document=citizen_document, recipient=jongno_recipient)
    seen = exercise(
        api_schema(),
        paths=["/api/v1/agency/inbox/"],
        headers={"Authorization": f"Bearer {inbox_token}"},
        max_examples=15,
    )
    assert 200 in seen["/api/v1/agency/inbox/"], seen
    assert 404 in seen["/api/v1/agency/inbox/{public_id}/"], seen
