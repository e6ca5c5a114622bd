"""The rules of submissions, below the pages: what the API will call too."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from portal.models import UsingAgency
from sharing.submissions import selectors, services
from sharing.submissions.errors import SubmissionError
from sharing.submissions.models import Recipient, RecipientStaff, Submission
from tests.factories import CitizenFactory, OfficialFactory

from .helpers import make_submission

pytestmark = pytest.mark.django_db


def test_only_the_recipients_staff_retrieve_and_only_the_owner_withdraws(my_document, bank, employer, bank_staff):
    submission = make_submission(document=my_document, recipient=bank)
    with pytest.raises(SubmissionError) as refused:
        services.submission_retrieve(submission=submission, actor=employer.staff.get())
    assert refused.value.code == "not_staff"
    with pytest.raises(SubmissionError) as refused:
        services.submission_withdraw(submission=submission, actor=CitizenFactory())
    assert refused.value.code == "not_owner"
    services.submission_retrieve(submission=submission, actor=bank_staff)
    with pytest.raises(SubmissionError) as refused:
        services.submission_withdraw(submission=submission, actor=my_document.owner)
    assert refused.value.code == "retrieved"


def test_the_inbox_selector_is_the_recipients_own(my_document, bank, employer):
    mine = make_submission(document=my_document, recipient=bank)
    make_submission(document=my_document, recipient=employer)
    assert list(selectors.inbox_for_recipient(bank)) == [mine]
    services.submission_withdraw(submission=mine, actor=my_document.owner)
    assert list(selectors.inbox_for_recipient(bank)) == []


def test_a_retrieval_after_a_withdrawal_is_refused(my_document, bank, bank_staff):
    submission = make_submission(document=my_document, recipient=bank)
    services.submission_withdraw(submission=submission, actor=my_document.owner)
    with pytest.raises(SubmissionError) as refused:
        services.submission_retrieve(submission=submission, actor=bank_staff)
    assert refused.value.code == "withdrawn"
    assert Submission.objects.get().retrieval_count == 0


def test_a_recipient_names_a_using_agency_exactly_when_it_is_one(db):
    agency = UsingAgency.objects.create(code="seoul-jongno", name_ko="종로구", name_en="Jongno-gu", kind="local")
    with pytest.raises(ValidationError):
        Recipient(code="a", name_ko="가", name_en="A", kind=Recipient.Kind.USING_AGENCY).full_clean()
    with pytest.raises(ValidationError):
        Recipient(code="b", name_ko="나", name_en="B", kind=Recipient.Kind.BANK, using_agency=agency).full_clean()
    Recipient(code="c", name_ko="다", name_en="C", kind=Recipient.Kind.USING_AGENCY, using_agency=agency).full_clean()


def test_citizens_cannot_be_staff_of_a_recipient(bank):
    with pytest.raises(ValidationError):
        RecipientStaff(recipient=bank, user=CitizenFactory()).full_clean()
    RecipientStaff(recipient=bank, user=OfficialFactory()).full_clean()


def test_the_menu_flag_follows_staff_changes(bank, bank_staff):
    assert selectors.is_recipient_staff(bank_staff)
    RecipientStaff.objects.filter(user=bank_staff).delete()
    assert not selectors.is_recipient_staff(bank_staff)


def test_the_demo_recipients_are_seeded_once(db):
    from portal.demo import seed as portal_seed
    from sharing.submissions.demo import seed

    portal_seed()
    seed()
    seed()
    assert Recipient.objects.filter(code__in=["hanbit-bank", "saesol"]).count() == 2
    assert RecipientStaff.objects.filter(user__username__in=["bank1", "employer1"]).count() == 2
