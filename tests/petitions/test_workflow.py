import datetime
import itertools

import pytest

from petitions.calendar import add_working_days
from petitions.models import Petition, TimelineEvent
from petitions.workflow import TRANSITIONS, TransitionNotAllowed, can_transition, petition_transition
from tests.petitions.factories import PetitionFactory

S = Petition.Status

# The petition's life as the business states it, written out by hand (DESIGN.md section 3),
# independent of petitions.workflow.TRANSITIONS: every pair not listed here must be refused.
# A filed petition is collected, reviewed, perhaps sent back for a supplement, and decided;
# the citizen may withdraw it until it is decided; a decision is final.
BUSINESS_TRANSITIONS = {
    ("draft", "submitted"),
    ("submitted", "collecting_information"),
    ("submitted", "under_review"),  # nothing to fetch: straight to the official
    ("submitted", "withdrawn"),
    ("collecting_information", "under_review"),
    ("collecting_information", "withdrawn"),
    ("under_review", "collecting_information"),  # the official fetches again
    ("under_review", "supplement_requested"),
    ("under_review", "approved"),
    ("under_review", "rejected"),
    ("under_review", "withdrawn"),
    ("supplement_requested", "supplement_submitted"),
    ("supplement_requested", "rejected"),  # the supplement never came
    ("supplement_requested", "withdrawn"),
    ("supplement_submitted", "under_review"),
    ("supplement_submitted", "collecting_information"),
    ("supplement_submitted", "supplement_requested"),  # still not enough
    ("supplement_submitted", "approved"),
    ("supplement_submitted", "rejected"),
    ("supplement_submitted", "withdrawn"),
}
STATUSES = [
    "draft",
    "submitted",
    "collecting_information",
    "under_review",
    "supplement_requested",
    "supplement_submitted",
    "approved",
    "rejected",
    "withdrawn",
]
ALL_PAIRS = list(itertools.product(STATUSES, STATUSES))
ALLOWED = sorted(BUSINESS_TRANSITIONS)
REFUSED = [pair for pair in ALL_PAIRS if pair not in BUSINESS_TRANSITIONS]


def test_the_statuses_are_the_ones_the_business_names():
    assert sorted(S.values) == sorted(STATUSES)
    assert set(TRANSITIONS) == set(STATUSES)


def test_the_table_is_exactly_the_business_one():
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == BUSINESS_TRANSITIONS


@pytest.mark.parametrize(("from_status", "to_status"), ALL_PAIRS)
def test_can_transition_answers_as_the_business_table(from_status, to_status):
    assert can_transition(from_status, to_status) is ((from_status, to_status) in BUSINESS_TRANSITIONS)


def test_named_wrong_turns_are_refused():
    # Two edits that once passed the suite: a rejected petition back in review, a submitted one
    # approved without review.
    for pair in [
        ("rejected", "under_review"),
        ("submitted", "approved"),
        ("approved", "under_review"),
        ("withdrawn", "submitted"),
        ("draft", "approved"),
        ("collecting_information", "approved"),
    ]:
        assert pair in REFUSED
        assert not can_transition(*pair)


def test_an_unknown_status_has_no_way_out():
    assert not can_transition("archived", "submitted")
    assert not can_transition("under_review", "archived")


@pytest.mark.django_db
@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED)
def test_allowed_transition_changes_status_and_writes_one_timeline_event(from_status, to_status, official):
    petition = PetitionFactory(status=from_status)
    petition_transition(petition=petition, to=to_status, actor=official, note="because")
    petition.refresh_from_db()
    assert petition.status == to_status
    event = TimelineEvent.objects.get(petition=petition)
    assert (event.from_status, event.to_status, event.actor, event.note) == (
        from_status,
        to_status,
        official,
        "because",
    )
    # Only a decision is stamped; only a supplement request stops the clock.
    assert (petition.decided_at is not None) is (to_status in {"approved", "rejected", "withdrawn"})
    assert (petition.suspended_since is not None) is (to_status == "supplement_requested")


@pytest.mark.django_db
@pytest.mark.parametrize(("from_status", "to_status"), REFUSED)
def test_refused_transition_is_a_domain_error_and_changes_nothing(from_status, to_status):
    petition = PetitionFactory(status=from_status)
    with pytest.raises(TransitionNotAllowed) as caught:
        petition_transition(petition=petition, to=to_status)
    assert str(S(from_status).label) in str(caught.value.message)
    assert str(S(to_status).label) in str(caught.value.message)
    assert (caught.value.from_status, caught.value.to_status) == (from_status, to_status)
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


@pytest.mark.django_db
def test_the_refusal_says_both_statuses_in_korean():
    petition = PetitionFactory(status=S.REJECTED)
    with pytest.raises(TransitionNotAllowed) as caught:
        petition_transition(petition=petition, to=S.UNDER_REVIEW)
    assert str(caught.value.message) == "‘반려’ 상태인 민원은 ‘검토 중’ 상태로 바꿀 수 없습니다."


@pytest.mark.django_db
def test_hooks_run_after_commit_with_the_petition_and_its_new_status(django_capture_on_commit_callbacks):
    from petitions import workflow

    calls = []

    def hook(petition_id, status):
        calls.append((petition_id, status))

    assert workflow.on_transition(hook) is hook
    try:
        petition = PetitionFactory(status=S.UNDER_REVIEW)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            petition_transition(petition=petition, to=S.APPROVED)
        assert calls == []  # nothing before the commit
        for callback in callbacks:
            callback()
        assert calls == [(petition.pk, S.APPROVED)]
    finally:
        workflow._after_commit_hooks.remove(hook)
