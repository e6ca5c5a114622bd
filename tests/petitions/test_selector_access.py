"""The citizen-side selectors that decide access, called directly: the owner gets the row with
what the page needs in the same query, anyone else a 404."""

import pytest
from django.http import Http404

from petitions import selectors
from petitions.models import Petition
from sharing import audit, crypto
from sharing import selectors as sharing_selectors
from tests.petitions.factories import PetitionFactory
from tests.sharing.factories import FetchRequestFactory

S = Petition.Status
pytestmark = pytest.mark.django_db


def test_a_draft_is_found_for_its_applicant_only(citizen, other_citizen):
    draft = PetitionFactory(applicant=citizen, status=S.DRAFT, receipt_no=None)
    found = selectors.draft_for_applicant(user=citizen, public_id=draft.public_id)
    assert found == draft and found.petition_type == draft.petition_type
    with pytest.raises(Http404):
        selectors.draft_for_applicant(user=other_citizen, public_id=draft.public_id)


def test_a_filed_petition_is_no_draft(citizen):
    filed = PetitionFactory(applicant=citizen, status=S.SUBMITTED)
    with pytest.raises(Http404):
        selectors.draft_for_applicant(user=citizen, public_id=filed.public_id)
    assert selectors.own_petition_by_public_id(user=citizen, public_id=filed.public_id) == filed


def test_the_draft_comes_with_its_type_in_one_query(citizen, django_assert_num_queries):
    draft = PetitionFactory(applicant=citizen, status=S.DRAFT, receipt_no=None)
    with django_assert_num_queries(1):
        found = selectors.draft_for_applicant(user=citizen, public_id=draft.public_id)
        assert found.petition_type.slug == draft.petition_type.slug


def test_a_fetch_is_found_in_its_own_case_only_with_its_item_in_one_query(citizen, django_assert_num_queries):
    petition = PetitionFactory(applicant=citizen)
    other = PetitionFactory(applicant=citizen)
    fetch = FetchRequestFactory(case_ref=petition.receipt_no)
    with django_assert_num_queries(1):
        found = selectors.fetch_request_of_petition(petition=petition, fetch_id=fetch.pk)
        assert found == fetch and found.item.code == fetch.item.code
    with pytest.raises(Http404):
        selectors.fetch_request_of_petition(petition=other, fetch_id=fetch.pk)


def test_the_access_log_of_a_subject_reads_its_offices_in_one_query(office, django_assert_num_queries):
    mine, theirs = crypto.subject_hash("900101-1234567"), crypto.subject_hash("850505-2345678")
    for subject in (mine, theirs, mine):
        audit.log_personal_data_access(
            action="viewed",
            subject_hash=subject,
            case_ref="2026-0000001",
            office=office,
            actor=None,
            item_code="x",
            fields=["name"],
            purpose="P",
        )
    with django_assert_num_queries(1):
        entries = list(sharing_selectors.access_log_for_subject(mine))
        assert [e.sequence for e in entries] == [3, 1]
        assert {e.office.code for e in entries} == {office.code}


# --- The official's side -----------------------------------------------------------------------------


def test_a_supervisor_supervises_their_own_office_only(office, other_office):
    from petitions.officer_selectors import is_supervisor
    from tests.factories import MembershipFactory, OfficialFactory

    boss = OfficialFactory()
    MembershipFactory(user=boss, office=office, role="supervisor")
    MembershipFactory(user=boss, office=other_office, role="reviewer")
    memberships = list(boss.memberships.all())
    assert is_supervisor(memberships, office.pk) is True
    assert is_supervisor(memberships, other_office.pk) is False
    assert is_supervisor(memberships, None) is False
    assert is_supervisor([], office.pk) is False


def test_a_petition_is_found_for_an_official_of_its_office_only(office, other_office, citizen):
    from django.contrib.auth.models import AnonymousUser

    from petitions.officer_selectors import petition_for_officer
    from tests.factories import MembershipFactory, OfficialFactory

    petition = PetitionFactory(office=office)
    mine, theirs = OfficialFactory(), OfficialFactory()
    MembershipFactory(user=mine, office=office)
    MembershipFactory(user=theirs, office=other_office)
    assert petition_for_officer(user=mine, receipt_no=petition.receipt_no) == petition
    for stranger in (theirs, citizen, AnonymousUser()):
        with pytest.raises(Http404):
            petition_for_officer(user=stranger, receipt_no=petition.receipt_no)


def test_a_citizen_with_a_stray_membership_is_still_no_official(office, citizen):
    from petitions.officer_selectors import petition_for_officer
    from tests.factories import MembershipFactory

    petition = PetitionFactory(office=office)
    MembershipFactory(user=citizen, office=office)  # a data error: the role still decides
    with pytest.raises(Http404):
        petition_for_officer(user=citizen, receipt_no=petition.receipt_no)


def test_a_draft_is_never_an_officials(office):
    from petitions.officer_selectors import petition_for_officer
    from tests.factories import MembershipFactory, OfficialFactory

    draft = PetitionFactory(office=office, status=S.DRAFT)
    official = OfficialFactory()
    MembershipFactory(user=official, office=office)
    with pytest.raises(Http404):
        petition_for_officer(user=official, receipt_no=draft.receipt_no)
