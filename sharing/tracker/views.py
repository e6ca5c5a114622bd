"""The tracker's pages: who viewed my information, privacy inquiries, un-refunded money.

A citizen only ever sees entries matched by the keyed hash of their own RRN; anything else
in the URL is a 404. Privacy officers answer under /officer/privacy/ (second factor). Claiming the refunds found
files petitions, so that page is petitions' (petitions.views_refunds).
"""

from __future__ import annotations

from axes.helpers import get_client_ip_address
from django.contrib import messages
from django.db.models import Count, Max, OuterRef, Subquery
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from portal.conditional import fragment_etag, polled_fragment, render_fragment
from portal.roles import citizen_required, official_required
from sharing.models import FetchRequest

from . import selectors, services
from .errors import TrackerError
from .forms import AccessFilterForm, ConcernForm, InquiryAnswerForm
from .models import RefundInquiry


def _private(response):
    response["Cache-Control"] = "private, no-store"
    return response


def _identity_needed(request, template: str):
    return _private(
        render(
            request,
            template,
            {
                "identity_url": f"{reverse('petitions:identity')}?next={request.path}",
            },
        )
    )


# --- Who viewed my information --------------------------------------------------------------


@citizen_required
@require_GET
@never_cache
def data_access(request):
    subject_hash = selectors.citizen_subject_hash(request.user)
    if subject_hash is None:
        return _identity_needed(request, "tracker/identity_needed.html")
    form = AccessFilterForm(
        request.GET if any(key in request.GET for key in ("date_from", "date_to", "agency", "case_ref")) else None,
        agencies=selectors.agencies_for_filter(),
        case_refs=selectors.access_log_case_refs(subject_hash=subject_hash),
    )
    status = 400 if form.is_bound and not form.is_valid() else 200
    page, rows = selectors.access_log_page(
        user=request.user, subject_hash=subject_hash, filters=form.filters(), page_number=request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return _private(
        render(
            request,
            "tracker/data_access.html",
            {
                "form": form,
                "page": page,
                "rows": rows,
                "page_query": query.urlencode(),
                "unread_answers": selectors.unread_answers_count(user=request.user),
            },
            status=status,
        )
    )


@citizen_required
@require_http_methods(["GET", "POST"])
@never_cache
def concern(request, sequence: int):
    subject_hash = selectors.citizen_subject_hash(request.user)
    entry = selectors.access_entry_for_citizen(subject_hash=subject_hash, sequence=sequence)
    form = ConcernForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.privacy_inquiry_create(citizen=request.user, entry=entry, message=form.cleaned_data["message"])
            except TrackerError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Your question has been sent to the office's privacy officer."))
                return redirect("tracker:my_inquiries")
        status = 400
    return _private(
        render(
            request,
            "tracker/concern.html",
            {
                "entry": entry,
                "description": selectors.entry_description(entry),
                "form": form,
            },
            status=status,
        )
    )


@citizen_required
@require_GET
@never_cache
def entry_proof(request, sequence: int):
    """The entry with its inclusion proof, as a JSON file to keep and check offline
    (tools/verify_access_proof.py); another person's entry is a 404."""
    subject_hash = selectors.citizen_subject_hash(request.user)
    entry = selectors.access_entry_for_citizen(subject_hash=subject_hash, sequence=sequence)
    try:
        proof = services.access_entry_proof(
            citizen=request.user, entry=entry, ip_address=get_client_ip_address(request)
        )
    except TrackerError as exc:
        return _private(
            render(
                request,
                "tracker/proof_unavailable.html",
                {"entry": entry, "description": selectors.entry_description(entry), "message": exc.message},
                status=409,
            )
        )
    response = JsonResponse(proof, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="access-log-entry-{entry.sequence}-proof.json"'
    return _private(response)


@citizen_required
@require_GET
@never_cache
def my_inquiries(request):
    inquiries = selectors.inquiries_for_citizen(user=request.user)
    unread = {inquiry.pk for inquiry in inquiries if inquiry.has_unread_answer}
    services.privacy_answers_mark_seen(citizen=request.user)
    return _private(render(request, "tracker/my_inquiries.html", {"inquiries": inquiries, "unread": unread}))


# --- Privacy officers -----------------------------------------------------------------------


@official_required
@require_GET
@never_cache
def privacy_inquiries(request):
    return _private(
        render(
            request,
            "tracker/privacy_inquiries.html",
            {
                "is_privacy_officer": bool(selectors.privacy_office_ids(user=request.user)),
                "inquiries": selectors.inquiries_for_privacy_officer(user=request.user),
            },
        )
    )


@official_required
@require_http_methods(["GET", "POST"])
@never_cache
def privacy_inquiry(request, public_id):
    inquiry = selectors.inquiry_for_privacy_officer(user=request.user, public_id=public_id)
    form = InquiryAnswerForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.privacy_inquiry_answer(
                    inquiry=inquiry, officer=request.user, answer=form.cleaned_data["answer"]
                )
            except TrackerError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Your answer has been sent to the citizen."))
                return redirect("tracker:privacy_inquiries")
        status = 400
    return _private(
        render(
            request,
            "tracker/privacy_inquiry.html",
            {
                "inquiry": inquiry,
                "description": selectors.entry_description(inquiry.entry),
                "form": form,
            },
            status=status,
        )
    )


# --- Un-refunded money ----------------------------------------------------------------------


@citizen_required
@require_http_methods(["GET", "POST"])
@never_cache
def refunds(request):
    if selectors.citizen_subject_hash(request.user) is None:
        return _identity_needed(request, "tracker/refunds_identity.html")
    if request.method == "POST":
        try:
            inquiry = services.refund_inquiry_start(citizen=request.user)
        except TrackerError as exc:
            messages.error(request, exc.message)
            return redirect("tracker:refunds")
        return redirect("tracker:refund_inquiry", public_id=inquiry.public_id)
    return _private(
        render(
            request,
            "tracker/refunds.html",
            {
                "latest": selectors.refund_inquiry_latest(user=request.user),
                "items": selectors.refund_items(),
            },
        )
    )


def refund_context(request, inquiry) -> dict:
    """The inquiry page's context (answers read once as they come in); the claim page
    (petitions.views_refunds) starts from it too."""
    services.refund_answers_collect(inquiry=inquiry, actor=request.user, ip_address=get_client_ip_address(request))
    summary = selectors.refund_summary(inquiry=inquiry)
    claims = list(inquiry.claims.select_related("petition").order_by("id"))
    claimed = {claim.item_code for claim in claims}
    return {
        "inquiry": inquiry,
        "summary": summary,
        "claims": claims,
        "claimable": [row for row in summary.with_money if row.fetch.item.code not in claimed],
    }


@citizen_required
@require_GET
@never_cache
def refund_inquiry(request, public_id):
    inquiry = selectors.refund_inquiry_for_citizen(user=request.user, public_id=public_id)
    return _private(render(request, "tracker/refund_inquiry.html", refund_context(request, inquiry)))


def _refund_answers_etag(request, public_id):
    """The inquiry's fetches' last change (every change of a fetch sets it), the answers read
    and the claims filed, in one query."""
    fetches = FetchRequest.objects.filter(case_ref=OuterRef("case_ref")).order_by().values("case_ref")
    version = (
        RefundInquiry.objects.filter(citizen_id=request.user.pk, public_id=public_id)
        .annotate(
            fetches_changed=Subquery(fetches.annotate(v=Max("updated_at")).values("v")[:1]),
            answers_read=Count("answers", distinct=True),
            last_claim=Max("claims__pk"),
        )
        .values_list("fetches_changed", "answers_read", "last_claim")
        .first()
    )
    return fragment_etag(request, "refund-answers", version) if version else None


@citizen_required
@require_GET
@polled_fragment(_refund_answers_etag)
def refund_answers(request, public_id):
    """The live part of the inquiry page, polled with htmx until every agency has answered."""
    inquiry = selectors.refund_inquiry_for_citizen(user=request.user, public_id=public_id)
    context = refund_context(request, inquiry)
    return render_fragment(request, "tracker/includes/refund_answers.html", context, live=context["summary"].pending)
