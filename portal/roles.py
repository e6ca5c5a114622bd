"""Who may open a page: view decorators by role, shared by every app's views.

Both answer 404 rather than 403 to the wrong kind of user, so that a page's existence tells
nobody anything.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.utils.translation import get_language


def citizen_required(view):
    """Signed-in citizens only; officials and administrators use their own workspaces."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_citizen:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def official_required(view):
    """Officials only. Pages under /officer/ are also behind the second factor (portal.middleware)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not (request.user.is_authenticated and request.user.is_official):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def english_active() -> bool:
    """Whether the page is being rendered in English (Korean otherwise)."""
    return (get_language() or "ko").startswith("en")
