"""Pages of fee payment: the fee exemption claim on a draft, the return from the provider's
payment window, and the provider's webhook. Thin: check who asks, call one service."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from portal.roles import citizen_required

from .. import selectors
from ..errors import PetitionError
from ..models import FeeExemption, Payment, Petition
from . import exemptions, services
from .base import WebhookRejected
from .errors import PaymentError
from .registry import provider_for

logger = logging.getLogger(__name__)
FAIL_MESSAGES = {
    "USER_CANCELED": gettext_lazy("You cancelled the payment. The petition has not been submitted; you can pay again."),
    "TIMEOUT": gettext_lazy("The payment window timed out. The petition has not been submitted; you can pay again."),
}


def _review_url(petition: Petition) -> str:
    return reverse("petitions:wizard_step", args=[petition.petition_type.slug, petition.public_id, "review"])


def _problem(request: HttpRequest, exc: PetitionError, *, petition: Petition | None = None) -> HttpResponse:
    status = getattr(exc, "status", 400)
    return render(
        request,
        "petitions/payment_problem.html",
        {"message": exc.message, "petition": petition if petition and petition.is_draft else None},
        status=status,
    )


@citizen_required
@require_POST
def fee_exemption(request, slug, public_id):
    """Claims a fee exemption (with consent to fetch the eligibility), or withdraws the claim."""
    petition = selectors.draft_for_applicant(user=request.user, public_id=public_id)
    if petition.petition_type.slug != slug:
        raise Http404
    try:
        if request.POST.get("action") == "withdraw":
            exemptions.fee_exemption_withdraw(petition=petition, actor=request.user)
            messages.info(request, _("You no longer claim the exemption: the fee is due."))
        else:
            exemption = FeeExemption.objects.filter(
                petition_type=petition.petition_type, pk=request.POST.get("exemption") or 0
            ).first()
            if exemption is None or request.POST.get("consent") != "yes":
                messages.error(request, _("Choose the exemption and agree that we check it for you."))
                return redirect(_review_url(petition))
            exemptions.fee_exemption_claim(petition=petition, exemption=exemption, actor=request.user)
            messages.success(request, _("We are checking your eligibility with the agency that holds it."))
    except PetitionError as exc:
        messages.error(request, exc.message)
    return redirect(_review_url(petition))


def _own_payment(request, order_id: str) -> Payment:
    payment = selectors.payment_for_payer(user=request.user, order_id=order_id)
    if payment is None:
        raise Http404
    return payment


@citizen_required
@require_GET
def payment_return(request, order_id):
    """The provider's payment window sends the browser back here after paying."""
    payment = _own_payment(request, order_id)
    try:
        amount = int(request.GET.get("amount", ""))
    except ValueError:
        amount = None
    try:
        payment = services.payment_confirm(
            order_id=payment.order_id,
            payment_key=request.GET.get("paymentKey", "")[:200],
            amount=amount,
            actor=request.user,
        )
    except PaymentError as exc:
        return _problem(request, exc, petition=payment.petition)
    petition = payment.petition_id and Petition.objects.filter(pk=payment.petition_id).first()
    if not petition:
        messages.error(request, _("The draft of this payment was deleted; the fee will be refunded."))
        return redirect("petitions:my_list")
    if petition.receipt_no:
        messages.success(
            request,
            _("The fee is paid and your petition has been filed. Receipt number %(receipt_no)s.")
            % {"receipt_no": petition.receipt_no},
        )
        return redirect("petitions:my_detail", receipt_no=petition.receipt_no)
    messages.error(request, _("The fee is paid but the petition could not be submitted; the fee will be refunded."))
    return redirect(_review_url(petition))


@citizen_required
@require_GET
def payment_fail(request, order_id):
    """The provider's payment window sends the browser back here without paying."""
    payment = _own_payment(request, order_id)
    code = request.GET.get("code", "")[:40]
    payment = services.payment_fail(order_id=payment.order_id, actor=request.user, code=code)
    petition = payment.petition
    if petition is None:
        return redirect("petitions:my_list")
    if payment.status == Payment.Status.PAID and petition.receipt_no:
        return redirect("petitions:my_detail", receipt_no=petition.receipt_no)
    messages.error(
        request,
        FAIL_MESSAGES.get(code, _("The payment failed. The petition has not been submitted; you can pay again.")),
    )
    return redirect(_review_url(petition))


@csrf_exempt
@require_POST
def payment_webhook(request, provider):
    """A provider's signed notification about a payment: applied once, whatever it repeats."""
    try:
        payment_provider = provider_for(provider)
    except KeyError:
        raise Http404 from None
    try:
        event = payment_provider.webhook_parse(body=request.body, headers=request.headers)
    except WebhookRejected as exc:
        logger.warning("payment webhook refused provider=%s reason=%s", provider, exc.reason)
        return JsonResponse({"error": exc.reason}, status=exc.status)
    try:
        payment, applied = services.payment_event_apply(provider_id=provider, event=event)
    except PaymentError as exc:
        logger.warning("payment webhook refused provider=%s: %s", provider, type(exc).__name__)
        return JsonResponse({"error": type(exc).__name__, "message": exc.message}, status=exc.status)
    return JsonResponse({"order_id": payment.order_id, "status": payment.status, "applied": applied})
