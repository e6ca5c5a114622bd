"""Records every attempt of a fetch as an ``Exchange`` for the operations view.

The sharing backbone moves a fetch to "fetching" when an attempt starts (``updated_at`` is
then the start) and saves its outcome in the same row when the agency has answered or
failed; the outcome save is seen here, before it is written, so the start is still known.
"""

from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.utils import timezone

from sharing.models import FetchRequest

from .models import Exchange

State = FetchRequest.State
OUTCOMES = {
    State.FETCHED: Exchange.Outcome.OK,
    State.REFUSED: Exchange.Outcome.REFUSED,
    State.RETRYING: Exchange.Outcome.ERROR,
    State.FAILED: Exchange.Outcome.ERROR,
}


@receiver(pre_save, sender=FetchRequest, dispatch_uid="tracker.exchange_record")
def exchange_record(sender, instance: FetchRequest, raw=False, update_fields=None, **kwargs):
    if raw or instance.pk is None or update_fields is not None or instance.state not in OUTCOMES:
        return
    if not instance.txn_id or instance.updated_at is None:
        return
    # Only the end of an attempt: the stored row is still "fetching" with this transaction id.
    if not FetchRequest.objects.filter(pk=instance.pk, state=State.FETCHING, txn_id=instance.txn_id).exists():
        return
    now = timezone.now()
    Exchange.objects.create(
        agency_code=instance.item.agency.code,
        item_code=instance.item.code,
        outcome=OUTCOMES[instance.state],
        error_code=instance.error_code or "",
        latency_ms=max(0, int((now - instance.updated_at).total_seconds() * 1000)),
        finished_at=now,
    )
