"""Celery tasks of the hub: pushing a decision on a use to its owning agency, with retries;
raising the oversight flags (hourly, by beat; idempotent by window); purging look-ups'
answers that were not attached to a case."""

from __future__ import annotations

from celery import shared_task

# Back-off between attempts: 10 s, 20 s, 40 s, ... capped at an hour; after the last one the
# push stays "failed" on the use's page until ``uses_push_all`` (seed_demo, or an operator) sends it again.
PUSH_MAX_RETRIES = 12
PUSH_BACKOFF_CAP_SECONDS = 3600


def push_countdown(retries: int) -> int:
    return min(PUSH_BACKOFF_CAP_SECONDS, 10 * 2**retries)


@shared_task(bind=True, name="sharing.hub.tasks.use_push", ignore_result=True, max_retries=PUSH_MAX_RETRIES)
def use_push_task(self, use_pk: int) -> bool:
    from .push import use_push

    outcome = use_push(use_pk=use_pk)
    # Run eagerly (tests, CELERY_TASK_ALWAYS_EAGER) there is no broker to hold a later attempt:
    # the failure stays recorded on the use, and uses_push_all sends it again.
    if outcome.retry and not self.request.is_eager and self.request.retries < PUSH_MAX_RETRIES:
        raise self.retry(countdown=push_countdown(self.request.retries))
    return outcome.pushed


@shared_task(name="sharing.hub.tasks.oversight_raise_flags", ignore_result=True)
def oversight_raise_flags() -> int:
    """Examines yesterday and today so far; raises each window's flag once. Returns how many."""
    from .services_oversight import days_to_examine, oversight_flags_raise

    return len(oversight_flags_raise(days=days_to_examine()))


@shared_task(name="sharing.hub.tasks.lookups_purge", ignore_result=True)
def lookups_purge() -> int:
    """Beat, every LOOKUP_PURGE_EVERY_SECONDS: look-ups kept past their time lose their answer.
    Idempotent (a purged look-up is skipped)."""
    from .services_lookups import lookups_purge_expired

    return lookups_purge_expired()
