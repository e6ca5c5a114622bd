"""The sandbox agencies' part of ``manage.py check_consistency`` (portal.consistency).

Registered when the sandbox starts (sharing.sandbox.apps): only the sandbox reads its own
tables. The portal hands in its recorded fetches, so the sandbox needs no portal model either.
"""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef

from .models import SeenTransaction


def agencies_report(*, since, recorded_fetches, examples: int) -> dict:
    """The transactions the agencies answered, and those the portal never recorded."""
    seen = SeenTransaction.objects.all()
    if since is not None:
        seen = seen.filter(seen_at__gte=since)
    rows = seen.order_by().values("agency_code").annotate(n=Count("pk")).values_list("agency_code", "n")
    recorded = recorded_fetches.filter(txn_id=OuterRef("txn_id"))
    unrecorded = seen.filter(~Exists(recorded))
    # Answers (or refusals) that reached no recorded outcome: lost with a killed worker, or
    # a client that gave up; the item is then asked again under a new transaction.
    return {
        "answered_by_agency": {str(key): n for key, n in sorted(rows, key=lambda row: str(row[0]))},
        "answers_not_recorded": unrecorded.count(),
        "answers_not_recorded_examples": list(
            unrecorded.order_by("seen_at").values_list("txn_id", flat=True)[:examples]
        ),
    }
