from celery import shared_task

from .notifications import petition_notify_send, petition_outage_notify_send


@shared_task(name="petitions.tasks.petition_notify", acks_late=True)
def petition_notify(petition_id: int, status: str) -> bool:
    return petition_notify_send(petition_id=petition_id, status=status)


@shared_task(name="petitions.tasks.petition_outage_notify", acks_late=True)
def petition_outage_notify(petition_id: int) -> bool:
    return petition_outage_notify_send(petition_id=petition_id)


@shared_task(name="petitions.tasks.petitions_resume_collecting", ignore_result=True)
def petitions_resume_collecting() -> int:
    """Beat, every minute: a petition still collecting although none of its fetches is pending
    (the step that moves it on died with a worker) goes on to review."""
    from datetime import timedelta

    from django.conf import settings

    from .services import petitions_resume_settled

    return petitions_resume_settled(quiet_for=timedelta(seconds=settings.FETCH_STALLED_AFTER_SECONDS))
