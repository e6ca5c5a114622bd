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


@shared_task(name="petitions.tasks.delegation_consent_notify", acks_late=True)
def delegation_consent_notify(representation_id: int) -> bool:
    from .notifications import delegation_consent_request_send

    return delegation_consent_request_send(representation_id=representation_id)


@shared_task(
    name="petitions.tasks.payment_refund",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=60,
    retry_backoff_max=3600,
    max_retries=12,
)
def payment_refund(payment_id: int, reason: str, allow_unpaid: bool = False) -> str:
    """Gives a fee back through the provider (idempotent: a refunded payment is left alone)."""
    from .payments.services import payment_refund as refund

    return refund(payment_id=payment_id, reason=reason, allow_unpaid=allow_unpaid).status


@shared_task(name="petitions.tasks.payments_reconcile_yesterday", ignore_result=True)
def payments_reconcile_yesterday() -> int:
    """Beat, daily: yesterday's payments (Korean time) against the provider's records."""
    import datetime

    from .calendar import local_today
    from .payments.services import payments_reconcile

    report = payments_reconcile(day=local_today() - datetime.timedelta(days=1))
    return len(report.discrepancies)


@shared_task(name="petitions.tasks.document_correction_notify", acks_late=True)
def document_correction_notify(petition_id: int, document_request_id: int) -> bool:
    from .notifications import document_correction_notify_send

    return document_correction_notify_send(petition_id=petition_id, document_request_id=document_request_id)
