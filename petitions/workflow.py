"""The petition state machine: one transitions table and one service every change goes through."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .calendar import add_working_days, local_today, working_days_between
from .errors import PetitionError
from .models import Petition, TimelineEvent
from .note_texts import TIMELINE_NOTES, korean

S = Petition.Status

TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SUBMITTED}),
    S.SUBMITTED: frozenset({S.COLLECTING, S.UNDER_REVIEW, S.WITHDRAWN}),
    S.COLLECTING: frozenset({S.UNDER_REVIEW, S.WITHDRAWN}),
    S.UNDER_REVIEW: frozenset({S.COLLECTING, S.SUPPLEMENT_REQUESTED, S.APPROVED, S.REJECTED, S.WITHDRAWN}),
    S.SUPPLEMENT_REQUESTED: frozenset({S.SUPPLEMENT_SUBMITTED, S.REJECTED, S.WITHDRAWN}),
    S.SUPPLEMENT_SUBMITTED: frozenset(
        {S.UNDER_REVIEW, S.COLLECTING, S.SUPPLEMENT_REQUESTED, S.APPROVED, S.REJECTED, S.WITHDRAWN}
    ),
    S.APPROVED: frozenset(),
    S.REJECTED: frozenset(),
    S.WITHDRAWN: frozenset(),
}

DECIDED = frozenset({S.APPROVED, S.REJECTED, S.WITHDRAWN})


class TransitionNotAllowed(PetitionError):
    def __init__(self, *, from_status: str, to_status: str):
        self.from_status = from_status
        self.to_status = to_status
        super().__init__(
            _("A petition that is “%(from)s” cannot become “%(to)s”.")
            % {"from": S(from_status).label, "to": S(to_status).label}
        )


def can_transition(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


# Side effects run after the commit of the transition that caused them (e-mails); each
# receives the petition id and the new status. Registered by petitions.notifications.
_after_commit_hooks: list[Callable[[int, str], None]] = []


def on_transition(hook: Callable[[int, str], None]) -> Callable[[int, str], None]:
    _after_commit_hooks.append(hook)
    return hook


@transaction.atomic
def petition_transition(
    *, petition: Petition, to: str, actor=None, note: str = "", note_key: str = "", note_params: dict | None = None
) -> Petition:
    """Moves the petition to ``to``, or raises TransitionNotAllowed.

    ``note`` is what a person wrote; ``note_key`` (with ``note_params``) names a message of
    ``petitions.note_texts``, shown in the reader's language.

    Locks the row so that two concurrent changes cannot both pass the check, writes the
    timeline event in the same transaction and queues the side effects for after commit.
    """
    locked = Petition.objects.select_for_update().get(pk=petition.pk)
    from_status = locked.status
    if not can_transition(from_status, to):
        raise TransitionNotAllowed(from_status=from_status, to_status=to)

    today = local_today()
    update_fields = ["status", "updated_at"]
    # The processing clock stops while a supplement is requested; the due date moves by
    # the working days it stood still.
    if to == S.SUPPLEMENT_REQUESTED:
        locked.suspended_since = today
        update_fields.append("suspended_since")
    elif from_status == S.SUPPLEMENT_REQUESTED and locked.suspended_since:
        stopped = working_days_between(locked.suspended_since, today)
        locked.suspended_days += stopped
        locked.suspended_since = None
        if locked.due_date and stopped:
            locked.due_date = add_working_days(locked.due_date, stopped)
        update_fields += ["suspended_days", "suspended_since", "due_date"]
    if to in DECIDED:
        locked.decided_at = timezone.now()
        update_fields.append("decided_at")

    locked.status = to
    locked.save(update_fields=update_fields)
    if note_key:
        note = korean(TIMELINE_NOTES, note_key, note_params or {})
    TimelineEvent.objects.create(
        petition=locked,
        from_status=from_status,
        to_status=to,
        actor=actor,
        note=note,
        note_key=note_key,
        note_params=note_params or {},
    )

    petition_id = locked.pk
    for hook in list(_after_commit_hooks):
        transaction.on_commit(functools.partial(hook, petition_id, to))

    # The caller's object reflects the change too.
    for field in update_fields:
        setattr(petition, field, getattr(locked, field))
    return petition
