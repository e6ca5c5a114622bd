"""The life of an approved use, and the one check a fetch passes. Expectations by hand."""

import dataclasses
import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from sharing.hub import selectors, services
from sharing.hub.errors import InvalidApplication, InvalidTransition, NotAllowed, UseRefused
from sharing.hub.models import ApprovedUse, ApprovedUseEvent
from tests.factories import OfficialFactory
from tests.hub.factories import (
    ApprovedUseFactory,
    OwningAgencyReviewerFactory,
    PurposeFactory,
    UsingAgencyAdministratorFactory,
    UsingAgencyFactory,
)
from tests.sharing.factories import InformationItemFactory, ItemFieldFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


TODAY = datetime.date(2026, 12, 6)


@pytest.fixture
def item():
    item = InformationItemFactory(code="resident_abstract")
    for key in ("name", "address", "moved_in_on", "rrn"):
        ItemFieldFactory(item=item, key=key)
    return item


@pytest.fixture
def applicant():
    return UsingAgencyAdministratorFactory(using_agency=UsingAgencyFactory(code="seoul-jongno"))


@pytest.fixture
def reviewer(item):
    return OwningAgencyReviewerFactory(agency=item.agency).user


def _apply(applicant, item, **overrides):
    arguments = {
        "actor": applicant.user,
        "using_agency": applicant.using_agency,
        "item": item,
        "affair_code": "local-parking-01",
        "affair_name_ko": "거주자 우선주차 관리",
        "purpose": PurposeFactory(),
        "legal_basis": "주차장법 제10조",
        "consent_required": False,
        "fields": ["address", "name", "moved_in_on"],
        "expected_monthly_volume": 300,
        "requested_from": timezone.localdate(),
        "requested_until": timezone.localdate() + datetime.timedelta(days=365),
    }
    arguments.update(overrides)
    return services.use_apply(**arguments)


def test_application_keeps_the_fields_in_the_items_order_and_waits_for_review(applicant, item):
    use = _apply(applicant, item)
    assert use.status == "applied"
    assert use.affair_code == "LOCAL-PARKING-01"
    assert use.requested_fields == ["name", "address", "moved_in_on"]
    assert use.fields == []
    assert [event.action for event in use.events.all()] == ["applied"]


def test_only_the_using_agencys_administrators_apply(applicant, item):
    stranger = UsingAgencyAdministratorFactory()  # administers another agency
    with pytest.raises(NotAllowed):
        _apply(applicant, item, actor=stranger.user)
    with pytest.raises(NotAllowed):
        _apply(applicant, item, actor=OfficialFactory())
    assert not ApprovedUse.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"fields": []}, "Choose at least one field."),
        ({"fields": ["name", "salary"]}, r"no field\(s\) salary"),
        ({"legal_basis": "  "}, "law and article"),
        (
            {"requested_from": datetime.date(2027, 2, 1), "requested_until": datetime.date(2027, 1, 1)},
            "end after it starts",
        ),
        (
            {"requested_from": datetime.date(2020, 1, 1), "requested_until": datetime.date(2020, 12, 31)},
            "already ended",
        ),
    ],
)
def test_an_application_that_cannot_be_decided_is_refused_with_a_reason(applicant, item, overrides, message):
    with pytest.raises(InvalidApplication, match=message):
        _apply(applicant, item, **overrides)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ([], "Choose at least one field."),
        (["name", "salary", "bonus"], "The item resident_abstract has no field(s) salary, bonus."),
    ],
)
def test_a_wrong_choice_of_fields_is_told_next_to_the_fields(applicant, item, fields, message):
    with pytest.raises(InvalidApplication) as refused:
        _apply(applicant, item, fields=fields)
    assert (refused.value.message, refused.value.field) == (message, "fields")


