"""Writes of fee payment: starting a payment, settling it (the browser's return and the
provider's webhook, whichever comes first), refunds and the daily reconciliation.

Paying twice is impossible: the payment row is locked while it changes, a provider event is
kept once (unique per provider and event id), a provider's payment key belongs to one order
(unique) and a petition has one paid payment (a partial unique constraint); a second payment
that the provider did take for a petition already paid is refunded at once.
"""

from __future__ import annotations

import datetime
import functools
import logging
import uuid
from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import User

from ..errors import PetitionError
from ..models import FeeExemptionClaim, Payment, PaymentEvent, PaymentReconciliation, Petition
from ..workflow import on_transition
from .base import BasePaymentProvider, Checkout, EventKind, PaymentProviderError, WebhookEvent
from .errors import PaymentConflict, PaymentError, PaymentMismatch, PaymentNotFound
from .registry import default_provider, provider_for

logger = logging.getLogger(__name__)
P = Payment.Status
SEOUL = ZoneInfo("Asia/Seoul")


# --- What is due ---------------------------------------------------------------------------


def fee_due(petition: Petition) -> int:
    """The fee the applicant pays before the petition is submitted: the type's fee collected at
    filing, unless an exemption they claimed was confirmed through sharing."""
    petition_type = petition.petition_type
    if not petition_type.fee or not petition_type.fee_at_filing:
        return 0
    claim = FeeExemptionClaim.objects.filter(petition=petition).first()
    if claim is not None and claim.is_eligible:
        return 0
    return petition_type.fee


def paid_payment(petition: Petition) -> Payment | None:
    return Payment.objects.filter(petition=petition, status=P.PAID).first()


def fee_settled(petition: Petition) -> bool:
    """A draft may be submitted: nothing is due, or the fee is paid."""
    return fee_due(petition) == 0 or paid_payment(petition) is not None


# --- Starting ------------------------------------------------------------------------------


def _order_name(petition: Petition) -> str:
    return _("Fee: %(type)s") % {"type": petition.petition_type.name}


def payment_start(
    *,
    petition: Petition,
    actor: User,
    submit_token: uuid.UUID | str,
    success_url: Callable[[str], str],
    fail_url: Callable[[str], str],
    webhook_url: Callable[[str], str],
    provider: BasePaymentProvider | None = None,
) -> tuple[Payment, str]:
    """A new order for the fee of a complete draft, and the address of the provider's payment window.

    ``success_url`` and ``fail_url`` give the return addresses of an order id, ``webhook_url`` the
    notification address of a provider identifier."""
    from ..services import _missing, petition_type_snapshot

    provider = provider or default_provider()
    with transaction.atomic():
        locked = Petition.objects.select_for_update().select_related("petition_type").get(pk=petition.pk)
        if locked.applicant_id != actor.pk:
            raise PaymentNotFound(_("There is no such payment."))
        if str(locked.submit_token) != str(submit_token):
            raise PetitionError(_("This page is out of date. Check your answers again and submit once more."))
        if locked.status != Petition.Status.DRAFT:
            raise PaymentConflict(_("This petition has been submitted already."))
        if not locked.petition_type.active:
            raise PetitionError(_("This petition type is not open for filing."))
        problems = _missing(locked, petition_type_snapshot(locked.petition_type))
        if problems:
            raise PetitionError(" ".join(problems))
        if paid_payment(locked) is not None:
            raise PaymentConflict(_("The fee of this petition has been paid already."))
        amount = fee_due(locked)
        if amount == 0:
            raise PaymentConflict(_("There is no fee to pay for this petition."))
        order_id = f"FEE-{uuid.uuid4().hex}"
        payment = Payment.objects.create(
            order_id=order_id,
            petition=locked,
            payer=actor,
            provider=provider.identifier,
            amount=amount,
            order_name=_order_name(locked)[:120],
        )
    redirect_url = provider.checkout_start(
        Checkout(
            order_id=order_id,
            amount=amount,
            order_name=payment.order_name,
            customer_name=(locked.applicant_details or {}).get("name", "")[:40],
            success_url=success_url(order_id),
            fail_url=fail_url(order_id),
            webhook_url=webhook_url(provider.identifier),
        )
    )
    logger.info("payment started order=%s provider=%s amount=%s", order_id, provider.identifier, amount)
    return payment, redirect_url


