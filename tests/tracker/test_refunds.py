"""Un-refunded money over the sandbox agencies (real HTTP on the live server, tasks run eagerly):
one inquiry asks every refund-holding agency, each answer is logged, "apply for all" files one
refund-claim petition per agency that holds money, once."""

import pytest
from django.test import Client

from petitions import refund_claims
from petitions.identity import ResidentRecord, resident_link_set
from petitions.models import Petition
from sharing import crypto
from sharing.models import AccessLogEntry, FetchRequest
from sharing.tracker import services
from sharing.tracker.models import RefundClaim, RefundInquiry

# citizen1's refunds in the sandbox (sharing/sandbox/demo.py): local tax, national tax,
# health insurance premiums and national pension.
CITIZEN1_REFUNDS = {
    "local_tax_refunds": 48_750,
    "national_tax_refunds": 132_000,
    "premium_refunds": 57_300,
    "pension_refunds": 86_400,
}


@pytest.fixture
def refund_world(sandbox_agencies, monkeypatch):
    from petitions.demo import petition_types_seed
    from petitions.demo_refunds import seed as refund_claim_types_seed
    from portal.demo import seed as portal_seed
    from sharing.tracker.demo import seed as tracker_seed

    portal_seed()
    petition_types_seed()
    tracker_seed()
    refund_claim_types_seed()
    # Receipts are rendered by the documents app (tested there); here they are only queued.
    monkeypatch.setattr("sharing.documents.tasks.render_document.delay", lambda *args, **kwargs: None)
    return sandbox_agencies


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def citizen1(refund_world):
    from portal.models import User

    user = User.objects.get(username="citizen1")
    person = refund_world.people[0]
    resident_link_set(
        user=user,
        record=ResidentRecord(
            name=person["name"],
            rrn=person["rrn"],
            phone=person["phone"],
            address="서울특별시 종로구 자하문로 10",
            district_code=person["district_code"],
        ),
    )
    return user


def test_one_inquiry_asks_every_refund_agency_and_shows_the_total(citizen1):
    client = _client_for(citizen1)
    page = client.get("/refunds/")
    assert page.status_code == 200
    assert {item.code for item in page.context["items"]} == set(CITIZEN1_REFUNDS)

    response = client.post("/refunds/")
    inquiry = RefundInquiry.objects.get(citizen=citizen1)
    assert response.status_code == 302 and response["Location"] == f"/refunds/{inquiry.public_id}/"
    assert inquiry.case_ref.startswith("RF-")
    fetches = FetchRequest.objects.filter(case_ref=inquiry.case_ref)
    assert {f.item.code for f in fetches} == set(CITIZEN1_REFUNDS)
    assert {f.purpose_code for f in fetches} == {"P-REFUND-INQUIRY"}
    assert {f.office.code for f in fetches} == {"portal"} and all(f.requested_by is None for f in fetches)
    assert {f.state for f in fetches} == {"fetched"}

    page = client.get(f"/refunds/{inquiry.public_id}/")
    summary = page.context["summary"]
    assert {row.fetch.item.code: row.total for row in summary.rows} == CITIZEN1_REFUNDS
    assert summary.total == sum(CITIZEN1_REFUNDS.values()) == 324_450
    html = page.content.decode()
    assert "324,450" in html and "hx-trigger" not in html  # all in: polling stopped

    # Every query is logged like any fetch, and each answer was read once ("viewed").
    subject = crypto.subject_hash(refund_world_rrn(citizen1))
    log = AccessLogEntry.objects.filter(subject_hash=subject, case_ref=inquiry.case_ref)
    assert sorted(log.filter(action="fetched").values_list("item_code", flat=True)) == sorted(CITIZEN1_REFUNDS)
    assert set(log.filter(action="fetched").values_list("purpose", flat=True)) == {"P-REFUND-INQUIRY"}
    assert log.filter(action="viewed").count() == 4
    client.get(f"/refunds/{inquiry.public_id}/answers/")  # polling again reads nothing again
    assert log.filter(action="viewed").count() == 4
    # The citizen finds the queries on "who viewed my information".
    access = client.get("/my/data-access/", {"case_ref": inquiry.case_ref})
    assert len(access.context["rows"]) == 8


def refund_world_rrn(user) -> str:
    return crypto.decrypt_text(user.resident_link.rrn_encrypted)


def test_an_agency_that_is_down_shows_as_pending_then_the_rest_still_counts(citizen1, refund_world, monkeypatch):
    # Tasks run eagerly here, so a retry whose jittered back-off drew under a second would run at
    # once; a fixed back-off keeps the down agency's fetch waiting for its next attempt.
    monkeypatch.setattr("sharing.services.backoff_seconds", lambda agency, attempt: 60.0)
    refund_world.set_faults("nps", down=True)
    client = _client_for(citizen1)
    client.post("/refunds/")
    inquiry = RefundInquiry.objects.get(citizen=citizen1)
    page = client.get(f"/refunds/{inquiry.public_id}/answers/")
    summary = page.context["summary"]
    by_item = {row.fetch.item.code: row for row in summary.rows}
    assert by_item["pension_refunds"].pending and summary.pending
    assert summary.answered == 3 and summary.total == 324_450 - 86_400
    assert 'hx-trigger="every 2s"' in page.content.decode()  # still polling
    # Asking again while an answer is outstanding returns the same inquiry.
    client.post("/refunds/")
    assert RefundInquiry.objects.filter(citizen=citizen1).count() == 1
    # Applying waits until every agency has answered.
    assert client.get(f"/refunds/{inquiry.public_id}/apply/").status_code == 302


