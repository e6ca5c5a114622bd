"""What the portal writes on a petition's timeline and in its internal notes, in the reader's
language.

A note the portal writes itself is stored as a message key and its values, not as finished text,
and put in words when shown: a citizen who reads in English sees English whatever language was
active when the event happened. A value that has a name per language (an agency, an item) is
stored as ``{"ko": ..., "en": ...}`` and shown in the reader's language. The finished Korean text
is kept beside the key (``note`` / ``text``) for the admin and for anything that reads the column.
Notes people wrote (a decision, a reason) have no key and are shown as written.
"""

from __future__ import annotations

from django.utils.translation import get_language, override
from django.utils.translation import gettext_lazy as _

TIMELINE_NOTES = {
    "information_collected": _("All information has been collected."),
    "letter_accepted": _("The delegation letter was accepted; the principal's information is being fetched."),
    "letter_refused": _("The delegation letter was refused: %(reason)s. Nothing was fetched."),
    "verified_otherwise": _("The official verified “%(item)s” by other means; it is no longer fetched."),
    "document_corrected": _("The office issued a corrected version of “%(document)s”: %(reason)s"),
}

INTERNAL_NOTES = {
    "claimed": _("%(name)s took this petition."),
    "assigned": _("%(actor)s assigned this petition to %(name)s."),
    "released": _("%(actor)s released this petition; it is unassigned."),
    "refetch": _("%(name)s asked %(agency)s again for “%(item)s”."),
    "verified_otherwise": _("%(name)s marked “%(item)s” as verified by other means. Reason: %(reason)s"),
}


def bilingual(ko: str, en: str) -> dict:
    """A value with a name per language (e.g. an agency's ``name_ko`` and ``name_en``)."""
    return {"ko": ko, "en": en}


def _value(value, language: str):
    if isinstance(value, dict) and "ko" in value:
        return (value.get("en") if language.startswith("en") else "") or value.get("ko", "")
    return value


def _render(messages: dict, key: str, params: dict, fallback: str) -> str:
    message = messages.get(key)
    if message is None:
        return fallback
    language = get_language() or "ko"
    values = {name: _value(value, language) for name, value in (params or {}).items()}
    try:
        return str(message) % values if values else str(message)
    except (KeyError, TypeError, ValueError):
        return fallback


def timeline_note(key: str, params: dict, fallback: str = "") -> str:
    return _render(TIMELINE_NOTES, key, params, fallback)


def internal_note(key: str, params: dict, fallback: str = "") -> str:
    return _render(INTERNAL_NOTES, key, params, fallback)


def korean(messages: dict, key: str, params: dict) -> str:
    """The message in Korean: what is stored beside the key."""
    with override("ko"):
        return _render(messages, key, params, "")
