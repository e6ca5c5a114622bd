"""The verification throttle against real cache backends: concurrency, the window, the slower path.

The Redis case runs when the suite's cache is Redis (CACHE_URL=redis://...); the local-memory
and file-based cases always run.
"""

import threading

import pytest
import time_machine
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


# --- the settings, their documented defaults, and a misconfigured zero -------------------------


def test_without_the_settings_the_documented_defaults_apply(backend, clock, settings):
    """README: 10 unknown codes per address and hour, then one lookup every 30 seconds."""
    del settings.DOCUMENT_VERIFY_MISS_LIMIT
    del settings.DOCUMENT_VERIFY_MISS_WINDOW
    del settings.DOCUMENT_VERIFY_SLOW_SECONDS
    for _ in range(10):
        admission = _miss()
        assert admission.allowed and not admission.slowed
    assert _miss().slowed
    refused = _miss()
    assert not refused.allowed and refused.retry_after == 30
    assert refused.slowed is True and refused.slot_key == ""  # a refusal is on the slower path, nothing counted
    assert throttle.slow_seconds() == 30 and throttle.window_minutes() == 60
    clock["t"] = START + 3599  # the last second of the hour: still slowed
    assert _miss().slowed
    clock["t"] = START + 3600
    assert not _miss().slowed


def test_a_window_or_slow_interval_set_to_zero_is_one_second(backend, clock, settings):
    settings.DOCUMENT_VERIFY_MISS_WINDOW = 0
    settings.DOCUMENT_VERIFY_SLOW_SECONDS = 0
    for _ in range(10):
        assert not _miss().slowed
    assert _miss().slowed
    refused = _miss()
    assert not refused.allowed and refused.retry_after == 1
    assert throttle.slow_seconds() == 1
    clock["t"] = START + 1  # the next one-second window
    admission = _miss()
    assert admission.allowed and not admission.slowed


@pytest.mark.parametrize(("window", "minutes"), [(3600, 60), (150, 2), (90, 1), (60, 1), (30, 1), (1, 1)])
def test_the_window_is_announced_in_whole_minutes_at_least_one(settings, window, minutes):
    settings.DOCUMENT_VERIFY_MISS_WINDOW = window
    assert throttle.window_minutes() == minutes


def test_the_wait_is_rounded_up_to_a_whole_second_and_is_at_least_one(backend, clock):
    for _ in range(11):
        _miss()
    clock["t"] = START + 29.5  # half a second before the next slow interval
    refused = _miss()
    assert not refused.allowed and refused.retry_after == 1
    clock["t"] = START + 0.25
    assert _miss().retry_after == 30  # 29.75 seconds, rounded up


def test_each_address_has_its_own_slower_path(backend, clock):
    for address in ("203.0.113.7", "198.51.100.1"):
        for _ in range(10):
            assert not throttle.admit(address).slowed
    # both past the limit in the same slow interval: each gets its one lookup
    for address in ("203.0.113.7", "198.51.100.1"):
        admission = throttle.admit(address)
        assert admission.allowed and admission.slowed
    for address in ("203.0.113.7", "198.51.100.1"):
        assert not throttle.admit(address).allowed


def test_a_client_without_an_address_is_counted_as_one_unknown_client(backend, clock):
    for _ in range(10):
        assert not throttle.admit(None).slowed
    assert throttle.admit("").slowed  # an empty address is the same unknown client
    assert not throttle.admit("203.0.113.7").slowed


# --- the counters in the cache: kept for their whole window, gone after it ----------------------

# The backend's own expiry runs on the process clock, so these hold the whole clock still.
SLOT_KEY = f"documents:verify-miss:203.0.113.7:{int(START // WINDOW)}"
SLOW_KEY = f"documents:verify-slow:203.0.113.7:{int(START // 30)}"


