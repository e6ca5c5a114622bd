"""Records every attempt of a fetch as an ``Exchange`` for the operations view.

A fetch attempt is one run of the sharing backbone's task ``sharing.tasks.fetch_item``; its
return value says what happened (fetched, refused, retrying, failed, or why nothing was
asked). The task's start and end signals time it; runs that asked no agency are not recorded.
"""

from __future__ import annotations

import logging
import threading
import time

from celery.signals import task_postrun, task_prerun
from django.utils import timezone

logger = logging.getLogger(__name__)

FETCH_TASK = "sharing.tasks.fetch_item"
OUTCOMES = {"fetched": "ok", "refused": "refused", "retrying": "error", "failed": "error"}

_started: dict[str, float] = {}
_lock = threading.Lock()


@task_prerun.connect(dispatch_uid="tracker.fetch_attempt_started")
def fetch_attempt_started(task_id=None, task=None, **kwargs):
    if task is not None and task.name == FETCH_TASK and task_id:
        with _lock:
            _started[task_id] = time.monotonic()


@task_postrun.connect(dispatch_uid="tracker.fetch_attempt_finished")
def fetch_attempt_finished(task_id=None, task=None, args=None, retval=None, **kwargs):
    if task is None or task.name != FETCH_TASK or not task_id:
        return
    with _lock:
        started = _started.pop(task_id, None)
    outcome = OUTCOMES.get(retval) if isinstance(retval, str) else None
    if started is None or outcome is None or not args:
        return
    from sharing.models import FetchRequest

    from .models import Exchange

    try:
        row = (FetchRequest.objects.filter(pk=args[0])
               .values("item__code", "item__agency__code", "error_code").first())
        if row is None:
            return
        Exchange.objects.create(
            agency_code=row["item__agency__code"], item_code=row["item__code"], outcome=outcome,
            error_code=row["error_code"] if outcome != "ok" else "",
            latency_ms=max(0, round((time.monotonic() - started) * 1000)), finished_at=timezone.now(),
        )
    except Exception:  # noqa: BLE001 (statistics must never break a fetch)
        logger.exception("could not record the exchange of fetch %s", args[0])
