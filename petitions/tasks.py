from celery import shared_task

from .notifications import petition_notify_send


@shared_task(name="petitions.tasks.petition_notify", acks_late=True)
def petition_notify(petition_id: int, status: str) -> bool:
    return petition_notify_send(petition_id=petition_id, status=status)
