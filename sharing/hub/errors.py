"""Why a use cannot be applied for, decided, or fetched under: each with a stable code and
a message in the reader's language."""

from __future__ import annotations


class UseError(Exception):
    """A use-related step refused; ``code`` is stable (tests, logs), the message is translated."""

    code = "use_error"

    def __init__(self, message, *, code: str | None = None, field: str | None = None):
        super().__init__(str(message))
        self.message = str(message)
        # The form field the message belongs next to (None: the whole form).
        self.field = field
        if code:
            self.code = code


class InvalidApplication(UseError):
    code = "invalid_application"


class NotAllowed(UseError):
    """The user holds no role that lets them take this step for this use."""

    code = "not_allowed"


class InvalidTransition(UseError):
    """The step does not apply to the use in its present status (e.g. approving a revoked use)."""

    code = "invalid_transition"


class UseRefused(UseError):
    """A fetch is outside its approved use: it is refused at the portal before anything is sent."""

    code = "use_refused"
