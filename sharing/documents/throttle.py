"""Counts unknown verification codes per client address (in the shared cache), so that
nobody can walk the code space: past the limit, the address is refused until the window
has passed."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache


def _limit() -> int:
    return int(getattr(settings, "DOCUMENT_VERIFY_MISS_LIMIT", 10))


def _window() -> int:
    return int(getattr(settings, "DOCUMENT_VERIFY_MISS_WINDOW", 3600))


def _key(address: str | None) -> str:
    return f"documents:verify-miss:{address or 'unknown'}"


def is_blocked(address: str | None) -> bool:
    return int(cache.get(_key(address), 0)) >= _limit()


def record_miss(address: str | None) -> None:
    key = _key(address)
    # add() starts the window only once; incr() keeps its expiry.
    cache.add(key, 0, timeout=_window())
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=_window())


def window_minutes() -> int:
    return max(1, _window() // 60)
