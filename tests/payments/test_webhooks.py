"""The provider's webhook: a bad signature, a stale (replayed) one, a forged order, a wrong amount or
payment key are refused with a 4xx and change nothing; a repeated delivery is applied once."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from petitions.models import Payment, PaymentEvent, Petition

from .conftest import PASSPORT_FEE, webhook

P = Payment.Status
URL = reverse("petitions:payment_webhook", args=["sandbox"])


@pytest.fixture
def ready(draft):
    return Payment.objects.create(
        order_id="FEE-ready", petition=draft, payer=draft.applicant, provider="sandbox", amount=PASSPORT_FEE
    )


def _post(client, body, headers):
    return client.post(URL, body, content_type="application/json", **headers)


def _unchanged(payment: Payment) -> None:
    payment.refresh_from_db()
    assert payment.status == P.READY and payment.payment_key is None
    assert not PaymentEvent.objects.exists()
    assert Petition.objects.filter(payments=payment).get().status == Petition.Status.DRAFT


def test_a_webhook_with_a_bad_signature_is_refused(client, ready):
    body, headers = webhook(order_id=ready.order_id, payment_key="k", amount=PASSPORT_FEE, secret="not-the-secret")
    response = _post(client, body, headers)
    assert response.status_code == 400 and response.json()["error"] == "bad_signature"
    _unchanged(ready)


def test_a_webhook_without_a_signature_is_refused(client, ready):
    body, _headers = webhook(order_id=ready.order_id, payment_key="k", amount=PASSPORT_FEE)
    assert client.post(URL, body, content_type="application/json").status_code == 400
    _unchanged(ready)


def test_a_body_changed_after_signing_is_refused(client, ready):
    body, headers = webhook(order_id=ready.order_id, payment_key="k", amount=PASSPORT_FEE)
    response = _post(client, body.replace(b"53000", b"5300"), headers)
    assert response.status_code == 400 and response.json()["error"] == "bad_signature"
    _unchanged(ready)


def test_a_replayed_webhook_signed_long_ago_is_refused(client, ready, settings):
    signed = int(time.time()) - settings.PAYMENT_WEBHOOK_TOLERANCE_SECONDS - 60
    body, headers = webhook(order_id=ready.order_id, payment_key="k", amount=PASSPORT_FEE, timestamp=signed)
    response = _post(client, body, headers)
    assert response.status_code == 400 and response.json()["error"] == "stale_signature"
    _unchanged(ready)


def test_a_webhook_for_a_forged_order_is_not_found(client, ready):
    body, headers = webhook(order_id="FEE-forged", payment_key="k", amount=PASSPORT_FEE)
    assert _post(client, body, headers).status_code == 404
    _unchanged(ready)


def test_a_webhook_with_another_amount_is_refused(client, ready):
    body, headers = webhook(order_id=ready.order_id, payment_key="k", amount=100)
    assert _post(client, body, headers).status_code == 400
    _unchanged(ready)


def test_a_malformed_webhook_is_refused(client, ready):
    body, headers = webhook(order_id=ready.order_id, payment_key="k", amount=PASSPORT_FEE, status="WHATEVER")
    assert _post(client, body, headers).status_code == 400
    _unchanged(ready)


def test_an_unknown_provider_is_not_found(client, ready):
    body, headers = webhook(order_id=ready.order_id, payment_key="k", amount=PASSPORT_FEE)
    response = client.post(
        reverse("petitions:payment_webhook", args=["nopay"]), body, content_type="application/json", **headers
    )
    assert response.status_code == 404
    _unchanged(ready)


def test_the_same_event_delivered_again_is_applied_once(client, ready):
    body, headers = webhook(order_id=ready.order_id, payment_key="sbx_1", amount=PASSPORT_FEE, event_id="evt_1")
    first, second = _post(client, body, headers), _post(client, body, headers)
    assert first.json()["applied"] is True and second.status_code == 200 and second.json()["applied"] is False
    assert PaymentEvent.objects.count() == 1
    petition = Petition.objects.get(pk=ready.petition_id)
    assert petition.receipt_no
    assert Petition.objects.exclude(receipt_no=None).count() == 1


def test_a_paid_webhook_naming_another_payment_key_is_refused(client, ready):
    body, headers = webhook(order_id=ready.order_id, payment_key="sbx_1", amount=PASSPORT_FEE)
    assert _post(client, body, headers).status_code == 200
    body, headers = webhook(order_id=ready.order_id, payment_key="sbx_other", amount=PASSPORT_FEE)
    assert _post(client, body, headers).status_code == 400
    ready.refresh_from_db()
    assert ready.payment_key == "sbx_1" and PaymentEvent.objects.count() == 1


def test_a_webhook_needs_no_session_but_only_post(client, ready):
    assert client.get(URL).status_code == 405
