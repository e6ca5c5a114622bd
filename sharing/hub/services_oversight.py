"""Writes of oversight: raising the flags the rules find (idempotent) and closing one with a note."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import oversight
from .errors import InvalidTransition, NotAllowed
from .models import OversightFlag
from .selectors_oversight import oversight_office_ids

logger = logging.getLogger(__name__)

NOTE_MAX_LENGTH = 2000


@transaction.atomic
def oversight_flags_raise(
    *, days: Iterable[datetime.date], thresholds: oversight.Thresholds | None = None
) -> list[OversightFlag]:
    """Raises the flags the rules find for ``days`` that are not raised yet (by window key) and
    returns them. A flag already raised keeps its status and note; while it is open, its count
    follows the log (a day still running raises its flag once, then counts on)."""
    thresholds = thresholds or oversight.Thresholds.from_settings()
    found: dict[str, oversight.Candidate] = {}
    for day in sorted(set(days)):
        for candidate in oversight.candidates(day, thresholds):
            found[candidate.key] = candidate
    if not found:
        return []
    existing = {flag.key: flag for flag in OversightFlag.objects.filter(key__in=found).only("key", "count", "status")}
    grown = [
        flag
        for key, flag in existing.items()
        if flag.status == OversightFlag.Status.OPEN and found[key].count > flag.count
    ]
    for flag in grown:
        flag.count = found[flag.key].count
    if grown:
        OversightFlag.objects.bulk_update(grown, ["count"])
    new = [
        OversightFlag(
            key=key,
            kind=c.kind,
            office_id=c.office_id,
            official_id=c.official_id,
            affair_code=c.affair_code,
            subject_hash=c.subject_hash,
            window_start=c.window_start,
            window_end=c.window_end,
            count=c.count,
            threshold=c.threshold,
            usual=c.usual,
        )
        for key, c in found.items()
        if key not in existing
    ]
    # ignore_conflicts: another run raising the same window at the same moment wins, quietly.
    # It sets no primary keys: the flags are read back.
    OversightFlag.objects.bulk_create(new, ignore_conflicts=True)
    if not new:
        return []
    logger.info("oversight: %d flag(s) raised (%s)", len(new), ", ".join(sorted({flag.kind for flag in new})))
    return list(OversightFlag.objects.filter(key__in=[flag.key for flag in new]).order_by("id"))


def days_to_examine(*, today: datetime.date | None = None) -> list[datetime.date]:
    """What the periodic run examines: yesterday (complete) and today (so far)."""
    today = today or timezone.localdate()
    return [today - datetime.timedelta(days=1), today]


@transaction.atomic
def oversight_flag_close(*, flag: OversightFlag, actor, note: str) -> OversightFlag:
    """Closes an open flag with the reviewer's note; who and when are kept on the flag."""
    flag = OversightFlag.objects.select_for_update().get(pk=flag.pk)
    if flag.office_id not in oversight_office_ids(actor):
        raise NotAllowed(_("Only a supervisor or the privacy officer of the office can close this flag."))
    if flag.status != OversightFlag.Status.OPEN:
        raise InvalidTransition(_("This flag has already been closed."))
    note = (note or "").strip()
    if not note:
        raise InvalidTransition(_("Write what you found and did before closing the flag."), code="note_required")
    flag.status = OversightFlag.Status.CLOSED
    flag.closed_by = actor
    flag.closed_at = timezone.now()
    flag.note = note[:NOTE_MAX_LENGTH]
    flag.save(update_fields=["status", "closed_by", "closed_at", "note"])
    logger.info("oversight: flag %s closed by user %s", flag.pk, actor.pk)
    return flag
