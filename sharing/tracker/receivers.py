"""Records every attempt of a fetch as an ``Exchange`` for the operations view.

The sharing backbone sends ``fetch_attempted`` once the outcome of an attempt that asked an
agency is committed (attempts that asked no agency send nothing), with what the operations
view needs; nothing is read back.
"""

from __future__ import annotations

from django.dispatch import receiver
from django.utils import timezone

from sharing.signals import fetch_attempted

# "not_applicants": the agency answered well; the portal discarded the answer (someone else's record).
OUTCOMES = {"fetched": "ok", "not_applicants": "ok", "refused": "refused", "retrying": "error", "failed": "error"}


@receiver(fetch_attempted, dispatch_uid="tracker.record_exchange")
def record_exchange(sender, *, agency_code, item_code, outcome, error_code, latency_ms, **kwargs):
    from .models import Exchange

    recorded = OUTCOMES.get(outcome)
    if recorded is None:
        return
    Exchange.objects.create(
        agency_code=agency_code[:40],
        item_code=item_code[:60],
        outcome=recorded,
        error_code=error_code[:40] if recorded != "ok" else "",
        latency_ms=max(0, int(latency_ms)),
        finished_at=timezone.now(),
    )
