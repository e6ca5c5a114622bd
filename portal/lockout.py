"""The page shown when django-axes locks a login (too many failures)."""

from django.conf import settings
from django.shortcuts import render


def lockout_response(request, original_response, credentials):
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": minutes}
    return render(request, "registration/locked_out.html", context, status=429)
