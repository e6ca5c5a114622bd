"""What may be submitted and for how long: the rules both the pages and the API read."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from sharing.documents.models import EDocument, Kind

# Documents the portal issued (not the files a citizen uploaded), as PDFs that carry the
# portal's signature and a verification code.
SUBMITTABLE_KINDS = frozenset({Kind.RECEIPT, Kind.RESULT_NOTICE, Kind.SUBMISSION_COPY, Kind.SUPPLEMENT_NOTICE})

REFUSAL_MESSAGES = {
    "not_owner": _("Only the owner of a document can submit it."),
    "kind": _("Only documents the portal issued can be submitted (not files you uploaded)."),
    "superseded": _("A correction replaced this document: submit the newest one instead."),
    "not_yours": _("This document is about someone else (a petition you filed for them), so only they can submit it."),
}


def expiry_default_days() -> int:
    return max(1, min(settings.SUBMISSION_EXPIRY_DEFAULT_DAYS, expiry_max_days()))


def expiry_max_days() -> int:
    return max(1, settings.SUBMISSION_EXPIRY_MAX_DAYS)


def owner_subject_hash(user) -> str:
    """The keyed hash of the citizen's RRN once their identity is linked; "" before."""
    link = getattr(user, "resident_link", None)
    return getattr(link, "rrn_hash", "") or ""


def refusal_code(*, document: EDocument, user) -> str:
    """Why ``user`` may not submit ``document`` ("" when they may)."""
    if document.owner_id != user.pk:
        return "not_owner"
    if document.kind not in SUBMITTABLE_KINDS or document.media_type != "application/pdf":
        return "kind"
    if document.is_superseded:
        return "superseded"
    own = owner_subject_hash(user)
    if not own or document.subject_hash != own:
        return "not_yours"
    return ""


def refusal_message(code: str):
    return REFUSAL_MESSAGES.get(code, "")