def test_approval_as_applied_for(applicant, item, reviewer):
    use = services.use_approve(actor=reviewer, use=_apply(applicant, item))
    assert (use.status, use.fields) == ("approved", ["name", "address", "moved_in_on"])
    assert (use.valid_from, use.valid_until) == (use.requested_from, use.requested_until)
    assert use.version == 2
    assert [event.action for event in use.events.all()] == ["applied", "approved"]


def test_narrowing_keeps_fewer_fields_and_a_shorter_period_and_needs_a_reason(applicant, item, reviewer):
    use = _apply(applicant, item)
    end = use.requested_from + datetime.timedelta(days=90)
    with pytest.raises(InvalidApplication, match="reason"):
        services.use_approve(actor=reviewer, use=use, fields=["name", "address"])
    use = services.use_approve(actor=reviewer, use=use, fields=["address", "name"], valid_until=end, reason="최소 수집")
    assert (use.status, use.fields, use.valid_until) == ("approved", ["name", "address"], end)
    event = use.events.get(action="narrowed")
    assert (event.fields, event.valid_until, event.reason, event.actor) == (
        ["name", "address"],
        end,
        "최소 수집",
        reviewer,
    )


def test_a_reviewer_cannot_widen_a_use(applicant, item, reviewer):
    use = _apply(applicant, item, fields=["name"])
    with pytest.raises(InvalidApplication, match="not applied for"):
        services.use_approve(actor=reviewer, use=use, fields=["name", "rrn"], reason="x")
    with pytest.raises(InvalidApplication, match="within the period"):
        services.use_approve(
            actor=reviewer, use=use, valid_until=use.requested_until + datetime.timedelta(days=1), reason="x"
        )
    use.refresh_from_db()
    assert use.status == "applied"


def test_only_the_owning_agencys_reviewers_decide(applicant, item, reviewer):
    # The owning agency has a reviewer (the fixture): being someone else is what refuses.
    other_agencys_reviewer = OwningAgencyReviewerFactory().user
    use = _apply(applicant, item)
    for actor in (other_agencys_reviewer, applicant.user, OfficialFactory()):
        with pytest.raises(NotAllowed) as refused:
            services.use_approve(actor=actor, use=use)
        assert refused.value.message == f"Only a reviewer of {item.agency} may decide uses of its items."
    use.refresh_from_db()
    assert use.status == "applied"


# The transitions as the business states them: (status before, step) -> status after; None: refused.
TRANSITIONS = {
    ("applied", "approve"): "approved",
    ("applied", "refuse"): "refused",
    ("applied", "suspend"): None,
    ("applied", "resume"): None,
    ("applied", "revoke"): None,
    ("approved", "approve"): None,
    ("approved", "refuse"): None,
    ("approved", "suspend"): "suspended",
    ("approved", "resume"): None,
    ("approved", "revoke"): "revoked",
    ("suspended", "approve"): None,
    ("suspended", "refuse"): None,
    ("suspended", "suspend"): None,
    ("suspended", "resume"): "approved",
    ("suspended", "revoke"): "revoked",
    ("refused", "approve"): None,
    ("refused", "refuse"): None,
    ("refused", "suspend"): None,
    ("refused", "resume"): None,
    ("refused", "revoke"): None,
    ("revoked", "approve"): None,
    ("revoked", "refuse"): None,
    ("revoked", "suspend"): None,
    ("revoked", "resume"): None,
    ("revoked", "revoke"): None,
}
STEPS = {
    "approve": services.use_approve,
    "refuse": services.use_refuse,
    "suspend": services.use_suspend,
    "resume": services.use_resume,
    "revoke": services.use_revoke,
}


