"""A rate per client: an OAuth application's calls count together (whichever citizen or
machine holds its tokens); calls without a token count per address (the login throttle's
address, so proxies in front are counted as configured: TRUSTED_PROXY_COUNT).

A fixed window counted with one atomic ``add``/``incr`` in the shared cache (as the /verify/
throttle does), so concurrent calls cannot slip past the limit and a call costs one round trip.
"""

from __future__ import annotations

import time

from axes.helpers import get_client_ip_address
from django.core.cache import cache
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """``"600/minute"`` -> (600, 60)."""
    count, period = rate.split("/")
    return int(count), _SECONDS[period[0]]


class PerClientThrottle(BaseThrottle):
    def __init__(self) -> None:
        self._wait: float | None = None

    def allow_request(self, request, view) -> bool:
        application_id = getattr(request.auth, "application_id", None)
        if application_id is not None:
            scope, ident = "client", f"app-{application_id}"
        else:
            scope, ident = "anonymous", f"ip-{get_client_ip_address(request) or 'unknown'}"
        limit, window = parse_rate(api_settings.DEFAULT_THROTTLE_RATES[scope])
        now = time.time()
        start = int(now // window) * window
        key = f"api-throttle:{scope}:{ident}:{start}"
        if cache.add(key, 1, timeout=window + 1):
            count = 1
        else:
            try:
                count = cache.incr(key)
            except ValueError:  # expired between add and incr: this call opens the window again
                cache.add(key, 1, timeout=window + 1)
                count = 1
        if count <= limit:
            return True
        self._wait = max(1.0, start + window - now)
        return False

    def wait(self) -> float | None:
        return self._wait
