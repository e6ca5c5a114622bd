from celery import shared_task

from . import services


@shared_task(name="sharing.submissions.tasks.submissions_expire", ignore_result=True)
def submissions_expire() -> int:
    """Idempotent: marks what is past its end; running it twice marks nothing more."""
    return services.submissions_expire()
