"""Limits on identity confirmation attempts, per account, per client address and per subject.

Two things are limited, each over a sliding window of ``IDENTITY_ATTEMPT_WINDOW_SECONDS``:

- starts (name and RRN entered): ``IDENTITY_ATTEMPT_LIMIT`` per account and per subject (the
  keyed hash of the RRN entered), ``IDENTITY_ADDRESS_ATTEMPT_LIMIT`` per client address (higher,
  as a whole office may share one address behind NAT);
- wrong codes: ``IDENTITY_CODE_GUESS_LIMIT`` per subject and per account, whatever the number
  of confirmations started in between, so that starting again gives no new guesses.

The counts are the rows of the attempt log (``IdentityAttempt``) inside the window, which is
written for every attempt anyway. Why the database and not the cache's add/incr: the count is
then exactly the log administrators read; the window slides instead of restarting at fixed
times; the development file cache has no atomic increment across processes; and the clock is
``django.utils.timezone.now``, which tests can control, where cache expiry follows the wall clock.

Race safety: before counting, an attempt locks one ``IdentityAttemptLock`` row per key it is
counted under (account, address, subject), always in the same order so that two attempts cannot
deadlock, and keeps the locks until its transaction commits its own log row. The lock is an
UPDATE of the row (a row lock in PostgreSQL, as SELECT ... FOR UPDATE takes; in SQLite, the
database's single write lock, taken before anything is read); a missing row is created under the
unique constraint on (scope, key), so two first attempts cannot make two rows, and is then
locked the same way. A concurrent attempt on any shared key therefore waits and counts the first
one's row: N requests at once get exactly the limit through, never more.
"""

from __future__ import annotations

import datetime
import functools
import ipaddress
import operator

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from .models import IdentityAttempt, IdentityAttemptLock

Scope = IdentityAttemptLock.Scope
Kind = IdentityAttempt.Kind
Outcome = IdentityAttempt.Outcome


def attempt_limit() -> int:
    return int(getattr(settings, "IDENTITY_ATTEMPT_LIMIT", 5))


def address_attempt_limit() -> int:
    return int(getattr(settings, "IDENTITY_ADDRESS_ATTEMPT_LIMIT", 20))


def code_guess_limit() -> int:
    return int(getattr(settings, "IDENTITY_CODE_GUESS_LIMIT", 10))


def window() -> datetime.timedelta:
    return datetime.timedelta(seconds=int(getattr(settings, "IDENTITY_ATTEMPT_WINDOW_SECONDS", 3600)))


def window_minutes() -> int:
    return max(1, int(window().total_seconds()) // 60)


def lock(*, now, user=None, address: str | None = None, subject: str = "") -> None:
    """Locks the rows of the given keys until the transaction ends (call inside atomic)."""
    keys = []
    if user is not None:
        keys.append((Scope.ACCOUNT, str(user.pk)))
    if address:
        keys.append((Scope.ADDRESS, address))
    if subject:
        keys.append((Scope.SUBJECT, subject))
    for scope, key in sorted(keys):
        rows = IdentityAttemptLock.objects.filter(scope=scope, key=key)
        if not rows.update(used_at=now):
            IdentityAttemptLock.objects.get_or_create(scope=scope, key=key, defaults={"used_at": now})
            rows.update(used_at=now)


def starts_refused(*, now, user, address: str | None, subject: str) -> bool:
    """Whether a new start would pass a limit; call after lock() with the same keys."""
    counts = _counts(
        now=now, kind=Kind.START, user=user, address=address, subject=subject, outcomes=~Q(outcome=Outcome.REFUSED)
    )
    return (
        counts["account"] >= attempt_limit()
        or counts["subject"] >= attempt_limit()
        or counts["address"] >= address_attempt_limit()
    )


def code_guesses_refused(*, now, user, subject: str) -> bool:
    """Whether the account or the subject has used its wrong codes in the window; after lock()."""
    counts = _counts(
        now=now, kind=Kind.CODE, user=user, address=None, subject=subject, outcomes=Q(outcome=Outcome.WRONG_CODE)
    )
    return counts["account"] >= code_guess_limit() or counts["subject"] >= code_guess_limit()


def _counts(*, now, kind, user, address, subject, outcomes: Q) -> dict[str, int]:
    """The counts per key in one query; a key that is not given counts 0."""
    per_key = {}
    if user is not None:
        per_key["account"] = Q(user=user)
    if address:
        per_key["address"] = Q(client_address=address)
    if subject:
        per_key["subject"] = Q(subject_hash=subject)
    counts = {"account": 0, "address": 0, "subject": 0}
    if per_key:
        any_key = functools.reduce(operator.or_, per_key.values())
        rows = IdentityAttempt.objects.filter(any_key, outcomes, kind=kind, created_at__gt=now - window())
        counts.update(rows.aggregate(**{name: Count("pk", filter=condition) for name, condition in per_key.items()}))
    return counts


def client_address(value: str | None) -> str | None:
    """The address as stored and counted, or None when there is no valid one."""
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def record(*, kind, outcome, user, address: str | None, subject: str, now=None) -> IdentityAttempt:
    return IdentityAttempt.objects.create(
        kind=kind,
        outcome=outcome,
        user=user,
        client_address=address,
        subject_hash=subject,
        created_at=now or timezone.now(),
    )
