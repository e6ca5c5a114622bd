"""Limits lookups of verification codes per client address (in the shared cache), so that
nobody can walk the code space.

Every lookup first takes a slot with one atomic increment (``cache.add`` then
``cache.incr``, both atomic in Redis and in the local-memory cache); a code that matches a
document gives its slot back, a code that matches none keeps it. So however many requests
arrive together, at most ``DOCUMENT_VERIFY_MISS_LIMIT`` unknown codes per address and window
are looked up: the count is never read before it is written.

Past the limit the address is not locked out for the whole window (one person's typos would
lock out a whole office behind one NAT address): it gets a slower path, one lookup per
``DOCUMENT_VERIFY_SLOW_SECONDS``, and every refusal says when the next one is possible
(Retry-After).

Windows are fixed intervals of the clock (the interval's number is part of the cache key),
so a count ends with its interval whatever the backend's own expiry does; across the border
of two intervals an address can get up to twice the limit. Django's file-based cache (the
default of ``make run``) has no atomic add or increment: its operations are serialised here
with a lock (a thread lock, plus an exclusive lock on a file in the cache directory where the
system offers ``fcntl``), so that it is exact for the processes of one machine too.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.filebased import FileBasedCache

try:
    import fcntl
except ImportError:  # not POSIX: the thread lock alone
    fcntl = None  # type: ignore[assignment]  # checked before each use

_file_cache_lock = threading.Lock()


def _limit() -> int:
    return int(getattr(settings, "DOCUMENT_VERIFY_MISS_LIMIT", 10))


def _window() -> int:
    return max(1, int(getattr(settings, "DOCUMENT_VERIFY_MISS_WINDOW", 3600)))


def _slow_seconds() -> int:
    return max(1, int(getattr(settings, "DOCUMENT_VERIFY_SLOW_SECONDS", 30)))


def _now() -> float:
    return time.time()


@dataclass(frozen=True)
class Admission:
    """Whether one lookup may go ahead; ``retry_after`` (seconds) when it may not."""

    allowed: bool
    slowed: bool = False
    retry_after: int = 0
    slot_key: str = ""  # the counted slot, given back when the code matches a document


@contextlib.contextmanager
def _serialised():
    """Only the file-based cache needs it: its add() and incr() read, then write."""
    backend = caches[DEFAULT_CACHE_ALIAS]
    if not isinstance(backend, FileBasedCache):
        yield
        return
    with _file_cache_lock:
        if fcntl is None:
            yield
            return
        directory = Path(settings.CACHES[DEFAULT_CACHE_ALIAS]["LOCATION"])
        directory.mkdir(parents=True, exist_ok=True)
        with open(directory / "verify-throttle.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _address(address: str | None) -> str:
    return address or "unknown"


def _add_to(key: str, delta: int, timeout: int) -> int:
    """``cache.incr(key, delta)`` that keeps the counter's expiry. The file-based cache has no
    incr() of its own: Django's generic one writes the new value back with the default timeout
    (300 s), so the count would end five minutes after the last lookup instead of with its window."""
    value = cache.incr(key, delta)
    if isinstance(caches[DEFAULT_CACHE_ALIAS], FileBasedCache):
        cache.touch(key, timeout)
    return value


def _take_slot(key: str, timeout: int) -> int:
    """The slot's number: 1 for the first lookup of the window, and so on."""
    with _serialised():
        for _attempt in range(3):
            cache.add(key, 0, timeout=timeout)
            try:
                return _add_to(key, 1, timeout)
            except ValueError:
                continue  # evicted or expired between add() and incr(): start it again
        raise RuntimeError("the cache keeps losing the verification throttle's counter")


def admit(address: str | None) -> Admission:
    """Takes a lookup slot for this address, atomically."""
    now = _now()
    window = _window()
    slot_key = f"documents:verify-miss:{_address(address)}:{int(now // window)}"
    # The key outlives its interval a little: the interval's number, not expiry, ends it.
    if _take_slot(slot_key, timeout=window + 60) <= _limit():
        return Admission(allowed=True, slot_key=slot_key)
    slow = _slow_seconds()
    interval = int(now // slow)
    with _serialised():
        first_in_interval = cache.add(f"documents:verify-slow:{_address(address)}:{interval}", 1, timeout=slow + 60)
    if first_in_interval:
        return Admission(allowed=True, slowed=True)
    return Admission(allowed=False, slowed=True, retry_after=max(1, math.ceil((interval + 1) * slow - now)))


def release(admission: Admission) -> None:
    """The looked-up code matched a document: its slot does not count as a miss."""
    if not admission.slot_key:
        return
    with _serialised(), contextlib.suppress(ValueError):  # the interval is over and its count gone
        _add_to(admission.slot_key, -1, _window() + 60)


def slow_seconds() -> int:
    return _slow_seconds()


def window_minutes() -> int:
    return max(1, _window() // 60)
