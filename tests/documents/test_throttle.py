"""The verification throttle against real cache backends: concurrency, the window, the slower path.

The Redis case runs when the suite's cache is Redis (CACHE_URL=redis://...); the local-memory
and file-based cases always run.
"""

import threading

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import override_settings

from sharing.documents import throttle

WINDOW = 3600
START = WINDOW * 1_000_000.0  # the start of a window (and of a slow interval)


@pytest.fixture(params=["locmem", "filebased", "redis"])
def backend(request, settings, tmp_path):
    configured = django_settings.CACHES["default"]
    if request.param == "redis" and "redis" not in configured["BACKEND"].lower():
        pytest.skip("the suite's cache is not Redis (run with CACHE_URL=redis://...)")
    config = {
        "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle-test"},
        "filebased": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(tmp_path)},
        "redis": configured,
    }[request.param]
    with override_settings(CACHES={"default": config}):
        cache.clear()
        settings.DOCUMENT_VERIFY_MISS_LIMIT = 10
        settings.DOCUMENT_VERIFY_MISS_WINDOW = WINDOW
        settings.DOCUMENT_VERIFY_SLOW_SECONDS = 30
        yield request.param
        cache.clear()


@pytest.fixture
def clock(monkeypatch):
    now = {"t": START}
    monkeypatch.setattr(throttle, "_now", lambda: now["t"])
    return now


def _miss(address="203.0.113.7"):
    """One lookup of a code that matches nothing: the slot is kept."""
    return throttle.admit(address)


def test_parallel_unknown_codes_never_get_past_the_limit(backend, clock):
    threads, barrier = 32, threading.Barrier(32)
    admissions, lock = [], threading.Lock()

    def attempt():
        barrier.wait()
        admission = _miss()
        with lock:
            admissions.append(admission)

    workers = [threading.Thread(target=attempt) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    allowed = [a for a in admissions if a.allowed]
    assert len(admissions) == threads
    assert len([a for a in allowed if not a.slowed]) == 10  # the limit, exactly
    assert len([a for a in allowed if a.slowed]) == 1  # the slower path's one lookup of this interval
    refused = [a for a in admissions if not a.allowed]
    assert len(refused) == threads - 11 and all(a.retry_after == 30 for a in refused)


def test_codes_that_match_give_their_slot_back(backend, clock):
    for _ in range(25):
        throttle.release(throttle.admit("203.0.113.7"))  # a real code, looked up 25 times
    for _ in range(10):
        assert _miss().allowed
    assert _miss().slowed


def test_the_lock_ends_with_the_window(backend, clock):
    for _ in range(10):
        assert _miss().allowed
    assert _miss().slowed  # the slower path's lookup
    refused = _miss()
    assert not refused.allowed and refused.retry_after == 30
    clock["t"] = START + WINDOW - 1  # still inside the window: only the slower path
    assert _miss().slowed
    assert _miss().allowed is False
    clock["t"] = START + WINDOW
    fresh = [_miss() for _ in range(10)]
    assert all(a.allowed and not a.slowed for a in fresh)


def test_the_slower_path_gives_one_lookup_per_interval_and_says_when(backend, clock):
    for _ in range(10):
        _miss()
    assert _miss().allowed
    clock["t"] = START + 12
    refused = _miss()
    assert not refused.allowed and refused.retry_after == 18
    clock["t"] = START + 30
    admitted = _miss()
    assert admitted.allowed and admitted.slowed
    assert not _miss().allowed
    # another address behind another NAT is not slowed at all
    other = throttle.admit("198.51.100.1")
    assert other.allowed and not other.slowed
