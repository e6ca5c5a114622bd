"""Signals of the sharing backbone (sent on commit)."""

from django.dispatch import Signal

# Sent with ``case_ref`` once no fetch of that case is pending any more (all fetched,
# failed or refused). Petitions listen to move the petition on.
case_fetches_settled = Signal()
