"""Claiming the refunds a refund inquiry found: one petition per agency that holds money.

The inquiry's pages are the tracker's (sharing.tracker.views); this one files petitions, so it
is petitions'. It is mounted in the ``tracker`` namespace by the root URLconf.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from portal.roles import citizen_required
from sharing.tracker import selectors as tracker_selectors
from sharing.tracker.errors import TrackerError
from sharing.tracker.views import refund_context

from . import refund_claims
from .forms import AnswersForm, BankAccountForm


def _claim_forms(data, claimable, claim_types):
    """One small form per claim type for its own questions (the bank account is asked once)."""
    forms = []
    for row in claimable:
        petition_type = claim_types.get(row.fetch.item.code)
        if petition_type is None:
            continue
        _bank_key, specs = refund_claims.claim_form_specs(petition_type)
        forms.append(
            {
                "row": row,
                "petition_type": petition_type,
                "form": AnswersForm(data, specs=specs, prefix=row.fetch.item.code) if specs else None,
            }
        )
    return forms


@citizen_required
@require_http_methods(["GET", "POST"])
@never_cache
def refund_apply(request, public_id):
    inquiry = tracker_selectors.refund_inquiry_for_citizen(user=request.user, public_id=public_id)
    context = refund_context(request, inquiry)
    if context["summary"].pending or not context["claimable"]:
        return redirect("tracker:refund_inquiry", public_id=inquiry.public_id)
    data = request.POST if request.method == "POST" else None
    bank_form = BankAccountForm(data)
    claim_forms = _claim_forms(data, context["claimable"], refund_claims.refund_claim_types())
    status = 200
    if request.method == "POST":
        valid = bank_form.is_valid()
        valid = all([valid] + [entry["form"].is_valid() for entry in claim_forms if entry["form"]])
        if valid:
            answers = {
                entry["row"].fetch.item.code: entry["form"].answers() if entry["form"] else {} for entry in claim_forms
            }
            try:
                filed = refund_claims.refund_claims_file(
                    inquiry=inquiry,
                    applicant=request.user,
                    bank_account={"bank": bank_form.cleaned_data["bank"], "number": bank_form.cleaned_data["number"]},
                    answers_by_item=answers,
                )
            except TrackerError as exc:
                bank_form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _("%(count)d refund claim(s) filed: %(receipts)s")
                    % {"count": len(filed), "receipts": ", ".join(p.receipt_no for p in filed)},
                )
                return redirect("tracker:refund_inquiry", public_id=inquiry.public_id)
        status = 400
    response = render(
        request,
        "tracker/refund_apply.html",
        {
            **context,
            "bank_form": bank_form,
            "claim_forms": claim_forms,
        },
        status=status,
    )
    response["Cache-Control"] = "private, no-store"
    return response
