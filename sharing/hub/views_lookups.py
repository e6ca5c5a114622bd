"""Officials' look-ups (/hub/lookups/) and citizens' online consents (/hub/consents/).

Look-up pages are for officials who passed the second factor in this session (checked here,
whatever the middleware's prefixes), of an office of a using agency; a use of another agency,
a look-up of another official, or any unknown id is a 404. Consent pages are for citizens.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from axes.helpers import get_client_ip_address
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.roles import citizen_required
from sharing.documents.errors import AttachmentRejected

from . import selectors_lookups as selectors
from . import services_lookups as services
from .errors import UseError
from .forms_lookups import ConsentGrantForm, LookupForm, LookupRevealForm


def _private(response):
    response["Cache-Control"] = "private, no-store"
    return response


def verified_official_required(view):
    """Officials who passed the second factor in this session; everyone else is refused."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not user.is_official:
            raise Http404
        if not user.is_verified():
            return redirect(f"{reverse('two_factor_verify')}?{urlencode({'next': request.get_full_path()})}")
        return view(request, *args, **kwargs)

    return wrapped


# --- Officials ------------------------------------------------------------------------------


@verified_official_required
@require_GET
@never_cache
def lookup_index(request):
    offices = selectors.lookup_offices(request.user)
    return _private(
        render(
            request,
            "hub/lookup_index.html",
            {
                "offices": offices,
                "uses": selectors.uses_for_official(request.user, offices=offices),
                "lookups": selectors.lookups_of_official(request.user),
            },
        )
    )


@verified_official_required
@require_http_methods(["GET", "POST"])
@never_cache
def lookup_new(request, approved_use_id):
    use, office = selectors.use_for_official(request.user, public_id=approved_use_id)
    form = LookupForm(request.POST or None, request.FILES or None, use=use)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                lookup = services.lookup_create(
                    official=request.user,
                    office=office,
                    use=use,
                    subject=data["subject"],
                    case_reference=data["case_reference"],
                    reason=data["reason"],
                    consent_basis=data.get("consent_basis") or services.Basis.NONE,
                    consent_scan=data.get("consent_scan"),
                    ip_address=get_client_ip_address(request),
                )
            except (UseError, AttachmentRejected) as exc:
                form.add_error(None, str(getattr(exc, "message", exc)))
            else:
                return redirect("hub:lookup_detail", public_id=lookup.public_id)
        status = 400
    return _private(render(request, "hub/lookup_new.html", {"use": use, "office": office, "form": form}, status=status))


def _detail(request, lookup, *, reveal_form=None, reveal_field: str = "", reason: str = "", status: int = 200):
    answer = services.lookup_answer_read(
        lookup=lookup,
        actor=request.user,
        ip_address=get_client_ip_address(request),
        reveal_field=reveal_field,
        reason=reason,
    )
    return _private(
        render(
            request,
            "hub/lookup_detail.html",
            {
                "lookup": lookup,
                "use": lookup.approved_use,
                "subject": selectors.subject_masked(lookup),
                "answer": answer,
                "reveal_form": reveal_form,
            },
            status=status,
        )
    )


@verified_official_required
@require_GET
@never_cache
def lookup_detail(request, public_id):
    lookup = selectors.lookup_for_official(request.user, public_id=public_id)
    return _detail(request, lookup)


@verified_official_required
@require_POST
@never_cache
def lookup_reveal(request, public_id):
    lookup = selectors.lookup_for_official(request.user, public_id=public_id)
    form = LookupRevealForm(request.POST)
    if not form.is_valid():
        return _detail(request, lookup, reveal_form=form, status=400)
    try:
        return _detail(request, lookup, reveal_field=form.cleaned_data["field"], reason=form.cleaned_data["reason"])
    except UseError as exc:
        form.add_error(None, exc.message)
        return _detail(request, lookup, reveal_form=form, status=400)


# --- Citizens -------------------------------------------------------------------------------


@citizen_required
@require_http_methods(["GET", "POST"])
@never_cache
def consents(request):
    from sharing.tracker.selectors import citizen_subject_hash

    linked = citizen_subject_hash(request.user) is not None
    uses = selectors.uses_open_to_consent() if linked else []
    form = ConsentGrantForm(request.POST or None, uses=uses)
    status = 200
    if request.method == "POST":
        if not linked:
            raise Http404
        if form.is_valid():
            try:
                services.consent_grant_create(
                    citizen=request.user, use=form.cleaned_data["use"], expires_on=form.cleaned_data["expires_on"]
                )
            except UseError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Your consent is recorded. You can withdraw it here at any time."))
                return redirect("hub:consents")
        status = 400
    return _private(
        render(
            request,
            "hub/consents.html",
            {
                "linked": linked,
                "identity_url": f"{reverse('petitions:identity')}?next={request.path}",
                "form": form,
                "uses": uses,
                "grants": selectors.consent_grants_of(request.user),
            },
            status=status,
        )
    )


@citizen_required
@require_POST
def consent_withdraw(request, public_id):
    grant = selectors.consent_grant_for_citizen(request.user, public_id=public_id)
    services.consent_grant_withdraw(citizen=request.user, grant=grant)
    messages.success(request, _("Your consent is withdrawn: no look-up can rely on it any more."))
    return redirect("hub:consents")
