"""Applying for and deciding approved uses (/hub/uses/, /hub/reviews/).

A using agency's administrators list their agency's uses, apply for one and follow its
history; an owning agency's reviewers get an inbox of applications for their agency's items
and decide them (approve, narrow, refuse), then suspend, resume or revoke. Every page sits
behind the second factor (portal.middleware) and answers 404 to anyone without the role for
the use, whether or not it exists.
"""

from __future__ import annotations

import datetime
from typing import cast

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from portal.models import User, UsingAgency
from portal.roles import official_required
from sharing.models import InformationItem

from . import selectors, services
from .errors import InvalidApplication, InvalidTransition, NotAllowed, UseError
from .forms_uses import ApplyForm, ApproveForm, ItemChoiceForm, ReasonForm
from .models import ApprovedUse

Status = ApprovedUse.Status
REASON_ACTIONS = ("refuse", "suspend", "resume", "revoke")


def _rows(uses, today) -> list[dict]:
    return [
        {
            "use": use,
            "days_left": selectors.days_left(use, today),
            "expiring_soon": selectors.expiring_soon(use, today),
        }
        for use in uses
    ]


def _labels(use: ApprovedUse) -> dict[str, str]:
    return {field.key: field.label for field in use.item.fields.all()}


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # official_required let only a signed-in official through


def _administered_agency(request: HttpRequest) -> UsingAgency:
    """The using agency the user applies for: their only one, or the one named by ?agency= / the form."""
    agencies = list(UsingAgency.objects.filter(administrators__user=_user(request)).order_by("name_ko"))
    if not agencies:
        raise Http404
    code = request.POST.get("agency") or request.GET.get("agency")
    if code:
        chosen = next((agency for agency in agencies if agency.code == code), None)
        if chosen is None:
            raise Http404
        return chosen
    return agencies[0]


@never_cache
@official_required
def uses_list(request: HttpRequest) -> HttpResponse:
    if not selectors.hub_roles(request.user).administers:
        raise Http404
    today = timezone.localdate()
    uses = list(selectors.uses_for_administrator(request.user))
    agencies = list(UsingAgency.objects.filter(administrators__user=_user(request)).order_by("name_ko"))
    return render(request, "hub/uses/list.html", {"rows": _rows(uses, today), "agencies": agencies})


