"""Rules of the tracker's selectors, with expectations written by hand (make mutate runs these):
who is a privacy officer, in which order inquiries are listed, and that a page's related rows come
in the same query."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sharing import audit, crypto
from sharing.tracker import selectors
from sharing.tracker.models import PrivacyInquiry
from tests.tracker.factories import PrivacyOfficerFactory

pytestmark = pytest.mark.django_db

RRN = "900101-1234567"


def _entry(office, case_ref="2026-0000001"):
    return audit.log_personal_data_access(
        action="viewed",
        subject_hash=crypto.subject_hash(RRN),
        case_ref=case_ref,
        office=office,
        actor=None,
        item_code="resident_abstract",
        fields=["name"],
        purpose="P-TEST",
    )


def _inquiry(citizen, office, *, status=PrivacyInquiry.Status.OPEN, age_days=0, entry=None):
    inquiry = PrivacyInquiry.objects.create(
        citizen=citizen, entry=entry or _entry(office), office=office, message="why?", status=status
    )
    # created_at is auto_now_add: set the age afterwards, through the queryset.
    created = timezone.now() - datetime.timedelta(days=age_days)
    PrivacyInquiry.objects.filter(pk=inquiry.pk).update(created_at=created)
    inquiry.refresh_from_db()
    return inquiry


def test_nobody_but_a_signed_in_official_has_privacy_offices(citizen, official, office):
    PrivacyOfficerFactory(user=official, office=office)
    assert selectors.privacy_office_ids(user=AnonymousUser()) == []
    assert selectors.privacy_office_ids(user=citizen) == []
    assert selectors.privacy_office_ids(user=official) == [office.pk]


def test_a_privacy_officer_sees_open_inquiries_first_then_the_newest(citizen, official, office):
    PrivacyOfficerFactory(user=official, office=office)
    old_open = _inquiry(citizen, office, age_days=5)
    new_answered = _inquiry(citizen, office, status=PrivacyInquiry.Status.ANSWERED, age_days=0)
    new_open = _inquiry(citizen, office, age_days=1)
    old_answered = _inquiry(citizen, office, status=PrivacyInquiry.Status.ANSWERED, age_days=9)
    listed = selectors.inquiries_for_privacy_officer(user=official)
    assert [i.pk for i in listed] == [new_open.pk, old_open.pk, new_answered.pk, old_answered.pk]


def test_a_citizen_sees_their_inquiries_newest_first_by_when_they_were_asked(citizen, office):
    # The older inquiry is made last (a higher id): the order is by time asked, not by id.
    newer = _inquiry(citizen, office, age_days=1)
    older = _inquiry(citizen, office, age_days=3)
    assert [i.pk for i in selectors.inquiries_for_citizen(user=citizen)] == [newer.pk, older.pk]


def test_the_latest_refund_inquiry_is_the_last_asked_not_the_last_made(citizen):
    from sharing.tracker.models import RefundInquiry

    newer = RefundInquiry.objects.create(citizen=citizen, case_ref="REFUND-1")
    older = RefundInquiry.objects.create(citizen=citizen, case_ref="REFUND-2")
    RefundInquiry.objects.filter(pk=older.pk).update(created_at=timezone.now() - datetime.timedelta(days=2))
    assert selectors.refund_inquiry_latest(user=citizen).pk == newer.pk


def test_an_inquiry_page_reads_its_office_citizen_entry_and_answerer_in_one_query(citizen, official, office):
    PrivacyOfficerFactory(user=official, office=office)
    inquiry = _inquiry(citizen, office)
    PrivacyInquiry.objects.filter(pk=inquiry.pk).update(answered_by=official)
    with CaptureQueriesContext(connection) as queries:
        found = selectors.inquiry_for_privacy_officer(user=official, public_id=inquiry.public_id)
        shown = (found.office.code, found.citizen.username, found.entry.office.code, found.answered_by.username)
    assert shown == (office.code, citizen.username, office.code, official.username)
    assert len(queries) == 2  # the officer's offices, then the inquiry with everything it shows


def test_the_officers_list_and_the_citizens_list_read_their_related_rows_with_them(citizen, official, office):
    PrivacyOfficerFactory(user=official, office=office)
    for age in (1, 2, 3):
        _inquiry(citizen, office, age_days=age)
    with CaptureQueriesContext(connection) as queries:
        listed = selectors.inquiries_for_privacy_officer(user=official)
        [(i.office.code, i.citizen.username, i.entry.sequence) for i in listed]
    assert len(queries) == 2
    with CaptureQueriesContext(connection) as queries:
        mine = selectors.inquiries_for_citizen(user=citizen)
        [(i.office.code, i.entry.sequence, i.answered_by) for i in mine]
    assert len(queries) == 1


def test_the_cases_of_a_citizens_log_are_each_named_once_newest_first(office):
    for case_ref in ("2026-0000002", "2026-0000010", "2026-0000002", ""):
        _entry(office, case_ref=case_ref)
    assert selectors.access_log_case_refs(subject_hash=crypto.subject_hash(RRN)) == ["2026-0000010", "2026-0000002"]


def test_the_last_day_of_a_date_filter_counts_whole_and_the_next_day_not(office):
    seoul = zoneinfo.ZoneInfo("Asia/Seoul")
    late = datetime.datetime(2026, 3, 10, 23, 30, tzinfo=seoul)
    next_day = datetime.datetime(2026, 3, 11, 0, 30, tzinfo=seoul)
    with time_machine.travel(late, tick=False):
        inside = _entry(office)
    with time_machine.travel(next_day, tick=False):
        _entry(office)
    filters = selectors.AccessFilters(date_from=datetime.date(2026, 3, 10), date_to=datetime.date(2026, 3, 10))
    found = selectors.access_log_entries(subject_hash=crypto.subject_hash(RRN), filters=filters)
    assert [e.sequence for e in found] == [inside.sequence]


def test_an_entry_page_reads_the_entry_with_its_office_at_once(office):
    entry = _entry(office)
    with CaptureQueriesContext(connection) as queries:
        found = selectors.access_entry_for_citizen(subject_hash=crypto.subject_hash(RRN), sequence=entry.sequence)
        assert found.office.code == office.code
    assert len(queries) == 1


def test_privacy_offices_are_the_offices_not_the_appointments(official, office):
    PrivacyOfficerFactory(user=official, office=office, pk=office.pk + 1000)  # ids that cannot be confused
    assert selectors.privacy_office_ids(user=official) == [office.pk]


def test_an_inquiry_address_names_that_inquiry(citizen, official, office):
    PrivacyOfficerFactory(user=official, office=office)
    first = _inquiry(citizen, office)
    second = _inquiry(citizen, office)
    assert selectors.inquiry_for_privacy_officer(user=official, public_id=second.public_id).pk == second.pk
    assert selectors.inquiry_for_privacy_officer(user=official, public_id=first.public_id).pk == first.pk


def test_inquiries_asked_at_the_same_moment_list_the_later_one_first(citizen, official, office):
    PrivacyOfficerFactory(user=official, office=office)
    first, second = _inquiry(citizen, office), _inquiry(citizen, office)
    PrivacyInquiry.objects.update(created_at=first.created_at)
    assert [i.pk for i in selectors.inquiries_for_citizen(user=citizen)] == [second.pk, first.pk]
    assert [i.pk for i in selectors.inquiries_for_privacy_officer(user=official)] == [second.pk, first.pk]


def test_refund_inquiries_asked_at_the_same_moment_the_later_one_is_the_latest(citizen):
    from sharing.tracker.models import RefundInquiry

    first = RefundInquiry.objects.create(citizen=citizen, case_ref="REFUND-X")
    second = RefundInquiry.objects.create(citizen=citizen, case_ref="REFUND-Y")
    RefundInquiry.objects.update(created_at=first.created_at)
    assert selectors.refund_inquiry_latest(user=citizen).pk == second.pk


def test_a_privacy_officer_sees_at_most_500_inquiries(citizen, official, office):
    PrivacyOfficerFactory(user=official, office=office)
    entry = _entry(office)
    PrivacyInquiry.objects.bulk_create(
        PrivacyInquiry(citizen=citizen, entry=entry, office=office, message="?") for _ in range(501)
    )
    assert len(selectors.inquiries_for_privacy_officer(user=official)) == 500


def test_the_citizens_list_reads_who_answered_with_it(citizen, official, office):
    for age in (1, 2):
        inquiry = _inquiry(citizen, office, age_days=age, status=PrivacyInquiry.Status.ANSWERED)
        PrivacyInquiry.objects.filter(pk=inquiry.pk).update(answered_by=official)
    with CaptureQueriesContext(connection) as queries:
        names = [i.answered_by.username for i in selectors.inquiries_for_citizen(user=citizen)]
    assert names == [official.username, official.username] and len(queries) == 1