# --- Settling ------------------------------------------------------------------------------


def _locked_payment(order_id: str, *, provider_id: str | None = None) -> Payment:
    payments = Payment.objects.select_for_update().filter(order_id=order_id)
    if provider_id is not None:
        payments = payments.filter(provider=provider_id)
    payment = payments.first()
    if payment is None:
        raise PaymentNotFound(_("There is no such payment."))
    return payment


def _submit_paid(payment: Payment) -> None:
    """The petition of a payment just paid is submitted through the usual submit service; when
    it can no longer be (the type was closed meanwhile), the fee goes back."""
    from ..services import petition_submit

    petition = payment.petition
    if petition is None:
        return
    try:
        with transaction.atomic():
            petition_submit(petition=petition, actor=payment.payer, submit_token=petition.submit_token)
    except PetitionError as exc:
        logger.warning("paid petition not submitted order=%s: %s", payment.order_id, type(exc).__name__)
        _refund_on_commit(payment.pk, "petition_not_submitted")


def _settle_paid(payment: Payment, *, payment_key: str, method: str, approved_at: datetime.datetime | None) -> None:
    """``payment`` (locked) was paid at the provider."""
    if payment.status == P.PAID:
        return
    if payment.petition_id is None:  # the draft was discarded meanwhile: the money goes back
        payment.payment_key = payment_key
        payment.refund_reason = "draft_discarded"
        payment.save(update_fields=["payment_key", "refund_reason", "updated_at"])
        _refund_on_commit(payment.pk, "draft_discarded", allow_unpaid=True)
        return
    # Two orders of one petition settle one after the other: the petition's row is the lock
    # they share (each holds its own payment row already; the petition is always locked second).
    Petition.objects.select_for_update().filter(pk=payment.petition_id).first()
    payment.payment_key = payment_key
    payment.method = method or payment.method
    payment.approved_at = approved_at or timezone.now()
    # Another order of the same petition was paid first (two windows open): the provider took the
    # money twice, the portal keeps one payment and gives this one back.
    duplicate = Payment.objects.filter(petition_id=payment.petition_id, status=P.PAID).exclude(pk=payment.pk).exists()
    if duplicate:
        payment.refund_reason = "duplicate_payment"
        payment.save(update_fields=["payment_key", "method", "approved_at", "refund_reason", "updated_at"])
        _refund_on_commit(payment.pk, "duplicate_payment", allow_unpaid=True)
        return
    payment.status = P.PAID
    payment.save(update_fields=["status", "payment_key", "method", "approved_at", "updated_at"])
    logger.info("payment paid order=%s", payment.order_id)
    _submit_paid(payment)


