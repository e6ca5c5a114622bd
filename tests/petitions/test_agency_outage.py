"""When an item's agency is down, disabled or its circuit open: the citizen may upload the document
at once while the fetch keeps retrying, whichever comes first is used, and they are told once."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from petitions import services
from petitions.errors import PetitionError
from petitions.models import Petition
from petitions.selectors import may_upload_instead
from sharing import circuit
from sharing.models import Agency, FetchedData, FetchRequest
from sharing.providers import ProviderResponse
from sharing.providers import errors as provider_errors
from sharing.services import fetch_execute
from tests.petitions.conftest import pdf_bytes
from tests.petitions.helpers import file_building_use_change

S = Petition.Status
pytestmark = pytest.mark.django_db


class Agencies:
    """A provider registry whose every agency answers as told: "down" (no connection), "ok", or a
    callable run while the attempt is under way (then "ok")."""

    def __init__(self, *behaviours):
        self.behaviours = list(behaviours)

    def __getitem__(self, _name):
        return self

    def fetch(self, request):
        behaviour = self.behaviours.pop(0) if self.behaviours else "ok"
        if behaviour == "down":
            raise provider_errors.ConnectionFailed("connection refused")
        if callable(behaviour):
            behaviour()
        return ProviderResponse(
            txn_id=request.txn_id,
            item_code=request.item_code,
            agency_code=request.agency.code,
            fields=dict.fromkeys(request.fields, "1"),
        )


def _upload():
    return SimpleUploadedFile("ledger.pdf", pdf_bytes(), content_type="application/pdf")


def _fetch(petition, code="building_ledger") -> FetchRequest:
    return FetchRequest.objects.select_related("item__agency").get(case_ref=petition.receipt_no, item__code=code)


def _set(fetch: FetchRequest, **values) -> FetchRequest:
    FetchRequest.objects.filter(pk=fetch.pk).update(**values)
    return FetchRequest.objects.select_related("item__agency").get(pk=fetch.pk)


@pytest.fixture
def petition(demo_types, linked_citizen):
    return file_building_use_change(linked_citizen)


@pytest.mark.parametrize(
    ("state", "error_code", "allowed"),
    [
        ("waiting", "", False),
        ("fetching", "", False),
        ("retrying", "connection_error", True),
        ("retrying", "timeout", True),
        ("retrying", "agency_error", True),
        ("retrying", "unavailable", True),
        ("fetching", "connection_error", True),  # a retry under way after the agency was found down
        ("agency_unavailable", "agency_disabled", True),
        ("agency_unavailable", "circuit_open", True),
        ("fetched", "", False),
        ("failed", "subject_not_found", True),
        ("failed", "timeout", True),
        ("refused", "not_granted", True),
        ("not_applicants", "not_applicants_record", True),
        ("failed", "uploaded_instead", False),
        ("failed", "verified_otherwise", False),
    ],
)
def test_may_upload_instead_by_fetch_state(petition, state, error_code, allowed):
    fetch = _set(_fetch(petition), state=state, error_code=error_code)
    assert may_upload_instead(petition=petition, fetch_request=fetch) is allowed


def test_may_upload_while_the_agency_is_disabled_or_its_circuit_open(petition):
    fetch = _fetch(petition)
    assert may_upload_instead(petition=petition, fetch_request=fetch) is False  # waiting, agency fine
    agency = Agency.objects.get(pk=fetch.item.agency_id)
    Agency.objects.filter(pk=agency.pk).update(enabled=False)
    assert may_upload_instead(petition=petition, fetch_request=_set(fetch)) is True
    Agency.objects.filter(pk=agency.pk).update(enabled=True)
    fetch = _set(fetch)
    try:
        for _ in range(agency.circuit_failure_threshold):
            circuit.record_failure(agency)
        assert circuit.state(agency) == "open"
        assert may_upload_instead(petition=petition, fetch_request=fetch) is True
    finally:
        circuit.reset(agency)
    assert may_upload_instead(petition=petition, fetch_request=fetch) is False


def test_no_upload_on_a_closed_petition_or_for_another_petitions_fetch(petition, linked_other_citizen):
    other = file_building_use_change(linked_other_citizen)
    foreign = _set(_fetch(other), state="retrying", error_code="connection_error")
    assert may_upload_instead(petition=petition, fetch_request=foreign) is False
    fetch = _set(_fetch(petition), state="retrying", error_code="connection_error")
    Petition.objects.filter(pk=petition.pk).update(status=S.WITHDRAWN)
    petition.refresh_from_db()
    assert may_upload_instead(petition=petition, fetch_request=fetch) is False


def test_a_down_agency_offers_the_upload_at_once_and_the_upload_wins(
    petition, linked_citizen, linked_client, django_capture_on_commit_callbacks
):
    ledger = _fetch(petition)
    others = FetchRequest.objects.filter(case_ref=petition.receipt_no).exclude(pk=ledger.pk)
    progress = reverse("petitions:my_progress", args=[petition.receipt_no])
    upload_url = reverse("petitions:my_fetch_upload", args=[petition.receipt_no, ledger.pk])
    assert upload_url not in linked_client.get(progress).content.decode()  # not asked yet

    with django_capture_on_commit_callbacks(execute=True):
        assert fetch_execute(fetch_request_id=ledger.pk, registry=Agencies("down")) == "retrying"
        for other in others:
            assert fetch_execute(fetch_request_id=other.pk, registry=Agencies("ok")) == "fetched"
    html = linked_client.get(progress).content.decode()
    assert upload_url in html and "기다리지 않으셔도 됩니다" in html

    with django_capture_on_commit_callbacks(execute=True):
        response = linked_client.post(upload_url, {"document": _upload()})
    assert response.status_code == 302
    ledger.refresh_from_db()
    assert (ledger.state, ledger.error_code, ledger.next_attempt_at) == ("failed", "uploaded_instead", None)
    petition.refresh_from_db()
    assert petition.status == S.UNDER_REVIEW  # the upload was the last thing it waited for
    assert petition.uploads.get().reference == "building_ledger"
    # No further attempt is made, and the form is gone.
    assert fetch_execute(fetch_request_id=ledger.pk, registry=Agencies("ok")) == "done"
    assert not FetchedData.objects.filter(fetch_request=ledger).exists()
    page = linked_client.get(reverse("petitions:my_detail", args=[petition.receipt_no])).content.decode()
    assert upload_url not in page and "직접 제출하셨습니다" in page
    # A replayed upload form: a message, not a 500, and nothing added.
    replay = linked_client.post(upload_url, {"document": _upload()}, follow=True)
    assert replay.status_code == 200 and petition.uploads.count() == 1


def test_a_late_success_after_the_upload_is_not_stored(petition, linked_citizen, django_capture_on_commit_callbacks):
    ledger = _fetch(petition)
    assert fetch_execute(fetch_request_id=ledger.pk, registry=Agencies("down")) == "retrying"

    def citizen_uploads_meanwhile():
        services.petition_upload_instead_of_fetch(
            petition=petition, fetch_request=_fetch(petition), actor=linked_citizen, uploaded_file=_upload()
        )

    FetchRequest.objects.filter(pk=ledger.pk).update(next_attempt_at=None)
    # The agency comes back and answers, but the citizen uploaded while the attempt was under way.
    assert fetch_execute(fetch_request_id=ledger.pk, registry=Agencies(citizen_uploads_meanwhile)) == "superseded"
    ledger.refresh_from_db()
    assert (ledger.state, ledger.error_code) == ("failed", "uploaded_instead")
    assert not FetchedData.objects.filter(fetch_request=ledger).exists()


def test_when_the_fetch_comes_first_the_upload_is_no_longer_offered(petition, linked_citizen, linked_client):
    ledger = _fetch(petition)
    assert fetch_execute(fetch_request_id=ledger.pk, registry=Agencies("down")) == "retrying"
    FetchRequest.objects.filter(pk=ledger.pk).update(next_attempt_at=None)
    assert fetch_execute(fetch_request_id=ledger.pk, registry=Agencies("ok")) == "fetched"
    upload_url = reverse("petitions:my_fetch_upload", args=[petition.receipt_no, ledger.pk])
    html = linked_client.get(reverse("petitions:my_progress", args=[petition.receipt_no])).content.decode()
    assert upload_url not in html
    with pytest.raises(PetitionError):
        services.petition_upload_instead_of_fetch(
            petition=petition, fetch_request=ledger, actor=linked_citizen, uploaded_file=_upload()
        )
    response = linked_client.post(upload_url, {"document": _upload()})
    assert response.status_code == 302 and not petition.uploads.exists()


def test_a_petition_filed_while_the_agency_is_disabled_reaches_review_with_the_upload(
    demo_types, linked_citizen, linked_client, django_capture_on_commit_callbacks
):
    Agency.objects.update(enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        petition = file_building_use_change(linked_citizen)
    fetches = list(FetchRequest.objects.filter(case_ref=petition.receipt_no).order_by("pk"))
    with django_capture_on_commit_callbacks(execute=True):
        for fetch in fetches:
            assert fetch_execute(fetch_request_id=fetch.pk, registry=Agencies()) == "held"
    progress = linked_client.get(reverse("petitions:my_progress", args=[petition.receipt_no])).content.decode()
    for fetch in fetches:
        url = reverse("petitions:my_fetch_upload", args=[petition.receipt_no, fetch.pk])
        assert url in progress
        with django_capture_on_commit_callbacks(execute=True):
            assert linked_client.post(url, {"document": _upload()}).status_code == 302
    petition.refresh_from_db()
    assert petition.status == S.UNDER_REVIEW
    assert sorted(petition.uploads.values_list("reference", flat=True)) == sorted(f.item.code for f in fetches)
    assert set(FetchRequest.objects.filter(case_ref=petition.receipt_no).values_list("error_code", flat=True)) == {
        "uploaded_instead"
    }


def test_the_citizen_is_told_once_per_outage_in_their_language(
    petition, linked_citizen, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    linked_citizen.preferred_language = "en"
    linked_citizen.save()
    mail.outbox.clear()
    ledger, plan = _fetch(petition), _fetch(petition, "land_use_plan")
    with django_capture_on_commit_callbacks(execute=True):
        assert fetch_execute(fetch_request_id=ledger.pk, registry=Agencies("down")) == "retrying"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert petition.receipt_no in message.subject and "upload" in message.subject
    assert "/my/petitions/" in message.body and "Building ledger" in message.body
    # Retries, the other item failing too, a duplicate signal: no second e-mail.
    with django_capture_on_commit_callbacks(execute=True):
        FetchRequest.objects.filter(pk=ledger.pk).update(next_attempt_at=None)
        assert fetch_execute(fetch_request_id=ledger.pk, registry=Agencies("down")) == "retrying"
        assert fetch_execute(fetch_request_id=plan.pk, registry=Agencies("down")) == "retrying"
    assert len(mail.outbox) == 1
    # The outage ends (everything settled): a later outage of a re-fetch may be told again, but
    # not on a petition under review (it needs nothing of the citizen then).
    with django_capture_on_commit_callbacks(execute=True):
        for fetch in FetchRequest.objects.filter(case_ref=petition.receipt_no):
            FetchRequest.objects.filter(pk=fetch.pk).update(next_attempt_at=None)
            assert fetch_execute(fetch_request_id=fetch.pk, registry=Agencies("ok")) == "fetched"
    petition.refresh_from_db()
    assert petition.status == S.UNDER_REVIEW and petition.outage_notified_at is None
    assert len(mail.outbox) == 1


def test_the_outage_mail_is_in_korean_by_default(petition, django_capture_on_commit_callbacks, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        fetch_execute(fetch_request_id=_fetch(petition).pk, registry=Agencies("down"))
    assert len(mail.outbox) == 1 and "직접 제출" in mail.outbox[0].subject
