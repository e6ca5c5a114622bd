"""Rules of the citizen's selectors, written by hand (make mutate runs these): the list is in the
order petitions were filed, a petition waiting for a supplement shows the open one, and a draft or
refund inquiry is the one its address names, never another of the same person's."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from petitions import selectors
from petitions.models import Petition, SupplementRequest
from sharing.tracker import selectors as tracker_selectors
from sharing.tracker.models import RefundInquiry
from tests.petitions.factories import PetitionFactory

pytestmark = pytest.mark.django_db
S = Petition.Status


def test_my_petitions_are_listed_by_when_they_were_filed_not_by_id(citizen):
    now = timezone.now()
    filed_last = PetitionFactory(applicant=citizen, submitted_at=now)
    filed_first = PetitionFactory(applicant=citizen, submitted_at=now - datetime.timedelta(days=3))
    filed_between = PetitionFactory(applicant=citizen, submitted_at=now - datetime.timedelta(days=1))
    page = selectors.petitions_page_for_applicant(user=citizen, page_number=1)
    assert [p.pk for p in page.object_list] == [filed_last.pk, filed_between.pk, filed_first.pk]


def test_the_list_reads_types_offices_and_the_open_supplements_of_waiting_petitions_only(citizen, official):
    waiting = PetitionFactory(applicant=citizen, status=S.SUPPLEMENT_REQUESTED)
    due = timezone.localdate() + datetime.timedelta(days=7)
    answered = SupplementRequest.objects.create(
        petition=waiting, requested_by=official, message="old", responded_at=timezone.now()
    )
    open_one = SupplementRequest.objects.create(petition=waiting, requested_by=official, message="new", due_date=due)
    in_review = PetitionFactory(applicant=citizen, status=S.UNDER_REVIEW)
    SupplementRequest.objects.create(
        petition=in_review, requested_by=official, message="x", responded_at=timezone.now()
    )
    with CaptureQueriesContext(connection) as queries:
        page = selectors.petitions_page_for_applicant(user=citizen, page_number=1)
        shown = {p.pk: (p.petition_type.slug, p.office.code, [s.pk for s in p.open_supplements]) for p in page}
    assert shown[waiting.pk][2] == [open_one.pk] and answered.pk not in shown[waiting.pk][2]
    assert shown[in_review.pk][2] == []
    assert len(queries) == 3  # the count, the page with types and offices, the open supplements


def test_a_page_without_waiting_petitions_reads_no_supplements(citizen):
    PetitionFactory(applicant=citizen, status=S.UNDER_REVIEW)
    with CaptureQueriesContext(connection) as queries:
        page = selectors.petitions_page_for_applicant(user=citizen, page_number=1)
        assert [p.open_supplements for p in page] == [[]]
    assert len(queries) == 2


def test_a_draft_is_the_one_its_address_names(citizen):
    first = PetitionFactory(applicant=citizen, status=S.DRAFT, receipt_no=None)
    second = PetitionFactory(applicant=citizen, status=S.DRAFT, receipt_no=None)
    assert selectors.draft_for_applicant(user=citizen, public_id=second.public_id).pk == second.pk
    assert selectors.draft_for_applicant(user=citizen, public_id=first.public_id).pk == first.pk


def test_a_refund_inquiry_is_the_one_its_address_names(citizen, other_citizen):
    first = RefundInquiry.objects.create(citizen=citizen, case_ref="REFUND-A")
    second = RefundInquiry.objects.create(citizen=citizen, case_ref="REFUND-B")
    assert tracker_selectors.refund_inquiry_for_citizen(user=citizen, public_id=second.public_id).pk == second.pk
    assert tracker_selectors.refund_inquiry_for_citizen(user=citizen, public_id=first.public_id).pk == first.pk
    with pytest.raises(Http404):
        tracker_selectors.refund_inquiry_for_citizen(user=other_citizen, public_id=first.public_id)


def test_only_a_signed_in_citizen_has_a_subject_hash(linked_citizen, official):
    assert tracker_selectors.citizen_subject_hash(AnonymousUser()) is None
    assert tracker_selectors.citizen_subject_hash(official) is None
    assert tracker_selectors.citizen_subject_hash(linked_citizen) == linked_citizen.resident_link.rrn_hash


def test_my_drafts_are_mine_unfiled_and_of_types_still_offered(citizen, other_citizen):
    mine = PetitionFactory(applicant=citizen, status=S.DRAFT, receipt_no=None)
    PetitionFactory(applicant=other_citizen, status=S.DRAFT, receipt_no=None)
    PetitionFactory(applicant=citizen, status=S.SUBMITTED)
    PetitionFactory(applicant=citizen, status=S.DRAFT, receipt_no=None, petition_type__active=False)
    with CaptureQueriesContext(connection) as queries:
        drafts = selectors.drafts_for_applicant(user=citizen)
        shown = [(d.pk, d.petition_type.slug) for d in drafts]
    assert shown == [(mine.pk, mine.petition_type.slug)]
    assert len(queries) == 1


def test_a_wizard_address_names_one_petition_of_its_owner(citizen, other_citizen):
    first = PetitionFactory(applicant=citizen, status=S.DRAFT, receipt_no=None)
    second = PetitionFactory(applicant=citizen, status=S.DRAFT, receipt_no=None)
    with CaptureQueriesContext(connection) as queries:
        found = selectors.own_petition_by_public_id(user=citizen, public_id=second.public_id)
        assert found.petition_type.slug == second.petition_type.slug
    assert found.pk == second.pk and len(queries) == 1
    assert selectors.own_petition_by_public_id(user=citizen, public_id=first.public_id).pk == first.pk
    with pytest.raises(Http404):
        selectors.own_petition_by_public_id(user=other_citizen, public_id=first.public_id)


def test_a_receipt_number_names_one_filed_petition_of_its_applicant(citizen, official):
    first = PetitionFactory(applicant=citizen)
    second = PetitionFactory(applicant=citizen)
    draft_with_a_number = PetitionFactory(applicant=citizen, status=S.DRAFT)
    with CaptureQueriesContext(connection) as queries:
        found = selectors.petition_for_applicant(user=citizen, receipt_no=second.receipt_no)
        shown = (found.pk, found.petition_type.slug, found.office.code, found.open_supplements)
    assert shown == (second.pk, second.petition_type.slug, second.office.code, [])
    assert len(queries) == 2  # the petition with its type and office, its open supplements
    assert not hasattr(found, "all_supplements")  # read only when asked for
    assert selectors.petition_for_applicant(user=citizen, receipt_no=first.receipt_no).pk == first.pk
    with pytest.raises(Http404):
        selectors.petition_for_applicant(user=citizen, receipt_no=draft_with_a_number.receipt_no)


def test_with_all_supplements_the_open_ones_are_those_not_yet_answered(citizen, official):
    petition = PetitionFactory(applicant=citizen, status=S.SUPPLEMENT_REQUESTED)
    answered = SupplementRequest.objects.create(
        petition=petition, requested_by=official, message="old", responded_at=timezone.now()
    )
    waiting = SupplementRequest.objects.create(petition=petition, requested_by=official, message="new")
    found = selectors.petition_for_applicant(user=citizen, receipt_no=petition.receipt_no, all_supplements=True)
    assert [s.pk for s in found.open_supplements] == [waiting.pk]
    assert {s.pk for s in found.all_supplements} == {waiting.pk, answered.pk}


def test_petitions_filed_at_the_same_moment_list_the_later_one_first(citizen):
    moment = timezone.now()
    first = PetitionFactory(applicant=citizen, submitted_at=moment)
    second = PetitionFactory(applicant=citizen, submitted_at=moment)
    page = selectors.petitions_page_for_applicant(user=citizen, page_number=1)
    assert [p.pk for p in page.object_list] == [second.pk, first.pk]