def test_apply_for_all_files_one_claim_per_agency_once(citizen1):
    client = _client_for(citizen1)
    client.post("/refunds/")
    inquiry = RefundInquiry.objects.get(citizen=citizen1)
    url = f"/refunds/{inquiry.public_id}/apply/"
    form = client.get(url)
    assert form.status_code == 200
    assert len(form.context["claim_forms"]) == 4
    # Missing bank account and the local tax type's own question: a 400 with messages, nothing filed.
    response = client.post(url, {"bank": "", "number": "12", "confirm": ""})
    assert response.status_code == 400 and not Petition.objects.filter(applicant=citizen1).exists()
    response = client.post(
        url,
        {
            "bank": "kb",
            "number": "123-456-789012",
            "confirm": "on",
            "local_tax_refunds-tax_item": "vehicle",
            "local_tax_refunds-reason": "자동차세 연납 과오납",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    claims = RefundClaim.objects.filter(inquiry=inquiry).select_related("petition__petition_type")
    assert {claim.item_code: claim.petition.petition_type.slug for claim in claims} == {
        "local_tax_refunds": "local-tax-refund",
        "national_tax_refunds": "national-tax-refund",
        "premium_refunds": "health-insurance-premium-refund",
        "pension_refunds": "national-pension-refund",
    }
    for claim in claims:
        petition = claim.petition
        assert petition.receipt_no and petition.office.code == "jongno"
        assert petition.data["refund_account"] == {"bank": "kb", "number": "123-456-789012"}
        # The normal petition flow: the claim's own information was fetched and it went to review.
        assert petition.status == Petition.Status.UNDER_REVIEW
        assert FetchRequest.objects.filter(case_ref=petition.receipt_no, state="fetched").exists()
    local = claims.get(item_code="local_tax_refunds").petition
    assert local.data["tax_item"] == "vehicle"

    # Once only: a second submission files nothing more.
    again = client.post(
        url, {"bank": "kb", "number": "123-456-789012", "confirm": "on", "local_tax_refunds-tax_item": "vehicle"}
    )
    assert again.status_code == 302
    assert Petition.objects.filter(applicant=citizen1).count() == 4
    page = client.get(f"/refunds/{inquiry.public_id}/")
    assert len(page.context["claims"]) == 4 and page.context["claimable"] == []


def test_another_citizen_cannot_see_or_claim_an_inquiry(citizen1, refund_world, other_citizen):
    client = _client_for(citizen1)
    client.post("/refunds/")
    inquiry = RefundInquiry.objects.get(citizen=citizen1)
    stranger = _client_for(other_citizen)
    for path in ("", "answers/", "apply/"):
        assert stranger.get(f"/refunds/{inquiry.public_id}/{path}").status_code == 404
    assert stranger.post(f"/refunds/{inquiry.public_id}/apply/", {"bank": "kb"}).status_code == 404
    # Not verified: the page asks for identity first, and no inquiry is started.
    assert "/my/identity/" in stranger.get("/refunds/").content.decode()
    assert stranger.post("/refunds/").status_code == 200
    assert not RefundInquiry.objects.filter(citizen=other_citizen).exists()
    with pytest.raises(services.TrackerError):
        refund_claims.refund_claims_file(
            inquiry=inquiry, applicant=other_citizen, bank_account={"bank": "kb", "number": "1234567890"}
        )


def test_answers_and_exchanges_go_after_their_retention_period(citizen1, settings):
    import datetime

    from django.utils import timezone

    from sharing.models import FetchedData
    from sharing.tracker.models import Exchange, RefundAnswer
    from sharing.tracker.tasks import tracker_purge
    from tests.tracker.factories import ExchangeFactory

    client = _client_for(citizen1)
    client.post("/refunds/")
    inquiry = RefundInquiry.objects.get(citizen=citizen1)
    client.get(f"/refunds/{inquiry.public_id}/")
    assert RefundAnswer.objects.filter(inquiry=inquiry).count() == 4
    ExchangeFactory(finished_at=timezone.now() - datetime.timedelta(days=settings.TRACKER_EXCHANGE_DAYS + 1))
    recent = Exchange.objects.count() - 1  # the four attempts of the inquiry
    assert recent == 4
    assert services.tracker_purge() == {"refund_answers": 0, "exchanges": 1}
    later = timezone.now() + datetime.timedelta(days=settings.RETENTION_FETCHED_DATA_DAYS + 1)
    assert services.tracker_purge(now=later) == {"refund_answers": 4, "exchanges": recent}
    assert tracker_purge.apply().get() == {"refund_answers": 0, "exchanges": 0}  # idempotent
    # The agencies' answers deleted too (the backbone's retention): the page says so, no error.
    FetchedData.objects.filter(fetch_request__case_ref=inquiry.case_ref).delete()
    page = client.get(f"/refunds/{inquiry.public_id}/")
    assert page.status_code == 200
    assert all(row.expired for row in page.context["summary"].rows)
    assert page.context["summary"].total == 0 and page.context["claimable"] == []