@pytest.mark.parametrize(("before", "step"), list(TRANSITIONS))
def test_every_transition_of_a_use(before, step, reviewer, item):
    decided = before != "applied" and before != "refused"
    use = ApprovedUseFactory(item=item, status=before, **({} if decided else {"valid_from": None, "valid_until": None}))
    after = TRANSITIONS[(before, step)]
    if after is None:
        with pytest.raises(InvalidTransition):
            STEPS[step](actor=reviewer, use=use, reason="사유")
        use.refresh_from_db()
        assert use.status == before
        assert not ApprovedUseEvent.objects.filter(use=use).exists()
    else:
        STEPS[step](actor=reviewer, use=use, reason="사유")
        use.refresh_from_db()
        assert use.status == after
        assert ApprovedUseEvent.objects.filter(use=use).count() == 1


@pytest.mark.parametrize("step", ["refuse", "suspend", "revoke"])
def test_refusing_suspending_and_revoking_need_a_reason(step, reviewer, item):
    use = ApprovedUseFactory(item=item, status="applied" if step == "refuse" else "approved")
    with pytest.raises(InvalidApplication) as refused:
        STEPS[step](actor=reviewer, use=use, reason=" ")
    assert (refused.value.message, refused.value.field) == (
        "Give the reason, for the applicant and the record.",
        "reason",
    )


@pytest.mark.parametrize(
    ("before", "step", "message"),
    [
        ("applied", "suspend", "A use that is Waiting for review cannot be suspended."),
        ("revoked", "approve", "A use that is Revoked cannot be approved as applied for."),
    ],
)
def test_a_step_that_does_not_apply_says_why(before, step, message, reviewer, item):
    use = ApprovedUseFactory(
        item=item, status=before, **({"valid_from": None, "valid_until": None} if before == "applied" else {})
    )
    with pytest.raises(InvalidTransition) as refused:
        STEPS[step](actor=reviewer, use=use, reason="사유")
    assert refused.value.message == message


# --- the check of a fetch ---------------------------------------------------------------


def _snapshot(**overrides):
    arguments = {
        "requested_fields": ["name", "address"],
        "valid_from": TODAY - datetime.timedelta(days=10),
        "valid_until": TODAY + datetime.timedelta(days=10),
    }
    use = ApprovedUseFactory(**(arguments | overrides))
    return use, selectors.UseSnapshot.of(use)


def _check(snapshot, use, **overrides):
    arguments = {
        "using_agency_id": use.using_agency_id,
        "item_code": use.item.code,
        "fields": ["name"],
        "purpose_code": use.purpose.code,
        "consent_given": False,
        "on": TODAY,
    }
    arguments.update(overrides)
    selectors.use_check(snapshot, **arguments)


def test_a_fetch_inside_its_use_passes():
    use, snapshot = _snapshot()
    _check(snapshot, use)
    _check(snapshot, use, fields=["name", "address"], on=TODAY + datetime.timedelta(days=10))
    _check(snapshot, use, on=TODAY - datetime.timedelta(days=10))


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"fields": ["name", "rrn"]}, "use_fields"),
        ({"item_code": "land_register"}, "use_other_item"),
        ({"purpose_code": "P-PASSPORT"}, "use_other_purpose"),
        ({"using_agency_id": -1}, "use_other_agency"),
        ({"using_agency_id": None}, "use_other_agency"),
        ({"on": TODAY + datetime.timedelta(days=11)}, "use_expired"),
        ({"on": TODAY - datetime.timedelta(days=11)}, "use_not_yet"),
    ],
)
def test_a_fetch_outside_its_use_is_refused(overrides, code):
    use, snapshot = _snapshot()
    with pytest.raises(UseRefused) as refused:
        _check(snapshot, use, **overrides)
    assert refused.value.code == code


@pytest.mark.parametrize("status", ["applied", "refused", "suspended", "revoked"])
def test_a_use_not_approved_refuses_every_fetch(status):
    use, snapshot = _snapshot(status=status)
    with pytest.raises(UseRefused) as refused:
        _check(snapshot, use)
    assert refused.value.code == f"use_{status}"


def test_a_consent_use_refuses_without_consent_and_passes_with_it():
    use, snapshot = _snapshot(consent_required=True)
    with pytest.raises(UseRefused) as refused:
        _check(snapshot, use)
    assert refused.value.code == "use_consent"
    _check(snapshot, use, consent_given=True)


