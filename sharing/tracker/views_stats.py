"""/officer/ops/ (administrators): agency health. (/stats/ reads petitions: petitions.views_stats.)"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import ops


@require_GET
@never_cache
def operations(request):
    user = request.user
    if not (user.is_authenticated and (user.is_administrator or user.is_superuser)):
        raise Http404
    rows = ops.agency_health()
    response = render(
        request, "stats/operations.html", {"rows": rows, "windows": [name for name, _span in ops.WINDOWS]}
    )
    response["Cache-Control"] = "private, no-store"
    return response
