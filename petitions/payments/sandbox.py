"""The sandbox payment provider: the portal's client of the sandbox PG (``/sandbox/pg/``).

Shaped like Toss Payments' API (payment key, order id, amount, confirm, cancel) with a signed
checkout address as KG Inicis signs its payment form, so that a real PG's provider is the same
class with its own addresses and field names (README.md of this folder)."""

from __future__ import annotations

import base64
import datetime
import hmac
import json
import time
from collections.abc import Mapping
from urllib.parse import urlencode

from django.conf import settings
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from sharing.providers import transport

from .base import (
    BasePaymentProvider,
    Checkout,
    EventKind,
    PaymentProviderError,
    PaymentResult,
    WebhookEvent,
    WebhookRejected,
)
from .registry import register
from .signing import checkout_signature, parse_signature_header, webhook_signature

# The sandbox PG's statuses (Toss's names) as the portal's kinds.
STATUS_KINDS = {
    "DONE": EventKind.PAID,
    "ABORTED": EventKind.FAILED,
    "USER_CANCELED": EventKind.CANCELLED,
    "EXPIRED": EventKind.EXPIRED,
    "CANCELED": EventKind.REFUNDED,
    "READY": "ready",
}
MAX_ANSWER_BYTES = 1_000_000


def _when(value) -> datetime.datetime | None:
    return parse_datetime(value) if isinstance(value, str) and value else None


def _result(payload) -> PaymentResult:
    try:
        return PaymentResult(
            order_id=str(payload["orderId"]),
            payment_key=str(payload["paymentKey"]),
            amount=int(payload["totalAmount"]),
            status=STATUS_KINDS[str(payload["status"])],
            method=str(payload.get("method") or ""),
            approved_at=_when(payload.get("approvedAt")),
            refunded_at=_when(payload.get("canceledAt")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise PaymentProviderError(code="malformed_answer") from exc


@register("sandbox")
class SandboxPaymentProvider(BasePaymentProvider):
    verbose_name = _("Sandbox payment gateway")

    def check_config(self) -> list[str]:
        problems = []
        for name in ("PAYMENT_SANDBOX_URL", "PAYMENT_SANDBOX_SECRET_KEY", "PAYMENT_SANDBOX_WEBHOOK_SECRET"):
            if not getattr(settings, name, ""):
                problems.append(f"{name} is not set.")
        return problems

    # --- the browser's way -------------------------------------------------------------------

    def checkout_start(self, checkout: Checkout) -> str:
        params = {
            "merchantId": settings.PAYMENT_SANDBOX_MERCHANT_ID,
            "orderId": checkout.order_id,
            "amount": str(checkout.amount),
            "orderName": checkout.order_name,
            "customerName": checkout.customer_name,
            "successUrl": checkout.success_url,
            "failUrl": checkout.fail_url,
            "webhookUrl": checkout.webhook_url,
            "timestamp": str(int(time.time())),
        }
        params["signature"] = checkout_signature(params, settings.PAYMENT_SANDBOX_SECRET_KEY)
        return f"{settings.PAYMENT_SANDBOX_URL}/checkout/?{urlencode(params)}"

    # --- server to server --------------------------------------------------------------------

    def _call(self, method: str, path: str, payload: dict | None = None) -> dict:
        token = base64.b64encode(f"{settings.PAYMENT_SANDBOX_SECRET_KEY}:".encode()).decode()
        try:
            answer = transport.request(
                method,
                f"{settings.PAYMENT_SANDBOX_URL}{path}",
                body=json.dumps(payload).encode() if payload is not None else None,
                headers={"Authorization": f"Basic {token}", "Content-Type": "application/json"},
                timeout=settings.PAYMENT_PROVIDER_TIMEOUT_SECONDS,
                max_bytes=MAX_ANSWER_BYTES,
            )
        except (transport.TransportError, transport.TransportTimeout) as exc:
            raise PaymentProviderError(code="unreachable") from exc
        try:
            body = json.loads(answer.content or b"{}")
        except ValueError as exc:
            raise PaymentProviderError(code="malformed_answer") from exc
        if answer.status_code != 200:
            raise PaymentProviderError(code=str(body.get("code") or answer.status_code))
        return body

    def confirm(self, *, payment_key: str, order_id: str, amount: int) -> PaymentResult:
        return _result(
            self._call(
                "POST", "/v1/payments/confirm", {"paymentKey": payment_key, "orderId": order_id, "amount": amount}
            )
        )

    def refund(self, *, payment_key: str, amount: int, reason: str) -> PaymentResult:
        return _result(
            self._call(
                "POST", f"/v1/payments/{payment_key}/cancel", {"cancelReason": reason[:200], "cancelAmount": amount}
            )
        )

    def transactions_for_day(self, day: datetime.date) -> list[PaymentResult]:
        body = self._call("GET", f"/v1/transactions?{urlencode({'date': day.isoformat()})}")
        rows = body.get("transactions")
        if not isinstance(rows, list):
            raise PaymentProviderError(code="malformed_answer")
        return [_result(row) for row in rows]

    # --- notifications -----------------------------------------------------------------------

    def webhook_parse(self, *, body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        timestamp, signature = parse_signature_header(headers.get("pg-signature", ""))
        if not timestamp or not signature or not timestamp.isdigit():
            raise WebhookRejected("missing_signature")
        expected = webhook_signature(body, timestamp, settings.PAYMENT_SANDBOX_WEBHOOK_SECRET)
        if not hmac.compare_digest(expected, signature):
            raise WebhookRejected("bad_signature")
        if abs(time.time() - int(timestamp)) > settings.PAYMENT_WEBHOOK_TOLERANCE_SECONDS:
            raise WebhookRejected("stale_signature")
        try:
            payload = json.loads(body)
            data = payload["data"]
            kind = STATUS_KINDS[str(data["status"])]
            if kind not in EventKind.ALL:
                raise ValueError(kind)
            return WebhookEvent(
                event_id=str(payload["eventId"])[:100],
                kind=kind,
                order_id=str(data["orderId"])[:64],
                payment_key=str(data["paymentKey"])[:200],
                amount=int(data["totalAmount"]),
                method=str(data.get("method") or "")[:40],
                occurred_at=_when(payload.get("createdAt")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise WebhookRejected("malformed") from exc
