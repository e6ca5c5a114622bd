"""Signals of the sharing backbone (sent on commit)."""

from django.dispatch import Signal

# Sent with ``case_ref`` once no fetch of that case is pending any more (all fetched,
# failed or refused). Petitions listen to move the petition on.
case_fetches_settled = Signal()

# Sent after every attempt that asked an agency, once its outcome is committed, with
# ``agency_code``, ``item_code``, ``outcome`` (fetched, refused, retrying or failed),
# ``error_code`` and ``latency_ms`` (the exchange with the agency). The operations view counts
# them. Sent with ``send_robust``: a receiver's failure never touches the fetch.
fetch_attempted = Signal()

# Sent with ``case_ref``, ``fetch_request_id`` and ``item_code`` once it is committed that a
# pending fetch cannot be answered now: its last attempt found the agency down (no connection,
# a timeout, a 5xx, "unavailable"), or it is held because the agency is disabled or its circuit
# is open. Sent again on every such attempt: receivers are idempotent. Petitions listen to offer
# the citizen the upload and tell them once.
fetch_agency_down = Signal()
