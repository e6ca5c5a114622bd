"""The officials' workspace (/officer/). Every view here sits behind the second factor
(portal.middleware.SecondFactorRequiredMiddleware) and refuses anyone who is not an
official."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from portal.models import OfficeMembership


def _require_official(request) -> None:
    if not (request.user.is_authenticated and request.user.is_official):
        raise Http404


def workspace(request):
    _require_official(request)
    memberships = OfficeMembership.objects.filter(user=request.user).select_related("office").order_by("office__name_ko")
    return render(request, "officer/workspace.html", {"memberships": memberships})
