"""Domain errors of petitions: views turn them into a message for people."""

from __future__ import annotations


class PetitionError(Exception):
    """A rule of the e-window refused the change; ``message`` is translated text for people."""

    def __init__(self, message):
        self.message = message
        super().__init__(str(message))


class IdentityError(PetitionError):
    """Identity verification failed; the message says why in words people understand."""


class IdentityAttemptsExceeded(IdentityError):
    """Too many identity attempts in the window: refused before anything is looked up (429)."""
