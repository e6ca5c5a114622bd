"""Error codes of a fetch and the words citizens and officials read for them."""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class SharingError(Exception):
    """A domain error of the sharing backbone; ``message`` is translated and safe to show."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class NotFetchedYet(SharingError):
    pass


class FetchedDataDeleted(NotFetchedYet):
    """The answer was deleted by the retention job (portal/retention.py) after the petition closed."""


class UnknownItem(SharingError):
    pass


class FieldsNotInItem(SharingError):
    pass


class RetryNotAllowed(SharingError):
    pass


class RevealReasonRequired(SharingError):
    pass


class OutsideApprovedUse(SharingError):
    """The fetch is not permitted by its approved use (sharing.hub.selectors.use_check);
    ``code`` is the check's stable code (``use_fields``, ``use_revoked``, ...)."""

    def __init__(self, message, *, code: str = "use_refused"):
        super().__init__(message)
        self.code = code


MESSAGES = {
    # Held back or being retried.
    "circuit_open": _("The agency is not answering at the moment; the portal will try again automatically."),
    "agency_disabled": _("Requests to this agency are paused by the administrator."),
    # Transient failures (retried).
    "timeout": _("The agency did not answer in time."),
    "connection_error": _("The agency could not be reached."),
    "agency_error": _("The agency's system reported an error."),
    "unavailable": _("The agency is down for maintenance."),
    # The agency said no.
    "not_granted": _("The agency refused: this office may not ask for this information for this purpose."),
    "not_approved": _("The agency refused: the request is outside the approved use the agency holds."),
    "subject_not_found": _("The agency holds no record for this person or property."),
    "unknown_item": _("The agency does not provide this item."),
    # The agency refused the portal's request itself.
    "malformed_request": _("The agency could not read the portal's request."),
    "request_signature_rejected": _("The agency did not accept the portal's signature."),
    "stale_timestamp": _("The agency rejected the request as too old (clock difference)."),
    "replayed_txn": _("The agency rejected a repeated transaction."),
    "http_error": _("The agency answered with an unexpected error."),
    # The portal refused the agency's answer; nothing was stored.
    "undecryptable": _("The agency's answer could not be decrypted; nothing was stored."),
    "bad_signature": _("The agency's answer carried an invalid signature; nothing was stored."),
    "txn_mismatch": _("The agency's answer belonged to another transaction; nothing was stored."),
    "unexpected_fields": _("The agency's answer held other fields than requested; nothing was stored."),
    "malformed_response": _("The agency's answer was not in the agreed format; nothing was stored."),
    "not_configured": _("The connection to this agency is not configured."),
    # The record is someone else's and the petition type allows only the applicant's own.
    "not_applicants_record": _(
        "The agency's record belongs to someone other than the applicant, and this petition "
        "allows only the applicant's own; what the agency sent was discarded without being "
        "stored or shown."
    ),
    # The portal could not prepare the request (e.g. the subject's identifier no key decrypts).
    "request_not_built": _("The portal could not prepare the request to the agency; nothing was asked."),
    # The portal stopped the fetch before asking the agency: it is outside its approved use (이용 승인).
    "no_use": _("The portal did not ask the agency: this fetch names no approved use."),
    "use_applied": _("The portal did not ask the agency: the approved use has not been decided yet."),
    "use_refused": _("The portal did not ask the agency: the use was refused by the owning agency."),
    "use_suspended": _("The portal did not ask the agency: the approved use is suspended."),
    "use_revoked": _("The portal did not ask the agency: the approved use was revoked."),
    "use_not_yet": _("The portal did not ask the agency: the approved use is not in force yet."),
    "use_expired": _("The portal did not ask the agency: the approved use has expired."),
    "use_other_agency": _("The portal did not ask the agency: the approved use belongs to another using agency."),
    "use_other_item": _("The portal did not ask the agency: the approved use does not cover this information."),
    "use_other_purpose": _("The portal did not ask the agency: the approved use is for another purpose."),
    "use_fields": _("The portal did not ask the agency: some of the fields are not approved for this use."),
    "use_consent": _(
        "The portal did not ask the agency: this use needs the consent of the person concerned, and none is on record."
    ),
    # Stopped by the portal: the item came another way (sharing.services.fetch_request_stop).
    "uploaded_instead": _("The applicant uploaded the document instead; the agency is no longer asked."),
    "verified_otherwise": _("An official verified this information by other means; the agency is no longer asked."),
    "requested_by_supplement": _("The official asked the applicant for this document; the agency is no longer asked."),
}

# Codes of a fetch whose agency cannot answer now: the last attempt found it down (transient
# errors: no connection, a timeout, a 5xx, "unavailable") or it is held back (disabled, circuit open).
AGENCY_DOWN_CODES = frozenset(
    {"timeout", "connection_error", "agency_error", "unavailable", "agency_disabled", "circuit_open"}
)

# Codes with which the portal stopped a fetch because the item came another way.
STOPPED_CODES = frozenset({"uploaded_instead", "verified_otherwise", "requested_by_supplement"})

# Errors where the agency is reachable and answered: they say nothing about its health.
REFUSAL_CODES = {"not_granted", "not_approved", "subject_not_found", "unknown_item"}
# The portal's own refusals under the approved use (their detail names the affair and what is outside it).
USE_REFUSAL_CODES = {code for code in MESSAGES if code == "no_use" or code.startswith("use_")}


def error_message(code: str, detail: str = "") -> str:
    message = MESSAGES.get(code)
    text = str(message) if message is not None else gettext("The fetch failed (%(code)s).") % {"code": code}
    if code in REFUSAL_CODES and detail:
        return gettext("%(message)s Reason given: %(detail)s") % {"message": text, "detail": detail}
    return text
