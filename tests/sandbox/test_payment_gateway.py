"""The sandbox payment gateway: a window that checks the shop's signature and lets a tester pay,
fail, cancel or time out; a signed webhook to the shop; a Toss-shaped API behind the secret key."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.conf import settings

from sharing.sandbox.models import SandboxPayment, SandboxWebhookDelivery
from sharing.sandbox.selectors import basic_livelihood_security

PG = "/sandbox/pg"
SHOP = "http://shop.example"


def _checkout_url(**overrides) -> str:
    params = {
        "merchantId": settings.PAYMENT_SANDBOX_MERCHANT_ID,
        "orderId": "FEE-order-1",
        "amount": "53000",
        "orderName": "수수료: 여권 발급 신청",
        "customerName": "김민원",
        "successUrl": f"{SHOP}/ok/",
        "failUrl": f"{SHOP}/fail/",
        "webhookUrl": f"{SHOP}/hook/",
        "timestamp": str(int(time.time())),
    }
    params.update(overrides.pop("params", {}))
    canonical = urlencode(sorted(params.items()))
    params["signature"] = hmac.new(
        settings.PAYMENT_SANDBOX_SECRET_KEY.encode(), canonical.encode(), hashlib.sha256
    ).hexdigest()
    params.update(overrides)
    return f"{PG}/checkout/?{urlencode(params)}"


@pytest.fixture
def sent(monkeypatch):
    """Webhooks the gateway sends, recorded instead of sent; the shop answers 200."""
    from sharing.providers.transport import Answer

    calls: list[tuple[str, bytes, dict]] = []

    def request(method, url, *, body=None, headers=None, timeout, max_bytes):
        calls.append((url, body, headers))
        return Answer(200, {}, b"{}")

    monkeypatch.setattr("sharing.sandbox.pg.transport.request", request)
    return calls


def _auth(key: str | None = None) -> dict:
    token = base64.b64encode(f"{key or settings.PAYMENT_SANDBOX_SECRET_KEY}:".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


def _opened(client) -> SandboxPayment:
    page = client.get(_checkout_url())
    assert page.status_code == 200
    return SandboxPayment.objects.get(order_id="FEE-order-1")


def test_the_window_shows_the_amount_and_the_shop(client, db):
    page = client.get(_checkout_url()).content.decode()
    assert "53,000원" in page and settings.PAYMENT_SANDBOX_MERCHANT_ID in page and "여권 발급 신청" in page
    assert SandboxPayment.objects.get().status == "READY"


@pytest.mark.parametrize(
    "overrides",
    [
        {"signature": "0" * 64},
        {"amount": "1"},  # changed after signing
        {"merchantId": "someone-else"},
        {"params": {"timestamp": str(int(time.time()) - 3600)}},
        {"params": {"successUrl": "javascript:alert(1)"}},
    ],
)
def test_a_window_address_not_signed_by_the_shop_or_too_old_is_refused(client, db, overrides):
    response = client.get(_checkout_url(**overrides))
    assert response.status_code == 400
    assert not SandboxPayment.objects.exists()


def test_paying_notifies_the_shop_signed_and_sends_the_payer_back(client, db, sent):
    payment = _opened(client)
    response = client.post(f"{PG}/checkout/{payment.payment_key}/", {"action": "pay", "method": "card"})
    payment.refresh_from_db()
    assert payment.status == "DONE" and payment.method == "card" and payment.approved_at
    back = urlsplit(response["Location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == f"{SHOP}/ok/"
    assert parse_qs(back.query) == {
        "paymentKey": [payment.payment_key],
        "orderId": ["FEE-order-1"],
        "amount": ["53000"],
    }
    [(url, body, headers)] = sent
    assert url == f"{SHOP}/hook/"
    stamp, signature = (part.split("=", 1)[1] for part in headers["PG-Signature"].split(","))
    expected = hmac.new(
        settings.PAYMENT_SANDBOX_WEBHOOK_SECRET.encode(), stamp.encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    assert signature == expected
    data = json.loads(body)["data"]
    assert (data["status"], data["orderId"], data["totalAmount"]) == ("DONE", "FEE-order-1", 53000)
    assert SandboxWebhookDelivery.objects.get().response_status == 200

    # Answered once: a second answer is refused.
    assert client.post(f"{PG}/checkout/{payment.payment_key}/", {"action": "fail"}).status_code == 409


@pytest.mark.parametrize(
    ("action", "status", "code"),
    [("fail", "ABORTED", "PAY_PROCESS_ABORTED"), ("cancel", "USER_CANCELED", "USER_CANCELED")],
)
def test_failing_and_cancelling_notify_the_shop_and_send_the_payer_to_the_failure_address(
    client, db, sent, action, status, code
):
    payment = _opened(client)
    response = client.post(f"{PG}/checkout/{payment.payment_key}/", {"action": action})
    assert response["Location"] == f"{SHOP}/fail/?code={code}&orderId=FEE-order-1"
    assert json.loads(sent[0][1])["data"]["status"] == status


def test_a_timed_out_window_notifies_the_shop_and_leaves_the_payer_a_way_back(client, db, sent):
    payment = _opened(client)
    page = client.post(f"{PG}/checkout/{payment.payment_key}/", {"action": "timeout"})
    assert page.status_code == 200 and f"{SHOP}/fail/?code=TIMEOUT" in page.content.decode()
    assert json.loads(sent[0][1])["data"]["status"] == "EXPIRED"


def test_the_api_needs_the_secret_key(client, db):
    for response in (
        client.post(f"{PG}/v1/payments/confirm", "{}", content_type="application/json"),
        client.post(f"{PG}/v1/payments/confirm", "{}", content_type="application/json", **_auth("test_sk_wrong")),
        client.get(f"{PG}/v1/transactions?date=2026-12-06"),
    ):
        assert response.status_code == 401


def test_confirm_answers_a_paid_payment_and_refuses_another_amount(client, db, sent):
    payment = _opened(client)
    body = {"paymentKey": payment.payment_key, "orderId": "FEE-order-1", "amount": 53000}
    url = f"{PG}/v1/payments/confirm"
    not_paid = client.post(url, body, content_type="application/json", **_auth())
    assert not_paid.status_code == 400 and not_paid.json()["code"] == "NOT_PAID"
    client.post(f"{PG}/checkout/{payment.payment_key}/", {"action": "pay", "method": "transfer"})
    confirmed = client.post(url, body, content_type="application/json", **_auth())
    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "DONE" and confirmed.json()["method"] == "transfer"
    wrong = client.post(url, {**body, "amount": 100}, content_type="application/json", **_auth())
    assert wrong.status_code == 400 and wrong.json()["code"] == "INVALID_AMOUNT"
    other = client.post(url, {**body, "orderId": "FEE-other"}, content_type="application/json", **_auth())
    assert other.status_code == 404


def test_refund_is_whole_and_once_and_the_day_lists_the_payment(client, db, sent):
    payment = _opened(client)
    client.post(f"{PG}/checkout/{payment.payment_key}/", {"action": "pay", "method": "card"})
    url = f"{PG}/v1/payments/{payment.payment_key}/cancel"
    partial = client.post(url, {"cancelAmount": 1000}, content_type="application/json", **_auth())
    assert partial.status_code == 400
    first = client.post(url, {"cancelReason": "withdrawn"}, content_type="application/json", **_auth())
    again = client.post(url, {"cancelReason": "withdrawn"}, content_type="application/json", **_auth())
    assert first.status_code == again.status_code == 200 and first.json()["status"] == "CANCELED"
    assert first.json()["canceledAt"] == again.json()["canceledAt"]
    payment.refresh_from_db()
    day = payment.approved_at.astimezone().date().isoformat()
    listed = client.get(f"{PG}/v1/transactions?date={day}", **_auth()).json()["transactions"]
    assert [row["orderId"] for row in listed] == ["FEE-order-1"]
    assert client.get(f"{PG}/v1/transactions?date=soon", **_auth()).status_code == 400


def test_a_resident_with_a_low_income_is_a_recipient_of_basic_livelihood_security(db):
    from datetime import date

    from sharing.sandbox import demo
    from sharing.sandbox.models import IncomeRecord, Resident

    demo.seed(residents=1)
    resident = Resident.objects.get(rrn=demo.DEMO_PEOPLE[0]["rrn"])
    answer = basic_livelihood_security(resident.rrn)
    assert answer["recipient"] is False and answer["benefits"] == []  # 54,000,000 won a year
    IncomeRecord.objects.filter(resident=resident).update(total_income=9_000_000)
    answer = basic_livelihood_security(resident.rrn)
    assert answer["recipient"] is True and answer["benefits"] == ["생계급여", "의료급여"]
    assert answer["confirmed_on"] == date(2026, 6, 30).isoformat()
    assert basic_livelihood_security("000000-0000000") is None
