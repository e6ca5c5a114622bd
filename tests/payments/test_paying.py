"""A petition with a fee is submitted once paid: the review step opens the provider's window,
the return (confirm) or the webhook settles the payment, whichever comes first, once."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from petitions import services
from petitions.errors import PetitionError
from petitions.models import Payment, PaymentEvent, Petition
from sharing.documents.models import DocumentRequest

from .conftest import PASSPORT_FEE, webhook

P = Payment.Status


def _review_url(draft) -> str:
    return reverse("petitions:wizard_step", args=[draft.petition_type.slug, draft.public_id, "review"])


def _start(client: Client, draft) -> tuple[Payment, str]:
    response = client.post(_review_url(draft), {"submit_token": str(draft.submit_token), "confirm": "on"})
    assert response.status_code == 302
    return Payment.objects.filter(petition=draft).latest("id"), response["Location"]


def _return_url(payment: Payment, key: str, amount: int) -> str:
    url = reverse("petitions:payment_return", args=[payment.order_id])
    return f"{url}?paymentKey={key}&orderId={payment.order_id}&amount={amount}"


def test_a_petition_with_a_fee_is_not_submitted_unpaid(draft, linked_citizen):
    with pytest.raises(PetitionError, match="수수료"):
        services.petition_submit(petition=draft, actor=linked_citizen, submit_token=draft.submit_token)
    draft.refresh_from_db()
    assert draft.status == Petition.Status.DRAFT and draft.receipt_no is None


def test_the_review_step_shows_the_fee_and_sends_the_citizen_to_a_signed_payment_window(draft, linked_client):
    page = linked_client.get(_review_url(draft)).content.decode()
    assert "53,000원 결제 후 제출" in page
    payment, location = _start(linked_client, draft)
    assert payment.status == P.READY and payment.amount == PASSPORT_FEE and payment.provider == "sandbox"
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{settings.PAYMENT_SANDBOX_URL}/checkout/"
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert query["orderId"] == payment.order_id and query["amount"] == "53000"
    assert query["successUrl"].endswith(f"/my/payments/{payment.order_id}/return/")
    assert query["webhookUrl"].endswith("/payments/webhooks/sandbox/")
    assert len(query["signature"]) == 64
    draft.refresh_from_db()
    assert draft.status == Petition.Status.DRAFT  # not before it is paid


def test_the_return_confirms_the_payment_submits_the_petition_and_the_receipt_shows_it(draft, linked_client, pg):
    payment, _location = _start(linked_client, draft)
    key = pg.take(payment.order_id, PASSPORT_FEE)
    response = linked_client.get(_return_url(payment, key, PASSPORT_FEE))
    draft.refresh_from_db()
    assert draft.status != Petition.Status.DRAFT and draft.receipt_no
    assert response["Location"] == reverse("petitions:my_detail", args=[draft.receipt_no])
    payment.refresh_from_db()
    assert (payment.status, payment.payment_key, payment.method) == (P.PAID, key, "card")
    receipt = DocumentRequest.objects.get(idempotency_key=f"petition-receipt:{draft.receipt_no}")
    assert receipt.context["payment"]["amount"] == 53_000
    assert receipt.context["payment"]["payment_key"] == key
    assert receipt.context["payment"]["order_id"] == payment.order_id
    assert receipt.context["payment"]["method"] == "신용·체크카드"
    assert receipt.context["payment"]["paid_at"]

    # Coming back again (reload, back button) changes nothing and asks the PG nothing more.
    again = linked_client.get(_return_url(payment, key, PASSPORT_FEE))
    assert again.status_code == 302 and pg.confirm_calls == 1
    assert Petition.objects.filter(applicant=draft.applicant).exclude(receipt_no=None).count() == 1


def test_an_amount_changed_on_the_way_back_is_refused_and_nothing_is_saved(draft, linked_client, pg):
    payment, _location = _start(linked_client, draft)
    key = pg.take(payment.order_id, 100)
    response = linked_client.get(_return_url(payment, key, 100))
    assert response.status_code == 400
    assert "금액" in response.content.decode()
    payment.refresh_from_db()
    draft.refresh_from_db()
    assert payment.status == P.READY and payment.payment_key is None and pg.confirm_calls == 0
    assert draft.status == Petition.Status.DRAFT


def test_a_payment_key_the_pg_does_not_know_is_refused(draft, linked_client, pg):
    payment, _location = _start(linked_client, draft)
    response = linked_client.get(_return_url(payment, "sbx_forged", PASSPORT_FEE))
    assert response.status_code == 400
    payment.refresh_from_db()
    assert payment.status == P.READY


def test_a_forged_order_id_is_not_found(draft, linked_client, pg):
    _start(linked_client, draft)
    for order_id in ("FEE-0000", "FEE-" + "a" * 32, "not-an-order"):
        url = reverse("petitions:payment_return", args=[order_id]) + "?paymentKey=x&amount=53000"
        assert linked_client.get(url).status_code == 404
        assert linked_client.get(reverse("petitions:payment_fail", args=[order_id])).status_code == 404


@pytest.mark.parametrize(
    ("code", "status", "message"),
    [("USER_CANCELED", P.CANCELLED, "취소"), ("TIMEOUT", P.EXPIRED, "시간"), ("PAY_PROCESS_ABORTED", P.FAILED, "실패")],
)
def test_coming_back_without_paying_leaves_the_draft_and_offers_to_pay_again(
    draft, linked_client, code, status, message
):
    payment, _location = _start(linked_client, draft)
    url = reverse("petitions:payment_fail", args=[payment.order_id]) + f"?code={code}&orderId={payment.order_id}"
    response = linked_client.get(url, follow=True)
    assert response.redirect_chain[-1][0] == _review_url(draft)
    assert message in response.content.decode()
    payment.refresh_from_db()
    assert payment.status == status
    # A new order for the next try.
    second, _location = _start(linked_client, draft)
    assert second.order_id != payment.order_id


def test_the_webhook_settles_a_payment_whose_browser_never_came_back(draft, linked_client, client):
    payment, _location = _start(linked_client, draft)
    body, headers = webhook(order_id=payment.order_id, payment_key="sbx_k1", amount=PASSPORT_FEE)
    response = client.post(
        reverse("petitions:payment_webhook", args=["sandbox"]), body, content_type="application/json", **headers
    )
    assert response.status_code == 200 and response.json()["applied"] is True
    payment.refresh_from_db()
    draft.refresh_from_db()
    assert payment.status == P.PAID and payment.payment_key == "sbx_k1"
    assert draft.receipt_no and draft.status != Petition.Status.DRAFT


def test_failure_cancellation_and_timeout_webhooks_leave_the_draft_unpaid(draft, linked_client, client):
    url = reverse("petitions:payment_webhook", args=["sandbox"])
    for pg_status, status in (("ABORTED", P.FAILED), ("USER_CANCELED", P.CANCELLED), ("EXPIRED", P.EXPIRED)):
        payment, _location = _start(linked_client, draft)
        body, headers = webhook(order_id=payment.order_id, payment_key="sbx_x", amount=PASSPORT_FEE, status=pg_status)
        assert client.post(url, body, content_type="application/json", **headers).status_code == 200
        payment.refresh_from_db()
        assert payment.status == status
    draft.refresh_from_db()
    assert draft.status == Petition.Status.DRAFT


def test_a_payment_taken_for_a_petition_already_paid_is_refunded(
    draft, linked_client, client, pg, django_capture_on_commit_callbacks
):
    """Two payment windows open, both paid: the portal keeps one payment and gives the other back."""
    first, _location = _start(linked_client, draft)
    second = Payment.objects.create(
        order_id="FEE-second", petition=draft, payer=draft.applicant, provider="sandbox", amount=PASSPORT_FEE
    )
    first_key, second_key = pg.take(first.order_id, PASSPORT_FEE), pg.take(second.order_id, PASSPORT_FEE)
    url = reverse("petitions:payment_webhook", args=["sandbox"])
    for payment, key in ((first, first_key), (second, second_key)):
        body, headers = webhook(order_id=payment.order_id, payment_key=key, amount=PASSPORT_FEE)
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(url, body, content_type="application/json", **headers).status_code == 200
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == P.PAID
    assert second.status == P.REFUNDED and second.refund_reason == "duplicate_payment"
    assert pg.refunded == [second_key]
    assert Payment.objects.filter(petition=draft, status=P.PAID).count() == 1


def test_a_petition_has_one_paid_payment_in_the_database(draft):
    """The rule holds below the services too: a second paid row is refused by the database."""
    from django.db import IntegrityError, transaction

    from tests.petitions.helpers import fee_paid

    fee_paid(draft)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            order_id="FEE-other", petition=draft, payer=draft.applicant, provider="sandbox", amount=1, status=P.PAID
        )


def test_paying_starts_only_for_a_complete_draft(demo_types, linked_citizen, linked_client):
    from petitions.models import PetitionType

    draft = services.petition_draft_start(
        petition_type=PetitionType.objects.get(slug="passport-issuance"), applicant=linked_citizen
    )
    services.petition_draft_update_step(petition=draft, next_step="review")
    response = linked_client.post(
        _review_url(draft), {"submit_token": str(draft.submit_token), "confirm": "on"}, follow=True
    )
    assert not Payment.objects.filter(petition=draft).exists()
    assert "여권 종류" in response.content.decode()  # named in the message of what is missing
    assert not PaymentEvent.objects.exists()


def test_a_payment_whose_petition_can_no_longer_be_filed_is_refunded(
    draft, linked_client, client, pg, django_capture_on_commit_callbacks
):
    """The type was closed between the window and the payment: nothing is lost, the fee goes back."""
    payment, _location = _start(linked_client, draft)
    key = pg.take(payment.order_id, PASSPORT_FEE)
    draft.petition_type.__class__.objects.filter(pk=draft.petition_type_id).update(active=False)
    body, headers = webhook(order_id=payment.order_id, payment_key=key, amount=PASSPORT_FEE)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("petitions:payment_webhook", args=["sandbox"]), body, content_type="application/json", **headers
        )
    assert response.status_code == 200
    payment.refresh_from_db()
    draft.refresh_from_db()
    assert draft.status == Petition.Status.DRAFT
    assert payment.status == P.REFUNDED and payment.refund_reason == "petition_not_submitted"
    assert pg.refunded == [key]


def test_a_draft_with_a_payment_under_way_may_be_discarded_and_a_late_payment_is_refunded(
    draft, linked_client, client, pg, django_capture_on_commit_callbacks
):
    payment, _location = _start(linked_client, draft)
    key = pg.take(payment.order_id, PASSPORT_FEE)
    discard = reverse("petitions:wizard_discard", args=[draft.petition_type.slug, draft.public_id])
    assert linked_client.post(discard).status_code == 302
    assert not Petition.objects.filter(pk=draft.pk).exists()
    payment.refresh_from_db()
    assert payment.petition is None and payment.status == P.READY  # the record of the order stays
    body, headers = webhook(order_id=payment.order_id, payment_key=key, amount=PASSPORT_FEE)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("petitions:payment_webhook", args=["sandbox"]), body, content_type="application/json", **headers
        )
    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.status == P.REFUNDED and payment.refund_reason == "draft_discarded" and pg.refunded == [key]