@pytest.fixture
def process_clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def test_the_count_is_kept_until_the_end_of_its_window(backend, process_clock):
    for _ in range(10):
        _miss()
    assert _miss().slowed
    process_clock.move_to(START + WINDOW - 5)  # well past the cache's default expiry (300 s)
    admission = _miss()
    assert admission.allowed and admission.slowed  # still counted: only the slower path


def test_a_slot_given_back_keeps_the_count_until_the_end_of_its_window(backend, process_clock):
    for _ in range(9):
        _miss()
    throttle.release(throttle.admit("203.0.113.7"))  # a code that matched: 9 misses still counted
    process_clock.move_to(START + WINDOW - 5)
    assert not _miss().slowed  # the tenth miss
    assert _miss().slowed


def test_the_counters_leave_the_cache_a_minute_after_their_interval(backend, process_clock):
    """The addresses of clients are not kept for ever (the interval's number in the key ends the
    count; the expiry only clears the cache)."""
    for _ in range(11):
        _miss()
    assert cache.get(SLOT_KEY) == 11 and cache.get(SLOW_KEY) is not None
    if backend == "redis":  # Redis expires keys on its own clock: their time to live instead
        assert WINDOW < cache.ttl(SLOT_KEY) <= WINDOW + 60 and 30 < cache.ttl(SLOW_KEY) <= 30 + 60
        return
    process_clock.move_to(START + 30 + 61)
    assert cache.get(SLOW_KEY) is None
    assert cache.get(SLOT_KEY) == 11
    process_clock.move_to(START + WINDOW + 61)
    assert cache.get(SLOT_KEY) is None


def test_a_counter_given_a_slot_back_leaves_the_cache_a_minute_after_its_window(backend, process_clock):
    for _ in range(9):
        _miss()
    throttle.release(throttle.admit("203.0.113.7"))  # the last write of the counter is the give-back
    assert cache.get(SLOT_KEY) == 9
    if backend == "redis":  # Redis expires keys on its own clock: their time to live instead
        assert WINDOW < cache.ttl(SLOT_KEY) <= WINDOW + 60
        return
    process_clock.move_to(START + WINDOW + 61)
    assert cache.get(SLOT_KEY) is None


class _ForgetfulCache:
    """The shared cache, but the counter is lost between add() and incr() ``losses`` times."""

    def __init__(self, losses):
        self.losses = losses
        self.adds = 0

    def add(self, key, value, timeout):
        self.adds += 1
        return cache.add(key, value, timeout=timeout)

    def incr(self, key, delta=1):
        if self.losses:
            self.losses -= 1
            cache.delete(key)
        return cache.incr(key, delta)

    def __getattr__(self, name):
        return getattr(cache, name)


def test_a_counter_lost_between_add_and_incr_is_started_again(backend, clock, monkeypatch):
    forgetful = _ForgetfulCache(losses=2)
    monkeypatch.setattr(throttle, "cache", forgetful)
    admission = _miss()
    assert admission.allowed and not admission.slowed
    assert forgetful.adds == 3 and cache.get(admission.slot_key) == 1


def test_a_cache_that_keeps_losing_the_counter_is_an_error_after_three_attempts(backend, clock, monkeypatch):
    forgetful = _ForgetfulCache(losses=1_000)
    monkeypatch.setattr(throttle, "cache", forgetful)
    with pytest.raises(RuntimeError) as excinfo:
        _miss()
    assert str(excinfo.value) == "the cache keeps losing the verification throttle's counter"
    assert forgetful.adds == 3


def test_giving_back_a_slot_whose_counter_is_gone_is_no_error(backend, clock):
    """A code that matched, answered after its interval's counter left the cache (expired or
    evicted): nothing is left to give back, and the lookup is not turned into an error."""
    admission = throttle.admit("203.0.113.7")
    assert admission.slot_key
    cache.delete(admission.slot_key)
    throttle.release(admission)
    assert cache.get(admission.slot_key) is None  # not brought back as a negative count
