"""The sandbox payment gateway (PG): a payment window for testers and a Toss-Payments-shaped API.

It is another host to the portal, as the sandbox agencies are: it knows the merchant (the
portal) by the id and the two secrets a PG's merchant page hands out (settings
``PAYMENT_SANDBOX_*``), checks the signature of the checkout address, and tells the merchant
what became of each payment by a signed webhook. It never reads the portal's tables.

The window offers pay, fail, cancel and time out, so that every path of the merchant's flow can
be walked by hand or by a browser test. Protocol: ``petitions/payments/README.md``.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import logging
import time
import uuid
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from sharing.providers import transport

from .models import SandboxPayment, SandboxWebhookDelivery

logger = logging.getLogger(__name__)
S = SandboxPayment.Status
SEOUL = ZoneInfo("Asia/Seoul")
# A checkout address signed longer ago than this is refused (the merchant makes a new one).
CHECKOUT_MAX_AGE_SECONDS = 30 * 60
CHECKOUT_PARAMS = (
    "merchantId",
    "orderId",
    "amount",
    "orderName",
    "customerName",
    "successUrl",
    "failUrl",
    "webhookUrl",
    "timestamp",
)
METHODS = ("card", "transfer", "easy_pay")
OUTCOMES = {"fail": S.ABORTED, "cancel": S.USER_CANCELED, "timeout": S.EXPIRED}


# --- Signatures (the merchant's secrets) ----------------------------------------------------


def _secret_key() -> str:
    return settings.PAYMENT_SANDBOX_SECRET_KEY


def _signed_checkout(params: dict[str, str]) -> bool:
    canonical = urlencode(sorted((key, params.get(key, "")) for key in CHECKOUT_PARAMS))
    expected = hmac.new(_secret_key().encode(), canonical.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, params.get("signature", ""))


def _authorised(request: HttpRequest) -> bool:
    """HTTP Basic with the secret key as the user name and no password, as Toss's API."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return False
    try:
        decoded = base64.b64decode(header[6:], validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        return False
    return hmac.compare_digest(decoded, f"{_secret_key()}:")


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"code": code, "message": message}, status=status)


def payment_json(payment: SandboxPayment) -> dict:
    return {
        "paymentKey": payment.payment_key,
        "orderId": payment.order_id,
        "orderName": payment.order_name,
        "status": payment.status,
        "totalAmount": payment.amount,
        "method": payment.method,
        "approvedAt": payment.approved_at.isoformat() if payment.approved_at else None,
        "canceledAt": payment.canceled_at.isoformat() if payment.canceled_at else None,
    }


# --- Webhooks -------------------------------------------------------------------------------


