"""The payment pages are the payer's: another citizen, an official and an anonymous visitor are refused."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from petitions.models import Payment
from tests.conftest import login_verified

from .conftest import PASSPORT_FEE


@pytest.fixture
def payment(draft):
    return Payment.objects.create(
        order_id="FEE-mine", petition=draft, payer=draft.applicant, provider="sandbox", amount=PASSPORT_FEE
    )


def _urls(payment, draft):
    return [
        reverse("petitions:payment_return", args=[payment.order_id]) + f"?paymentKey=k&amount={PASSPORT_FEE}",
        reverse("petitions:payment_fail", args=[payment.order_id]) + "?code=USER_CANCELED",
    ]


def _unchanged(payment):
    payment.refresh_from_db()
    assert payment.status == Payment.Status.READY and payment.payment_key is None


def test_another_citizen_gets_not_found(payment, draft, linked_other_citizen, pg):
    client = Client()
    client.force_login(linked_other_citizen, backend="django.contrib.auth.backends.ModelBackend")
    for url in _urls(payment, draft):
        assert client.get(url).status_code == 404
    exemption_url = reverse("petitions:fee_exemption", args=[draft.petition_type.slug, draft.public_id])
    assert client.post(exemption_url, {"action": "withdraw"}).status_code == 404
    _unchanged(payment)
    assert pg.confirm_calls == 0


def test_an_official_gets_not_found(payment, draft, official, pg):
    client = login_verified(Client(), official)
    for url in _urls(payment, draft):
        assert client.get(url).status_code == 404
    _unchanged(payment)


def test_an_anonymous_visitor_is_sent_to_sign_in(payment, draft, client, pg):
    for url in _urls(payment, draft):
        response = client.get(url)
        assert response.status_code == 302 and "/account/login/" in response["Location"]
    _unchanged(payment)
