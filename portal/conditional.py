"""Conditional GET for the fragments htmx polls: ``304 Not Modified`` before any work is done.

A polled fragment declares what it shows through an ETag function: one cheap query for the
versions of what the fragment depends on (``updated_at``, states, counts), given to
:func:`fragment_etag`, which adds the active language and the user. Django's
``condition`` decorator answers ``304`` when the browser's ``If-None-Match`` holds that ETag,
without running the view. The response says ``Cache-Control: private, no-cache``: the browser
keeps the fragment for this user only and asks again on every poll (``no-store`` would keep it
from sending ``If-None-Match`` at all).

When the fragment can no longer change, the view answers htmx with django-htmx's
``HttpResponseStopPolling`` (status 286): htmx swaps it in and stops the poll.
"""

from __future__ import annotations

import hashlib
from functools import wraps

from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.views.decorators.http import condition
from django_htmx.http import HttpResponseStopPolling


def fragment_etag(request, *parts) -> str:
    """The ETag of a fragment rendered from ``parts`` for this user, in the active language."""
    raw = repr((get_language(), request.user.pk, *parts))
    return hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


def polled_fragment(etag_func):
    """``condition(etag_func=...)`` for a polled fragment, and the browser told to revalidate."""

    def decorator(view):
        conditional_view = condition(etag_func=etag_func)(view)

        @wraps(view)
        def wrapped(request, *args, **kwargs):
            response = conditional_view(request, *args, **kwargs)
            if response.status_code in (200, 286, 304):
                # Replaces never_cache's no-store: the fragment is kept for this user, revalidated.
                response.headers.pop("Expires", None)
                response["Cache-Control"] = "private, no-cache"
            return response

        return wrapped

    return decorator


def render_fragment(request, template_name: str, context: dict, *, live: bool):
    """The fragment; to htmx, once it cannot change any more (``live`` false), with status 286."""
    if live or not request.htmx:
        return render(request, template_name, context)
    return HttpResponseStopPolling(render_to_string(template_name, context, request))