def webhook_body_and_headers(payment: SandboxPayment, *, event_id: str, now: float | None = None) -> tuple[bytes, dict]:
    """The notification of the payment's current status, signed with the webhook secret:
    ``PG-Signature: t=<unix time>,v1=<HMAC-SHA256 of "t.body">``."""
    body = json.dumps(
        {
            "eventId": event_id,
            "eventType": "PAYMENT_STATUS_CHANGED",
            "createdAt": timezone.now().isoformat(),
            "data": payment_json(payment),
        },
        ensure_ascii=False,
    ).encode()
    timestamp = str(int(now if now is not None else time.time()))
    signature = hmac.new(
        settings.PAYMENT_SANDBOX_WEBHOOK_SECRET.encode(), timestamp.encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    return body, {"Content-Type": "application/json", "PG-Signature": f"t={timestamp},v1={signature}"}


def webhook_send(payment: SandboxPayment) -> SandboxWebhookDelivery:
    """Notifies the merchant of the payment's status, once, and records the answer."""
    event_id = f"evt_{uuid.uuid4().hex}"
    body, headers = webhook_body_and_headers(payment, event_id=event_id)
    delivery = SandboxWebhookDelivery.objects.create(
        payment=payment, event_id=event_id, status=payment.status, body=body.decode()
    )
    try:
        answer = transport.request(
            "POST", payment.webhook_url, body=body, headers=headers, timeout=10.0, max_bytes=10_000
        )
    except (transport.TransportError, transport.TransportTimeout) as exc:
        logger.warning("sandbox pg webhook not delivered order=%s: %s", payment.order_id, type(exc).__name__)
        return delivery
    delivery.response_status = answer.status_code
    delivery.save(update_fields=["response_status"])
    return delivery


# --- The payment window ---------------------------------------------------------------------


def _window(
    request: HttpRequest, payment: SandboxPayment | None, *, status: int = 200, problem: str = ""
) -> HttpResponse:
    return render(
        request,
        "sandbox/pg_checkout.html",
        {
            "payment": payment,
            "amount_text": f"{payment.amount:,}" if payment else "",
            "problem": problem,
            "methods": _method_choices(),
        },
        status=status,
    )


def _method_choices() -> list[tuple[str, str]]:
    return [("card", _("Credit or debit card")), ("transfer", _("Bank transfer")), ("easy_pay", _("Easy payment"))]


def _http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


@require_GET
def checkout(request: HttpRequest) -> HttpResponse:
    """The payment window of one order, reached from the merchant's signed address."""
    params = {key: request.GET.get(key, "") for key in (*CHECKOUT_PARAMS, "signature")}
    if params["merchantId"] != settings.PAYMENT_SANDBOX_MERCHANT_ID or not _signed_checkout(params):
        return _window(request, None, status=400, problem=_("This payment address is not signed by the shop."))
    if not params["timestamp"].isdigit() or time.time() - int(params["timestamp"]) > CHECKOUT_MAX_AGE_SECONDS:
        return _window(request, None, status=400, problem=_("This payment address has expired. Go back to the shop."))
    if not params["amount"].isdigit() or not all(
        _http_url(params[key]) for key in ("successUrl", "failUrl", "webhookUrl")
    ):
        return _window(request, None, status=400, problem=_("This payment address is incomplete."))
    try:
        with transaction.atomic():
            payment, _created = SandboxPayment.objects.get_or_create(
                merchant_id=params["merchantId"],
                order_id=params["orderId"][:64],
                defaults={
                    "payment_key": f"sbx_{uuid.uuid4().hex}",
                    "amount": int(params["amount"]),
                    "order_name": params["orderName"][:120],
                    "customer_name": params["customerName"][:40],
                    "success_url": params["successUrl"],
                    "fail_url": params["failUrl"],
                    "webhook_url": params["webhookUrl"],
                },
            )
    except IntegrityError:
        payment = SandboxPayment.objects.get(merchant_id=params["merchantId"], order_id=params["orderId"][:64])
    if payment.amount != int(params["amount"]):
        return _window(request, None, status=400, problem=_("This order was opened with another amount."))
    return _window(request, payment)


@require_POST
def checkout_answer(request: HttpRequest, payment_key: str) -> HttpResponse:
    """The tester pays, fails, cancels or lets the window time out."""
    action = request.POST.get("action", "")
    with transaction.atomic():
        payment = SandboxPayment.objects.select_for_update().filter(payment_key=payment_key).first()
        if payment is None:
            return _window(request, None, status=404, problem=_("There is no such payment."))
        if payment.status != S.READY:
            return _window(request, payment, status=409, problem=_("This payment has been answered already."))
        if action == "pay":
            method = request.POST.get("method", "")
            if method not in METHODS:
                return _window(request, payment, status=400, problem=_("Choose how to pay."))
            payment.status, payment.method, payment.approved_at = S.DONE, method, timezone.now()
        elif action in OUTCOMES:
            payment.status = OUTCOMES[action]
        else:
            return _window(request, payment, status=400, problem=_("Choose what happens to the payment."))
        payment.save(update_fields=["status", "method", "approved_at"])
    webhook_send(payment)
    if payment.status == S.DONE:
        query = {"paymentKey": payment.payment_key, "orderId": payment.order_id, "amount": payment.amount}
        return HttpResponseRedirect(f"{payment.success_url}?{urlencode(query)}")
    code = {S.ABORTED: "PAY_PROCESS_ABORTED", S.USER_CANCELED: "USER_CANCELED", S.EXPIRED: "TIMEOUT"}[payment.status]
    if payment.status == S.EXPIRED:  # the payer left: nothing sends the browser back
        return _window(request, payment)
    return HttpResponseRedirect(f"{payment.fail_url}?{urlencode({'code': code, 'orderId': payment.order_id})}")


# --- The API (server to server) -------------------------------------------------------------


def _json_body(request: HttpRequest) -> dict | None:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


@csrf_exempt
@require_POST
def api_confirm(request: HttpRequest) -> HttpResponse:
    if not _authorised(request):
        return _error(401, "UNAUTHORIZED_KEY", "The secret key is wrong.")
    body = _json_body(request)
    if body is None:
        return _error(400, "INVALID_REQUEST", "The body is not a JSON object.")
    payment = SandboxPayment.objects.filter(
        merchant_id=settings.PAYMENT_SANDBOX_MERCHANT_ID, payment_key=str(body.get("paymentKey", ""))
    ).first()
    if payment is None or payment.order_id != str(body.get("orderId", "")):
        return _error(404, "NOT_FOUND_PAYMENT", "There is no such payment.")
    if body.get("amount") != payment.amount:
        return _error(400, "INVALID_AMOUNT", "The amount does not match the payment.")
    if payment.status != S.DONE:
        return _error(400, "NOT_PAID", f"The payment is {payment.status}.")
    return JsonResponse(payment_json(payment))


@csrf_exempt
@require_POST
def api_cancel(request: HttpRequest, payment_key: str) -> HttpResponse:
    if not _authorised(request):
        return _error(401, "UNAUTHORIZED_KEY", "The secret key is wrong.")
    body = _json_body(request)
    if body is None:
        return _error(400, "INVALID_REQUEST", "The body is not a JSON object.")
    with transaction.atomic():
        payment = (
            SandboxPayment.objects.select_for_update()
            .filter(merchant_id=settings.PAYMENT_SANDBOX_MERCHANT_ID, payment_key=payment_key)
            .first()
        )
        if payment is None:
            return _error(404, "NOT_FOUND_PAYMENT", "There is no such payment.")
        if payment.status == S.CANCELED:
            return JsonResponse(payment_json(payment))  # refunded already: the same answer again
        if payment.status != S.DONE:
            return _error(400, "NOT_CANCELABLE_PAYMENT", f"The payment is {payment.status}.")
        if body.get("cancelAmount", payment.amount) != payment.amount:
            return _error(400, "INVALID_AMOUNT", "Only the whole amount can be refunded.")
        payment.status, payment.canceled_at = S.CANCELED, timezone.now()
        payment.cancel_reason = str(body.get("cancelReason", ""))[:200]
        payment.save(update_fields=["status", "canceled_at", "cancel_reason"])
    return JsonResponse(payment_json(payment))


@require_GET
def api_transactions(request: HttpRequest) -> HttpResponse:
    """The payments approved on a day (Korean time), for the merchant's reconciliation."""
    if not _authorised(request):
        return _error(401, "UNAUTHORIZED_KEY", "The secret key is wrong.")
    try:
        day = datetime.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return _error(400, "INVALID_DATE", "Give the day as date=YYYY-MM-DD.")
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=SEOUL)
    payments = SandboxPayment.objects.filter(
        merchant_id=settings.PAYMENT_SANDBOX_MERCHANT_ID,
        approved_at__gte=start,
        approved_at__lt=start + datetime.timedelta(days=1),
    ).order_by("approved_at", "id")
    return JsonResponse({"transactions": [payment_json(payment) for payment in payments]})
