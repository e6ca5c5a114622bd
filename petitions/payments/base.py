"""What a payment provider is to the portal: a small class that speaks one PG's protocol and
returns the portal's own dataclasses, never the PG's raw JSON.

The flow is the one Korean PGs share (Toss Payments, KG Inicis, NICEPAY, KakaoPay, ...):

1. ``checkout_start``: the portal's order (order id, amount, name, return addresses) becomes
   the address of the PG's payment window, where the citizen's browser is sent;
2. the PG sends the browser back to the success address with its payment key, the order id and
   the amount (or to the failure address with a code);
3. ``confirm``: the portal checks the amount against its own order and asks the PG, server to
   server, to approve it (Toss's ``POST /v1/payments/confirm``): only then is it paid;
4. ``webhook_parse``: the PG also tells the portal, signed, what became of a payment (paid,
   failed, cancelled, timed out, refunded), so a browser that never came back changes nothing;
5. ``refund`` (Toss's ``/v1/payments/{paymentKey}/cancel``) and ``transactions_for_day`` (the
   PG's settlement records, for the daily reconciliation).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class PaymentProviderError(Exception):
    """The provider refused or could not be reached; ``message`` is shown to people."""

    default_message = _("The payment service did not answer. Try again in a few minutes.")

    def __init__(self, message=None, *, code: str = ""):
        self.message = str(message or self.default_message)
        self.code = code
        super().__init__(self.message)


class WebhookRejected(Exception):
    """A notification that is not the provider's, or not fresh (answered 4xx)."""

    def __init__(self, reason: str, *, status: int = 400):
        self.reason = reason
        self.status = status
        super().__init__(reason)


class EventKind:
    PAID = "paid"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    REFUNDED = "refunded"
    ALL = (PAID, FAILED, CANCELLED, EXPIRED, REFUNDED)


@dataclass(frozen=True)
class Checkout:
    order_id: str
    amount: int
    order_name: str
    customer_name: str
    success_url: str
    fail_url: str
    webhook_url: str


@dataclass(frozen=True)
class PaymentResult:
    """What the provider says about one payment (after confirm, refund or in its records)."""

    order_id: str
    payment_key: str
    amount: int
    status: str  # one of EventKind.ALL or "ready"
    method: str = ""
    approved_at: datetime.datetime | None = None
    refunded_at: datetime.datetime | None = None


@dataclass(frozen=True)
class WebhookEvent:
    event_id: str
    kind: str  # one of EventKind.ALL
    order_id: str
    payment_key: str
    amount: int
    method: str = ""
    occurred_at: datetime.datetime | None = None


class BasePaymentProvider:
    identifier: str = ""
    verbose_name: ClassVar[StrOrPromise] = ""

    def check_config(self) -> list[str]:
        """Problems of the configuration (settings named), empty when it can work."""
        return []

    def checkout_start(self, checkout: Checkout) -> str:
        """The address of the payment window for the order."""
        raise NotImplementedError

    def confirm(self, *, payment_key: str, order_id: str, amount: int) -> PaymentResult:
        raise NotImplementedError

    def refund(self, *, payment_key: str, amount: int, reason: str) -> PaymentResult:
        raise NotImplementedError

    def webhook_parse(self, *, body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        """The event of a notification, or ``WebhookRejected``."""
        raise NotImplementedError

    def transactions_for_day(self, day: datetime.date) -> list[PaymentResult]:
        """The provider's record of the payments approved on ``day`` (Korean time)."""
        raise NotImplementedError
