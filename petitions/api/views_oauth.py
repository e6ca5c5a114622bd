"""The consent screen of the apps a citizen authorises, and the citizen's list of them."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from oauth2_provider import views as oauth_views

from portal.roles import citizen_required

from . import selectors, services


class CitizenAuthorizationView(oauth_views.AuthorizationView):
    """django-oauth-toolkit's authorization endpoint (PKCE required by settings), for citizens
    only: officials' and administrators' data is not for third-party apps."""

    template_name = "api/authorize.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_citizen:
            raise Http404
        return super().dispatch(request, *args, **kwargs)


@citizen_required
@require_GET
def authorised_apps(request):
    return render(request, "api/authorised_apps.html", {"apps": selectors.authorised_apps(user=request.user)})


@citizen_required
@require_POST
def authorised_app_revoke(request, application_id: int):
    application = selectors.application_for_citizen(user=request.user, application_id=application_id)
    if application is None:
        raise Http404
    services.app_authorisation_revoke(user=request.user, application=application)
    messages.success(request, _("%(app)s can no longer read your information.") % {"app": application.name})
    return redirect("api_account:apps")