@transaction.atomic
def payment_confirm(
    *,
    order_id: str,
    payment_key: str,
    amount: int | None,
    actor: User,
    provider: BasePaymentProvider | None = None,
) -> Payment:
    """The browser came back from the payment window: the amount is checked against the order
    and the provider is asked to approve it. Coming back twice changes nothing."""
    payment = _locked_payment(order_id)
    if payment.payer_id != actor.pk:
        raise PaymentNotFound(_("There is no such payment."))
    if amount != payment.amount:
        raise PaymentMismatch(_("The amount paid does not match the fee. Nothing was charged by the portal."))
    if payment.status == P.PAID:
        if payment.payment_key != payment_key:
            raise PaymentMismatch(_("This payment does not belong to this order."))
        return payment
    if payment.status != P.READY:
        raise PaymentConflict(_("This payment was not completed. Start the payment again."))
    provider = provider or provider_for(payment.provider)
    try:
        result = provider.confirm(payment_key=payment_key, order_id=order_id, amount=payment.amount)
    except PaymentProviderError as exc:
        logger.warning("payment confirm refused order=%s code=%s", order_id, exc.code)
        raise PaymentError(_("The payment could not be confirmed: %(reason)s") % {"reason": exc.message}) from exc
    if result.order_id != order_id or result.amount != payment.amount or result.payment_key != payment_key:
        raise PaymentMismatch(_("The payment service's answer does not match this order."))
    if result.status != EventKind.PAID:
        raise PaymentConflict(_("This payment was not completed. Start the payment again."))
    _settle_paid(payment, payment_key=result.payment_key, method=result.method, approved_at=result.approved_at)
    return payment


@transaction.atomic
def payment_fail(*, order_id: str, actor: User, code: str) -> Payment:
    """The browser came back from the payment window without paying (failed, cancelled, timed out)."""
    payment = _locked_payment(order_id)
    if payment.payer_id != actor.pk:
        raise PaymentNotFound(_("There is no such payment."))
    if payment.status == P.READY:
        payment.status = {"USER_CANCELED": P.CANCELLED, "TIMEOUT": P.EXPIRED}.get(code, P.FAILED)
        payment.failure_code = (code or "")[:40]
        payment.save(update_fields=["status", "failure_code", "updated_at"])
    return payment


@transaction.atomic
def payment_event_apply(*, provider_id: str, event: WebhookEvent) -> tuple[Payment, bool]:
    """A provider's verified notification; returns the payment and whether it changed anything.

    The same event delivered again (or by two deliveries at once) is applied once: the payment row
    is locked first, then the event is recorded under its unique id."""
    payment = _locked_payment(event.order_id, provider_id=provider_id)
    if event.amount != payment.amount:
        raise PaymentMismatch(_("The amount does not match the order."))
    if payment.payment_key and event.payment_key != payment.payment_key:
        raise PaymentMismatch(_("This payment does not belong to this order."))
    if PaymentEvent.objects.filter(provider=provider_id, event_id=event.event_id).exists():
        return payment, False
    try:
        with transaction.atomic():
            PaymentEvent.objects.create(
                provider=provider_id, event_id=event.event_id, payment=payment, kind=event.kind, amount=event.amount
            )
    except IntegrityError:
        return payment, False
    if event.kind == EventKind.PAID:
        if payment.status != P.REFUNDED:
            _settle_paid(payment, payment_key=event.payment_key, method=event.method, approved_at=event.occurred_at)
    elif event.kind in (EventKind.FAILED, EventKind.CANCELLED, EventKind.EXPIRED):
        if payment.status == P.READY:
            payment.status = {EventKind.FAILED: P.FAILED, EventKind.CANCELLED: P.CANCELLED}.get(event.kind, P.EXPIRED)
            payment.save(update_fields=["status", "updated_at"])
    elif event.kind == EventKind.REFUNDED and payment.status == P.PAID:
        payment.status = P.REFUNDED
        payment.refunded_at = event.occurred_at or timezone.now()
        payment.save(update_fields=["status", "refunded_at", "updated_at"])
    logger.info("payment event order=%s kind=%s", payment.order_id, event.kind)
    return payment, True


# --- Refunds -------------------------------------------------------------------------------


def _refund_on_commit(payment_id: int, reason: str, *, allow_unpaid: bool = False) -> None:
    from .. import tasks

    transaction.on_commit(functools.partial(tasks.payment_refund.delay, payment_id, reason, allow_unpaid))


