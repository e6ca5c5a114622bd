"""The citizen's delegations page (/my/delegations/): delegations granted (and revoked at once),
delegations held, and the consent requests of delegates filing for them.

Another citizen's delegation or consent request is a 404, whatever the URL."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portal.roles import citizen_required

from . import delegation_selectors, delegation_services
from .calendar import local_today
from .errors import PetitionError
from .forms import ConsentAnswerForm, DelegationGrantForm


@citizen_required
@require_http_methods(["GET", "POST"])
def delegations(request):
    user = request.user
    has_identity = hasattr(user, "resident_link")
    form = DelegationGrantForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not has_identity:
            messages.info(request, _("Confirm your identity before you let someone file for you."))
            return redirect(f"{reverse('petitions:identity')}?next={request.path}")
        if form.is_valid():
            try:
                delegation = delegation_services.delegation_grant(
                    principal=user,
                    identifier=form.cleaned_data["identifier"],
                    petition_types=list(form.cleaned_data["petition_types"] or []),
                    all_types=form.cleaned_data["all_types"],
                    valid_until=form.cleaned_data["valid_until"],
                    consent_given=form.cleaned_data["consent_given"],
                )
            except PetitionError as exc:
                form.add_error(None, exc.message)
            else:
                # The same words whether or not an account has that identifier.
                messages.success(
                    request,
                    _(
                        "Delegation granted to “%(identifier)s”. If that is the user name or e-mail of an account, "
                        "its holder can now file for you."
                    )
                    % {"identifier": delegation.delegate_identifier},
                )
                return redirect("petitions:delegations")
        status = 400
    return render(
        request,
        "my/delegations.html",
        {
            "form": form,
            "has_identity": has_identity,
            "granted": delegation_selectors.delegations_granted(user=user),
            "held": delegation_selectors.delegations_held(user=user),
            "consent_requests": delegation_selectors.consent_requests_for(user=user),
            "today": local_today(),
        },
        status=status,
    )


@citizen_required
@require_POST
def delegation_revoke(request, delegation_id):
    delegation = delegation_selectors.delegation_granted_by(user=request.user, delegation_id=delegation_id)
    delegation_services.delegation_revoke(delegation=delegation, principal=request.user)
    messages.success(
        request,
        _("The delegation to “%(identifier)s” is revoked. They can no longer file for you.")
        % {"identifier": delegation.delegate_identifier},
    )
    return redirect("petitions:delegations")


@citizen_required
@require_POST
def consent_answer(request, representation_id):
    representation = delegation_selectors.consent_request_for(user=request.user, representation_id=representation_id)
    form = ConsentAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether you consent."))
        return redirect("petitions:delegations")
    try:
        delegation_services.principal_consent_answer(
            representation=representation, principal=request.user, agree=form.cleaned_data["answer"] == "agree"
        )
    except PetitionError as exc:
        messages.error(request, exc.message)
    else:
        if form.cleaned_data["answer"] == "agree":
            messages.success(request, _("You consented. The petition can now be submitted for you."))
        else:
            messages.success(request, _("You refused. Nothing of yours is fetched for this petition."))
    return redirect("petitions:delegations")
