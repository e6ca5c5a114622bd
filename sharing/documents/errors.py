"""Errors of the e-document store, each with a message that can be shown to people."""

from __future__ import annotations


class DocumentError(Exception):
    """Base of the store's domain errors; ``message`` is translated text for people."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class ImmutableDocumentError(DocumentError):
    """An issued e-document cannot be changed or deleted (only the retention job deletes)."""


class AttachmentRejected(DocumentError):
    """An uploaded file was refused (type, size, content or virus scan); nothing was stored."""


class DocumentRequestConflict(DocumentError):
    """An idempotency key was reused for a different document."""