@never_cache
@official_required
@require_http_methods(["GET", "POST"])
def use_apply(request: HttpRequest) -> HttpResponse:
    agency = _administered_agency(request)
    chooser = ItemChoiceForm(request.GET if "item" in request.GET else None)
    item = None
    if request.method == "POST":
        item = InformationItem.objects.filter(code=request.POST.get("item", "")).first()
        if item is None:
            raise Http404
    elif chooser.is_bound and chooser.is_valid():
        item = chooser.cleaned_data["item"]
    if item is None:
        return render(request, "hub/uses/apply.html", {"agency": agency, "chooser": chooser, "form": None})
    item = InformationItem.objects.select_related("agency").prefetch_related("fields").get(pk=item.pk)
    today = timezone.localdate()
    form = ApplyForm(
        request.POST if request.method == "POST" else None,
        item=item,
        initial={"requested_from": today, "requested_until": today + datetime.timedelta(days=364)},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                use = services.use_apply(
                    actor=request.user,
                    using_agency=agency,
                    item=item,
                    affair_code=data["affair_code"],
                    affair_name_ko=data["affair_name_ko"],
                    affair_name_en=data["affair_name_en"],
                    purpose=data["purpose"],
                    legal_basis=data["legal_basis"],
                    legal_basis_en=data["legal_basis_en"],
                    consent_required=data["consent_required"],
                    fields=data["fields_wanted"],
                    expected_monthly_volume=data["expected_monthly_volume"],
                    requested_from=data["requested_from"],
                    requested_until=data["requested_until"],
                )
            except NotAllowed:
                raise Http404 from None
            except UseError as error:
                form.add_service_error(error)
                status = 409 if error.code == "duplicate_application" else 400
            else:
                messages.success(
                    request, _("The application is sent to %(agency)s for review.") % {"agency": item.agency.name}
                )
                return redirect("hub:use_detail", use_id=use.public_id)
        else:
            status = 400
    return render(
        request, "hub/uses/apply.html", {"agency": agency, "chooser": None, "item": item, "form": form}, status=status
    )


def _access(request: HttpRequest, use_id) -> selectors.UseAccess:
    access = selectors.use_for_user(request.user, use_id)
    if access is None:
        raise Http404
    return access


def _detail_context(access: selectors.UseAccess) -> dict:
    use = access.use
    today = timezone.localdate()
    labels = _labels(use)
    return {
        "use": use,
        "access": access,
        "labels": labels,
        "requested_fields": [labels.get(key, key) for key in use.requested_fields],
        "approved_fields": [labels.get(key, key) for key in use.fields],
        "events": [
            {"event": event, "fields": [labels.get(key, key) for key in event.fields]}
            for event in selectors.use_history(use)
        ],
        "days_left": selectors.days_left(use, today),
        "expiring_soon": selectors.expiring_soon(use, today),
        "push": getattr(use, "push", None),  # None: never pushed (an application, a refusal)
    }


@never_cache
@official_required
def use_detail(request: HttpRequest, use_id) -> HttpResponse:
    access = _access(request, use_id)
    return render(request, "hub/uses/detail.html", _detail_context(access))


@never_cache
@official_required
def reviews_inbox(request: HttpRequest) -> HttpResponse:
    if not selectors.hub_roles(request.user).reviews:
        raise Http404
    today = timezone.localdate()
    uses = list(selectors.uses_for_reviewer(request.user))
    waiting = [row for row in _rows(uses, today) if row["use"].status == Status.APPLIED]
    decided = [row for row in _rows(uses, today) if row["use"].status != Status.APPLIED]
    return render(request, "hub/uses/inbox.html", {"waiting": waiting, "decided": decided})


def _review_forms(use: ApprovedUse, labels: dict[str, str], bound: dict | None = None) -> dict:
    bound = bound or {}
    forms = {"approve_form": bound.get("approve") or ApproveForm(use=use, labels=labels)}
    for action in REASON_ACTIONS:
        forms[f"{action}_form"] = bound.get(action) or ReasonForm(prefix_name=action)
    return forms


@never_cache
@official_required
def review(request: HttpRequest, use_id) -> HttpResponse:
    access = _access(request, use_id)
    if not access.reviews:
        raise Http404
    context = _detail_context(access)
    context.update(_review_forms(access.use, context["labels"]))
    return render(request, "hub/uses/review.html", context)


@official_required
@require_POST
def decide(request: HttpRequest, use_id, action: str) -> HttpResponse:
    """One decision on a use: approve (as applied for or narrowed), refuse, suspend, resume, revoke."""
    if action not in ("approve", *REASON_ACTIONS):
        raise Http404
    access = _access(request, use_id)
    if not access.reviews:
        raise Http404
    use = access.use
    labels = _labels(use)
    form: ApproveForm | ReasonForm
    if action == "approve":
        form = ApproveForm(request.POST, use=use, labels=labels)
    else:
        form = ReasonForm(request.POST, prefix_name=action)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "approve":
                use = services.use_approve(
                    actor=request.user,
                    use=use,
                    fields=data["fields_approved"],
                    valid_from=data["valid_from"],
                    valid_until=data["valid_until"],
                    reason=data["reason"],
                )
            else:
                step = {
                    "refuse": services.use_refuse,
                    "suspend": services.use_suspend,
                    "resume": services.use_resume,
                    "revoke": services.use_revoke,
                }[action]
                use = step(actor=request.user, use=use, reason=data["reason"])
        except NotAllowed:
            raise Http404 from None
        except InvalidTransition as error:
            # A decision sent twice, or overtaken by another reviewer's: the page as it is now.
            messages.error(request, error.message)
            access = _access(request, use_id)
            context = _detail_context(access)
            context.update(_review_forms(access.use, context["labels"]))
            return render(request, "hub/uses/review.html", context, status=409)
        except (InvalidApplication, UseError) as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("The decision is recorded: %(status)s.") % {"status": use.get_status_display()})
            return redirect("hub:review", use_id=use.public_id)
    context = _detail_context(access)
    context.update(_review_forms(use, context["labels"], {action: form}))
    context["failed_action"] = action
    return render(request, "hub/uses/review.html", context, status=status)
