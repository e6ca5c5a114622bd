"""Fee payment: a passport draft of the demo (53,000 won) filed by citizen1, and a stand-in for the
sandbox PG's server-to-server API (its browser window and API have their own tests)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid

import pytest
from django.conf import settings
from django.utils import timezone

from petitions.payments.base import EventKind, PaymentProviderError, PaymentResult
from petitions.payments.sandbox import SandboxPaymentProvider

PASSPORT = "passport-issuance"
PASSPORT_ANSWERS = {"passport_type": "multiple", "pages": "26", "english_name": "KIM MINWON"}
PASSPORT_FEE = 53_000


def passport_draft(user):
    from petitions import services
    from petitions.models import PetitionType

    petition_type = PetitionType.objects.get(slug=PASSPORT)
    draft = services.petition_draft_start(petition_type=petition_type, applicant=user)
    services.petition_draft_update_applicant(
        petition=draft, phone="010-1234-5678", email="a@example.org", address="서울특별시 종로구 자하문로 10"
    )
    services.petition_draft_update_answers(petition=draft, answers=PASSPORT_ANSWERS)
    consents = {m.item.code: True for m in petition_type.required_information.filter(consent_required=True)}
    services.petition_draft_update_consents(petition=draft, consents=consents)
    draft.refresh_from_db()
    return draft


@pytest.fixture
def draft(demo_types, linked_citizen):
    return passport_draft(linked_citizen)


class FakePG:
    """What the sandbox PG's API answers, recorded: payments it took (key -> (order, amount))."""

    def __init__(self):
        self.taken: dict[str, tuple[str, int]] = {}
        self.refunded: list[str] = []
        self.confirm_calls = 0
        self.day_rows: list[PaymentResult] = []

    def take(self, order_id: str, amount: int) -> str:
        key = f"sbx_{uuid.uuid4().hex}"
        self.taken[key] = (order_id, amount)
        return key

    def confirm(self, *, payment_key, order_id, amount):
        self.confirm_calls += 1
        if self.taken.get(payment_key) != (order_id, amount):
            raise PaymentProviderError(code="NOT_FOUND_PAYMENT")
        return PaymentResult(order_id, payment_key, amount, EventKind.PAID, "card", timezone.now())

    def refund(self, *, payment_key, amount, reason):
        self.refunded.append(payment_key)
        order_id, taken = self.taken.get(payment_key, ("", amount))
        return PaymentResult(order_id, payment_key, taken, EventKind.REFUNDED, "card", None, timezone.now())

    def transactions_for_day(self, day):
        return list(self.day_rows)


@pytest.fixture
def pg(monkeypatch):
    fake = FakePG()
    monkeypatch.setattr(SandboxPaymentProvider, "confirm", fake.confirm)
    monkeypatch.setattr(SandboxPaymentProvider, "refund", fake.refund)
    monkeypatch.setattr(SandboxPaymentProvider, "transactions_for_day", fake.transactions_for_day)
    return fake


def webhook(
    *,
    order_id: str,
    payment_key: str,
    amount: int,
    status: str = "DONE",
    event_id: str | None = None,
    timestamp: int | None = None,
    secret: str | None = None,
) -> tuple[bytes, dict]:
    """A webhook of the sandbox PG, signed as its protocol says (written here by hand)."""
    body = json.dumps(
        {
            "eventId": event_id or f"evt_{uuid.uuid4().hex}",
            "eventType": "PAYMENT_STATUS_CHANGED",
            "createdAt": timezone.now().isoformat(),
            "data": {
                "paymentKey": payment_key,
                "orderId": order_id,
                "status": status,
                "totalAmount": amount,
                "method": "card",
                "approvedAt": timezone.now().isoformat() if status == "DONE" else None,
            },
        }
    ).encode()
    stamp = str(timestamp if timestamp is not None else int(time.time()))
    key = (secret or settings.PAYMENT_SANDBOX_WEBHOOK_SECRET).encode()
    signature = hmac.new(key, f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return body, {"HTTP_PG_SIGNATURE": f"t={stamp},v1={signature}"}
