"""Rules of the official's selectors, written by hand (make mutate runs these): the petition of
the review page comes with what the page shows in one query, and an official's memberships with
their offices, in the offices' Korean order."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from petitions import officer_selectors as selectors
from portal.models import Office, OfficeMembership
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_the_review_page_reads_the_petition_with_its_type_office_applicant_and_assignee_at_once(
    assigned_petition, official, citizen, office
):
    with CaptureQueriesContext(connection) as queries:
        found = selectors.petition_for_officer(user=official, receipt_no=assigned_petition.receipt_no)
        shown = (found.petition_type.slug, found.office.code, found.applicant.username, found.assigned_to.username)
    assert shown == (assigned_petition.petition_type.slug, office.code, citizen.username, official.username)
    assert len(queries) == 1


def test_nobody_but_a_signed_in_official_of_the_office_gets_the_petition(petition, citizen, other_official):
    for user in (AnonymousUser(), citizen, other_official):
        with pytest.raises(Http404):
            selectors.petition_for_officer(user=user, receipt_no=petition.receipt_no)


def test_an_officials_memberships_come_with_their_offices_in_korean_order(official, office):
    later = Office.objects.create(code="zz-last", name_ko="하남시청", name_en="A first in English")
    earlier = Office.objects.create(code="aa-first", name_ko="가평군청", name_en="Z last in English")
    MembershipFactory(user=official, office=later, role=OfficeMembership.Role.SUPERVISOR)
    MembershipFactory(user=official, office=earlier)
    with CaptureQueriesContext(connection) as queries:
        memberships = selectors.memberships_for(user=official)
        names = [m.office.name_ko for m in memberships]
    assert len(queries) == 1
    assert names == sorted([office.name_ko, "하남시청", "가평군청"])
    assert names.index("가평군청") < names.index("하남시청")
    assert selectors.is_supervisor(memberships, later.pk) and not selectors.is_supervisor(memberships, earlier.pk)