def test_each_refusal_says_why_in_words():
    use, snapshot = _snapshot(affair_code="LOCAL-PARKING-01")
    consent_use, consent_snapshot = _snapshot(consent_required=True, affair_code="LOCAL-PARKING-03")
    cases = [
        (None, {}, "The fetch names no approved use."),
        (
            _snapshot(status="suspended", affair_code="LOCAL-PARKING-02")[1],
            {},
            "The approved use LOCAL-PARKING-02 is not in force: Suspended.",
        ),
        (
            snapshot,
            {"on": TODAY - datetime.timedelta(days=11)},
            "The approved use LOCAL-PARKING-01 is not in force yet.",
        ),
        (
            snapshot,
            {"on": TODAY + datetime.timedelta(days=11)},
            "The approved use LOCAL-PARKING-01 expired on 2026-12-16.",
        ),
        (snapshot, {"using_agency_id": -1}, "The approved use LOCAL-PARKING-01 belongs to another using agency."),
        (
            snapshot,
            {"item_code": "land_register"},
            "The approved use LOCAL-PARKING-01 does not cover the item land_register.",
        ),
        (snapshot, {"purpose_code": "P-PASSPORT"}, "The approved use LOCAL-PARKING-01 is for another purpose."),
        (
            snapshot,
            {"fields": ["rrn", "name", "moved_in_on"]},
            "The fields rrn, moved_in_on are not approved under LOCAL-PARKING-01.",
        ),
        (
            consent_snapshot,
            {
                "using_agency_id": consent_use.using_agency_id,
                "item_code": consent_use.item.code,
                "purpose_code": consent_use.purpose.code,
            },
            "The approved use LOCAL-PARKING-03 needs the consent of the person concerned, and none is on record.",
        ),
    ]
    for checked, overrides, message in cases:
        with pytest.raises(UseRefused) as refused:
            _check(checked, use, **overrides)
        assert refused.value.message == message


def test_a_use_without_an_end_day_is_not_in_force():
    # The database refuses a decided use without a period; the check does not rely on that.
    use, snapshot = _snapshot()
    snapshot = dataclasses.replace(snapshot, valid_until=None)
    with pytest.raises(UseRefused) as refused:
        _check(snapshot, use)
    assert refused.value.code == "use_not_yet"


def test_a_long_reason_is_kept_to_500_characters_on_the_use_and_in_its_record(reviewer, item):
    use = ApprovedUseFactory(item=item, status="approved")
    use = services.use_suspend(actor=reviewer, use=use, reason="가" * 600)
    assert use.reason == "가" * 500
    assert use.events.get(action="suspended").reason == "가" * 500


def test_no_use_no_fetch():
    with pytest.raises(UseRefused) as refused:
        selectors.use_check(
            None, using_agency_id=1, item_code="x", fields=["name"], purpose_code="P", consent_given=True
        )
    assert refused.value.code == "no_use"


def test_the_fetchs_read_of_its_use_is_cached_and_a_revocation_reaches_the_next_fetch(
    django_capture_on_commit_callbacks, reviewer, item
):
    cache.clear()
    use = ApprovedUseFactory(item=item)
    with CaptureQueriesContext(connection) as first:
        assert selectors.use_for_fetch(use.pk).status == "approved"
    with CaptureQueriesContext(connection) as second:
        assert selectors.use_for_fetch(use.pk).status == "approved"
    assert (len(first), len(second)) == (1, 0)
    with django_capture_on_commit_callbacks(execute=True):
        services.use_revoke(actor=reviewer, use=use, reason="목적 외 이용")
    snapshot = selectors.use_for_fetch(use.pk)
    assert (snapshot.status, snapshot.version) == ("revoked", 2)
    assert selectors.use_for_fetch(-5) is None
