"""A circuit breaker per agency, its state in the shared Django cache (Redis in production).

closed: fetches go through; consecutive failures are counted.
open: after ``circuit_failure_threshold`` consecutive failures, fetches are held back until
    ``circuit_reset_seconds`` have passed.
half-open: then a single probe is let through (one worker wins the probe slot); its success
    closes the circuit, its failure opens it again for another period.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache

# The clock of the circuit; tests replace it to move time without waiting.
clock = time.time

_KEEP = 7 * 24 * 3600


def _key(agency_code: str, part: str) -> str:
    return f"sharing:circuit:{agency_code}:{part}"


@dataclass(frozen=True)
class Permission:
    allowed: bool
    retry_after: float = 0.0  # seconds until the next try, when held back
    probe: bool = False
    # Whether failures were counted or the circuit was open: a success must then reset it.
    troubled: bool = True


def state(agency) -> str:
    opened_until = cache.get(_key(agency.code, "open_until"))
    if opened_until is None:
        return "closed"
    return "open" if clock() < opened_until else "half_open"


def allow(agency) -> Permission:
    open_key, failures_key = _key(agency.code, "open_until"), _key(agency.code, "failures")
    values = cache.get_many([open_key, failures_key])  # one round trip
    opened_until = values.get(open_key)
    if opened_until is None:
        return Permission(True, troubled=values.get(failures_key) is not None)
    now = clock()
    if now < opened_until:
        return Permission(False, retry_after=opened_until - now)
    # Half-open: one probe at a time, for at most one request's timeout.
    probe_hold = int(agency.timeout_seconds) + 5
    if cache.add(_key(agency.code, "probe"), 1, timeout=probe_hold):
        return Permission(True, probe=True)
    return Permission(False, retry_after=probe_hold)


def record_success(agency) -> None:
    cache.delete_many([_key(agency.code, part) for part in ("failures", "open_until", "probe")])


def record_failure(agency) -> bool:
    """Counts a failed attempt; returns whether the circuit is (now) open."""
    failures_key = _key(agency.code, "failures")
    cache.add(failures_key, 0, timeout=_KEEP)
    try:
        failures = cache.incr(failures_key)
    except ValueError:  # expired between add and incr
        cache.set(failures_key, 1, timeout=_KEEP)
        failures = 1
    opened_until = cache.get(_key(agency.code, "open_until"))
    half_open = opened_until is not None and clock() >= opened_until
    if half_open or failures >= agency.circuit_failure_threshold:
        cache.set(_key(agency.code, "open_until"), clock() + agency.circuit_reset_seconds, timeout=_KEEP)
        cache.delete(_key(agency.code, "probe"))
        return True
    return opened_until is not None


def reset(agency) -> None:
    record_success(agency)
