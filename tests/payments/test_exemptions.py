"""A fee exemption is claimed in the wizard with consent; the eligibility is fetched through
sharing instead of a certificate; an eligible applicant files without paying, the receipt says
so, and the official sees the exemption and what the agency answered (logged)."""

from __future__ import annotations

import json

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from petitions.models import FeeExemptionClaim, Payment
from petitions.payments.services import fee_due
from sharing import crypto
from sharing.documents.models import DocumentRequest
from sharing.models import AccessLogEntry, FetchedData, FetchRequest
from tests.conftest import login_verified

from .conftest import PASSPORT_FEE

C = FeeExemptionClaim.State


def _review_url(draft) -> str:
    return reverse("petitions:wizard_step", args=[draft.petition_type.slug, draft.public_id, "review"])


def _claim(client, draft, *, consent=True):
    exemption = draft.petition_type.fee_exemptions.get()
    data = {"exemption": exemption.pk} | ({"consent": "yes"} if consent else {})
    url = reverse("petitions:fee_exemption", args=[draft.petition_type.slug, draft.public_id])
    return client.post(url, data)


def _answer(fetch: FetchRequest, **values) -> None:
    """The agency's answer, as the fetch would have stored it."""
    FetchedData.objects.create(
        fetch_request=fetch,
        agency=fetch.item.agency,
        txn_id="txn-1",
        fetched_at=timezone.now(),
        fields=list(values),
        payload_encrypted=crypto.encrypt_text(json.dumps(values, ensure_ascii=False)),
    )
    FetchRequest.objects.filter(pk=fetch.pk).update(state=FetchRequest.State.FETCHED)


def test_a_claim_without_consent_fetches_nothing(draft, linked_client, queued_fetches):
    response = _claim(linked_client, draft, consent=False)
    assert response.status_code == 302
    assert not FeeExemptionClaim.objects.exists() and not queued_fetches
    assert fee_due(draft) == PASSPORT_FEE


def test_the_claim_fetches_the_eligibility_with_consent_for_the_handling_office(
    draft, linked_client, queued_fetches, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert _claim(linked_client, draft).status_code == 302
    claim = FeeExemptionClaim.objects.get(petition=draft)
    fetch = FetchRequest.objects.get(case_ref=claim.case_ref)
    assert (fetch.item.code, fetch.purpose_code, fetch.office.code) == (
        "basic_livelihood_security",
        "P-FEE-EXEMPTION",
        "jongno",
    )
    assert set(fetch.fields) == {"recipient", "name", "benefits", "confirmed_on"}
    assert queued_fetches == [fetch.pk]
    page = linked_client.get(_review_url(draft)).content.decode()
    assert "자격 확인 중" in page  # still checking: the fee stays due meanwhile
    assert fee_due(draft) == PASSPORT_FEE


def test_an_eligible_applicant_files_without_paying_and_the_receipt_says_so(
    draft, linked_client, official, queued_fetches
):
    _claim(linked_client, draft)
    claim = FeeExemptionClaim.objects.get(petition=draft)
    _answer(
        FetchRequest.objects.get(case_ref=claim.case_ref),
        name="김민원",
        recipient=True,
        benefits=["생계급여"],
        confirmed_on="2026-06-30",
    )
    page = linked_client.get(_review_url(draft)).content.decode()
    claim.refresh_from_db()
    assert claim.state == C.ELIGIBLE and fee_due(draft) == 0
    assert "민원 신청하기" in page or "제출" in page
    citizen_reads = AccessLogEntry.objects.filter(case_ref=claim.case_ref, actor=draft.applicant, action="viewed")
    assert citizen_reads.count() == 1

    response = linked_client.post(_review_url(draft), {"submit_token": str(draft.submit_token), "confirm": "on"})
    draft.refresh_from_db()
    assert draft.receipt_no and response["Location"] == reverse("petitions:my_detail", args=[draft.receipt_no])
    assert not Payment.objects.exists()
    receipt = DocumentRequest.objects.get(idempotency_key=f"petition-receipt:{draft.receipt_no}")
    assert receipt.context["fee_exemption"] == "국민기초생활보장 수급자" and "payment" not in receipt.context

    # The official sees the exemption and the agency's answer; reading it is logged under the official.
    client = login_verified(Client(), official)
    page = client.get(reverse("officer:review", args=[draft.receipt_no])).content.decode()
    assert "국민기초생활보장 수급자" in page and "생계급여" in page
    assert AccessLogEntry.objects.filter(case_ref=claim.case_ref, actor=official, action="viewed").count() == 1


def test_an_applicant_the_agency_does_not_show_as_eligible_pays_the_fee(draft, linked_client, queued_fetches):
    _claim(linked_client, draft)
    claim = FeeExemptionClaim.objects.get(petition=draft)
    _answer(FetchRequest.objects.get(case_ref=claim.case_ref), name="김민원", recipient=False, benefits=[])
    linked_client.get(_review_url(draft))
    claim.refresh_from_db()
    assert claim.state == C.NOT_ELIGIBLE and fee_due(draft) == PASSPORT_FEE


def test_an_eligibility_that_could_not_be_fetched_leaves_the_fee_due_and_may_be_claimed_again(
    draft, linked_client, queued_fetches
):
    _claim(linked_client, draft)
    claim = FeeExemptionClaim.objects.get(petition=draft)
    FetchRequest.objects.filter(case_ref=claim.case_ref).update(state=FetchRequest.State.FAILED)
    linked_client.get(_review_url(draft))
    claim.refresh_from_db()
    assert claim.state == C.UNAVAILABLE and fee_due(draft) == PASSPORT_FEE
    _claim(linked_client, draft)
    again = FeeExemptionClaim.objects.get(petition=draft)
    assert again.case_ref != claim.case_ref and again.state == C.CHECKING


def test_withdrawing_the_claim_makes_the_fee_due(draft, linked_client, queued_fetches):
    _claim(linked_client, draft)
    url = reverse("petitions:fee_exemption", args=[draft.petition_type.slug, draft.public_id])
    linked_client.post(url, {"action": "withdraw"})
    assert not FeeExemptionClaim.objects.exists()


def test_an_exemption_of_another_type_is_refused(draft, linked_client, queued_fetches):
    from petitions.models import FeeExemption

    other = FeeExemption.objects.exclude(petition_type=draft.petition_type).first()
    url = reverse("petitions:fee_exemption", args=[draft.petition_type.slug, draft.public_id])
    linked_client.post(url, {"exemption": other.pk, "consent": "yes"})
    assert not FeeExemptionClaim.objects.exists() and not queued_fetches
