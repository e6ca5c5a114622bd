"""Domain errors of petitions: views turn them into a message for people."""

from __future__ import annotations

from portal.identity import IdentityError as _ProviderIdentityError


class PetitionError(Exception):
    """A rule of the e-window refused the change; ``message`` is translated text for people."""

    def __init__(self, message):
        self.message = message
        super().__init__(str(message))


# Identity verification failed: the provider interface's error (portal.identity), raised by
# providers and by petitions alike; its ``message`` says why in words people understand.
IdentityError = _ProviderIdentityError


class IdentityAttemptsExceeded(IdentityError):
    """Too many identity attempts in the window: refused before anything is looked up (429)."""
