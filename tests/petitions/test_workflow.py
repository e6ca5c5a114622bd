import datetime
import itertools

import pytest
from django.core import mail

from petitions.calendar import add_working_days
from petitions.models import Petition, TimelineEvent
from petitions.workflow import TRANSITIONS, TransitionNotAllowed, petition_transition
from tests.petitions.factories import PetitionFactory

S = Petition.Status
ALL_PAIRS = list(itertools.product(S.values, S.values))
ALLOWED = [(a, b) for a, b in ALL_PAIRS if b in TRANSITIONS[a]]
REFUSED = [(a, b) for a, b in ALL_PAIRS if b not in TRANSITIONS[a]]


def test_the_table_names_every_status():
    assert set(TRANSITIONS) == set(S.values)
    for targets in TRANSITIONS.values():
        assert targets <= set(S.values)


@pytest.mark.django_db
@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED)
def test_allowed_transition_changes_status_and_writes_one_timeline_event(from_status, to_status, official):
    petition = PetitionFactory(status=from_status)
    petition_transition(petition=petition, to=to_status, actor=official, note="because")
    petition.refresh_from_db()
    assert petition.status == to_status
    event = TimelineEvent.objects.get(petition=petition)
    assert (event.from_status, event.to_status, event.actor, event.note) == (from_status, to_status, official, "because")


@pytest.mark.django_db
@pytest.mark.parametrize(("from_status", "to_status"), REFUSED)
def test_refused_transition_is_a_domain_error_and_changes_nothing(from_status, to_status):
    petition = PetitionFactory(status=from_status)
    with pytest.raises(TransitionNotAllowed) as caught:
        petition_transition(petition=petition, to=to_status)
    assert str(S(from_status).label) in str(caught.value.message)
    petition.refresh_from_db()
    assert petition.status == from_status
    assert not TimelineEvent.objects.filter(petition=petition).exists()


@pytest.mark.django_db
def test_decisions_are_final_and_stamped():
    petition = PetitionFactory(status=S.UNDER_REVIEW)
    petition_transition(petition=petition, to=S.APPROVED)
    assert petition.decided_at is not None
    for target in S.values:
        with pytest.raises(TransitionNotAllowed):
            petition_transition(petition=petition, to=target)


@pytest.mark.django_db
def test_clock_stops_while_a_supplement_is_requested(monkeypatch):
    # Requested on Monday 2026-11-02, answered on Monday 2026-11-09: five working days stood still.
    days = iter([datetime.date(2026, 11, 2), datetime.date(2026, 11, 9)])
    monkeypatch.setattr("petitions.workflow.local_today", lambda: next(days))
    due = datetime.date(2026, 11, 6)
    petition = PetitionFactory(status=S.UNDER_REVIEW, due_date=due)

    petition_transition(petition=petition, to=S.SUPPLEMENT_REQUESTED)
    petition.refresh_from_db()
    assert petition.suspended_since == datetime.date(2026, 11, 2)

    petition_transition(petition=petition, to=S.SUPPLEMENT_SUBMITTED)
    petition.refresh_from_db()
    assert petition.suspended_days == 5
    assert petition.suspended_since is None
    assert petition.due_date == add_working_days(due, 5) == datetime.date(2026, 11, 13)
