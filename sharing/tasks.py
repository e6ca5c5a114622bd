"""Celery tasks of the sharing backbone: one fetch attempt per task, on the agency's own queue."""

from __future__ import annotations

from celery import shared_task

from .models import fetch_queue_name


@shared_task(name="sharing.tasks.fetch_item", acks_late=True, ignore_result=True)
def fetch_item(fetch_request_id: int) -> str:
    from .services import fetch_execute

    return fetch_execute(fetch_request_id=fetch_request_id)


@shared_task(name="sharing.tasks.fetch_requests_recover", ignore_result=True)
def fetch_requests_recover() -> int:
    """Beat, every minute: fetches whose task died with a worker are queued again."""
    from datetime import timedelta

    from django.conf import settings

    from .services import fetch_requests_requeue_due

    return fetch_requests_requeue_due(stalled_after=timedelta(seconds=settings.FETCH_STALLED_AFTER_SECONDS))


def enqueue_fetch(fetch_request_id: int, agency_code: str, *, countdown: float = 0.0) -> None:
    """Queues one attempt on ``fetch.<agency>`` (called on commit by the services)."""
    fetch_item.apply_async(
        (fetch_request_id,), queue=fetch_queue_name(agency_code), countdown=countdown if countdown > 0 else None
    )


@shared_task(name="sharing.tasks.access_log_checkpoint", ignore_result=True)
def access_log_checkpoint() -> int:
    """Beat, every minute: commits to the access log when it has new entries, time-stamps and
    exports (sharing.ledger). Returns the entries committed to, 0 when nothing was new."""
    from .ledger import checkpoint_run

    checkpoint = checkpoint_run()
    return checkpoint.tree_size if checkpoint is not None else 0
