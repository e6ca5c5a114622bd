"""What can go wrong when asking an agency; each error has a distinct code that is logged and shown.

``retryable`` errors are tried again with back-off and count against the agency's circuit;
the others end the fetch at once (``refused`` when the agency said no, ``failed`` otherwise).
"""

from __future__ import annotations


class ProviderError(Exception):
    code = "provider_error"
    retryable = False
    refusal = False

    def __init__(self, detail: str = "", *, code: str | None = None, status: int | None = None):
        super().__init__(detail or self.code)
        if code:
            self.code = code
        self.detail = detail
        self.status = status


class ProviderConfigurationError(ProviderError):
    """The agency's configuration is incomplete or wrong (message for the administrator)."""

    code = "not_configured"


# --- transient: the agency (or the way to it) is in trouble --------------------------------
class TransientError(ProviderError):
    retryable = True


class AgencyTimeout(TransientError):
    code = "timeout"


class ConnectionFailed(TransientError):
    code = "connection_error"


class AgencyServerError(TransientError):
    code = "agency_error"


class AgencyUnavailable(TransientError):
    code = "unavailable"


# --- the agency answered no ---------------------------------------------------------------
class Refused(ProviderError):
    """not_granted, subject_not_found, unknown_item: the agency's reason is in ``detail``."""

    code = "not_granted"
    refusal = True


class RequestRejected(ProviderError):
    """The agency rejected the portal's request itself (signature, timestamp, replay, syntax)."""

    code = "http_error"


# --- the portal refuses the agency's answer; nothing is stored ---------------------------------
class ResponseRejected(ProviderError):
    code = "malformed_response"


class Undecryptable(ResponseRejected):
    code = "undecryptable"


class BadSignature(ResponseRejected):
    code = "bad_signature"


class TxnMismatch(ResponseRejected):
    code = "txn_mismatch"


class UnexpectedFields(ResponseRejected):
    code = "unexpected_fields"


class MalformedResponse(ResponseRejected):
    code = "malformed_response"