def payment_refund(
    *, payment_id: int, reason: str, allow_unpaid: bool = False, provider: BasePaymentProvider | None = None
) -> Payment:
    """Gives a paid fee back through the provider; idempotent (a refunded payment stays as it is).

    ``allow_unpaid``: a duplicate payment the portal never counted as paid, but the provider took."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment_id)
        if payment.status == P.REFUNDED:
            return payment
        if not payment.payment_key or (payment.status != P.PAID and not allow_unpaid):
            return payment
        provider = provider or provider_for(payment.provider)
        result = provider.refund(payment_key=payment.payment_key, amount=payment.amount, reason=reason)
        if result.status != EventKind.REFUNDED:
            raise PaymentProviderError(code="not_refunded")
        payment.status = P.REFUNDED
        payment.refund_reason = reason[:200]
        payment.refunded_at = result.refunded_at or timezone.now()
        payment.save(update_fields=["status", "refund_reason", "refunded_at", "updated_at"])
    logger.info("payment refunded order=%s reason=%s", payment.order_id, reason)
    return payment


@on_transition
def _refund_when_refused_or_withdrawn(petition_id: int, status: str) -> None:
    """After a rejection or a withdrawal, the fee goes back where the petition's type says so."""
    if status not in (Petition.Status.REJECTED, Petition.Status.WITHDRAWN):
        return
    petition = Petition.objects.filter(pk=petition_id).only("type_snapshot").first()
    if petition is None or not (petition.type_snapshot or {}).get("fee_refundable"):
        return
    from .. import tasks

    for payment_id in Payment.objects.filter(petition_id=petition_id, status=P.PAID).values_list("pk", flat=True):
        tasks.payment_refund.delay(payment_id, f"petition_{status}", False)


# --- Reconciliation ------------------------------------------------------------------------


def _day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=SEOUL)
    return start, start + datetime.timedelta(days=1)


def _row(amount: int, status: str, payment_key: str | None) -> dict:
    return {"amount": amount, "status": status, "payment_key": payment_key or ""}


def payments_reconcile(*, day: datetime.date, provider: BasePaymentProvider | None = None) -> PaymentReconciliation:
    """Compares the payments the portal counts as paid on ``day`` (Korean time) with the provider's
    record of that day, and keeps the report (one more run of a day adds a newer report)."""
    provider = provider or default_provider()
    start, end = _day_bounds(day)
    ours = {
        payment.order_id: payment
        for payment in Payment.objects.filter(
            provider=provider.identifier, approved_at__gte=start, approved_at__lt=end
        ).exclude(status=P.READY)
    }
    theirs = {row.order_id: row for row in provider.transactions_for_day(day)}
    # What the provider has that the portal did not count that day: the portal's row, if any.
    others = {
        payment.order_id: payment
        for payment in Payment.objects.filter(order_id__in=[key for key in theirs if key not in ours])
    }
    problems = []
    for order_id in sorted(set(ours) | set(theirs)):
        mine, row = ours.get(order_id) or others.get(order_id), theirs.get(order_id)
        portal = _row(mine.amount, mine.status, mine.payment_key) if mine else None
        remote = _row(row.amount, row.status, row.payment_key) if row else None
        if row is None:
            problem = "missing_at_provider"
        elif mine is None or order_id not in ours:
            problem = "missing_at_portal"
        elif row.amount != mine.amount:
            problem = "amount_mismatch"
        elif row.status != mine.status or row.payment_key != mine.payment_key:
            problem = "status_mismatch"
        else:
            continue
        problems.append({"order_id": order_id, "problem": problem, "portal": portal, "provider": remote})
    report = PaymentReconciliation.objects.create(
        provider=provider.identifier,
        day=day,
        portal_count=len(ours),
        provider_count=len(theirs),
        portal_total=sum(p.amount for p in ours.values() if p.status == P.PAID),
        provider_total=sum(r.amount for r in theirs.values() if r.status == EventKind.PAID),
        discrepancies=problems,
    )
    logger.info("payments reconciled day=%s provider=%s discrepancies=%s", day, provider.identifier, len(problems))
    return report
