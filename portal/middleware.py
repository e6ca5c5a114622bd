"""Session rules for officials and administrators, and the second-factor gate."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _

# Every URL under these prefixes needs an official or administrator who passed the
# second factor in this session.
SECOND_FACTOR_PREFIXES = ("/officer/", "/admin/", "/hub/", "/inbox/")
STAFF_SESSION_STARTED_KEY = "_staff_session_started"


class StaffSessionPolicyMiddleware:
    """Officials and administrators: logged out after an idle period and after an absolute one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.requires_second_factor:
            now = int(time.time())
            started = request.session.setdefault(STAFF_SESSION_STARTED_KEY, now)
            if now - started > settings.STAFF_SESSION_ABSOLUTE_SECONDS:
                logout(request)
                messages.info(
                    request, _("Your session has ended after the maximum time for officials. Please log in again.")
                )
                return redirect_to_login(request.get_full_path())
            # Sliding expiry: every request starts the idle clock again.
            request.session.set_expiry(settings.STAFF_SESSION_IDLE_SECONDS)
        return self.get_response(request)


class SecondFactorRequiredMiddleware:
    """Keeps everyone who has not passed the second factor out of officer and admin pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if path.startswith(SECOND_FACTOR_PREFIXES):
            user = request.user
            if not user.is_authenticated:
                if _names_a_petition(path) and settings.SESSION_COOKIE_NAME not in request.COOKIES:
                    # A visitor who never logged in learns nothing about petitions: the same 404
                    # as an official of another office. Someone whose session lapsed (an idle
                    # official following a link) is asked to log in again; either answer is the
                    # same whether the petition exists or not.
                    raise Http404
                return redirect_to_login(request.get_full_path())
            if user.requires_second_factor and not user.is_verified():
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse('two_factor_verify')}?{query}")
        return self.get_response(request)


def _names_a_petition(path: str) -> bool:
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return "receipt_no" in match.kwargs or "use_id" in match.kwargs
