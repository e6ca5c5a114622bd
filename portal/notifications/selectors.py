"""Reads: a person's channels, and the notifications of a case (constant queries)."""

from __future__ import annotations

from collections.abc import Iterable

from .models import Notification, NotificationPreference

LISTED_FIELDS = (
    "id",
    "kind",
    "channel",
    "status",
    "created_at",
    "sent_at",
    "failed_at",
    "attempts",
    "provider_message_id",
    "recipient_id",
)


def preference_of(user) -> NotificationPreference:
    """The citizen's preference, unsaved with the defaults (e-mail only) when they chose nothing."""
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(user=user)


def notifications_for_case(*, case_refs: Iterable[str], recipient=None) -> list[Notification]:
    """Every notification sent about a case (one query), newest first; only those sent to
    ``recipient`` when given (a citizen sees their own, the official all)."""
    refs = [ref for ref in case_refs if ref]
    if not refs:
        return []
    rows = Notification.objects.filter(case_ref__in=refs)
    if recipient is not None:
        rows = rows.filter(recipient=recipient)
    return list(rows.only(*LISTED_FIELDS).order_by("-created_at", "-id"))


def notifications_of(*, recipient, limit: int) -> list[Notification]:
    """The latest notifications sent to a person (one query)."""
    return list(
        Notification.objects.filter(recipient=recipient).only(*LISTED_FIELDS).order_by("-created_at", "-id")[:limit]
    )
