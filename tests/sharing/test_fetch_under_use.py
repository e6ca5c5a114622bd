"""Every fetch runs under an approved use: refused at the portal outside it, at creation and
before every attempt; the use travels in the signed request and into the access log, and the
citizen sees the affair and legal basis. Expectations by hand."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from sharing import crypto, services
from sharing.errors import OutsideApprovedUse
from sharing.hub import services as hub_services
from sharing.hub.models import ApprovedUse
from sharing.models import AccessLogEntry, FetchRequest
from sharing.types import FetchSpec
from tests.factories import CITIZEN1, OfficeFactory, OfficialFactory
from tests.hub.factories import ApprovedUseFactory, PurposeFactory, UsingAgencyFactory

pytestmark = pytest.mark.django_db

RRN = "900101-1234567"
State = FetchRequest.State
TODAY = timezone.localdate


@pytest.fixture
def jongno_gu(office):
    agency = UsingAgencyFactory(code="seoul-jongno", name_ko="서울특별시 종로구", name_en="Jongno-gu, Seoul")
    office.using_agency = agency
    office.save(update_fields=["using_agency"])
    return agency


@pytest.fixture
def use(item, jongno_gu):
    """Jongno-gu's use of the resident abstract's name and address for the basic pension."""
    return ApprovedUseFactory(
        using_agency=jongno_gu,
        item=item,
        affair_code="LOCAL-PENSION-01",
        affair_name_ko="기초연금 수급자격 조사",
        affair_name_en="Basic pension eligibility",
        purpose=PurposeFactory(code="P-PENSION", name_ko="기초연금 수급자격 확인", name_en="Basic pension check"),
        legal_basis="기초연금법 제11조",
        legal_basis_en="Basic Pension Act, Article 11",
        requested_fields=["name", "address"],
    )


def _spec(use, *, fields=("name", "address"), purpose="P-PENSION", item_code="resident_abstract", consent=False):
    return FetchSpec(
        item_code=item_code,
        fields=list(fields),
        purpose_code=purpose,
        subject_kind="person",
        subject_id=RRN,
        use_id=use.pk if use else None,
        consent_given=consent,
    )


def _create(office, spec, case_ref="2026-0000001"):
    [fetch] = services.fetch_requests_create(case_ref=case_ref, office=office, items=[spec])
    return fetch


def _run(fetch, capture):
    with capture(execute=True):
        outcome = services.fetch_execute(fetch_request_id=fetch.pk)
    fetch.refresh_from_db()
    return outcome


# --- Creation: outside the use, nothing is made ------------------------------------------------


def test_a_fetch_inside_its_use_is_made_and_names_it(use, office, queued):
    fetch = _create(office, _spec(use))
    assert fetch.approved_use_id == use.pk and fetch.consent_given is False
    assert fetch.state == State.WAITING


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"fields": ("name", "address", "rrn")}, "use_fields"),
        ({"purpose": "P-PARKING"}, "use_other_purpose"),
        ({"item_code": "other_item"}, "use_other_item"),
    ],
)
def test_a_fetch_outside_its_use_is_refused_at_creation(use, office, queued, change, code):
    from tests.sharing.factories import ItemFieldFactory

    ItemFieldFactory(item__code="other_item", item__agency=use.item.agency, key="name")
    ItemFieldFactory(item__code="other_item", key="address")
    with pytest.raises(OutsideApprovedUse) as refused:
        _create(office, _spec(use, **change))
    assert refused.value.code == code
    assert not FetchRequest.objects.exists()
    assert queued == []


def test_a_fetch_naming_no_use_or_another_agencys_is_refused(use, office, other_office, queued):
    with pytest.raises(OutsideApprovedUse) as refused:
        _create(office, _spec(None))
    assert refused.value.code == "no_use"
    # Gangnam-gu's office may not fetch under Jongno-gu's use; nor may an office of no agency.
    other_office.using_agency = UsingAgencyFactory(code="seoul-gangnam")
    other_office.save(update_fields=["using_agency"])
    with pytest.raises(OutsideApprovedUse) as refused:
        _create(other_office, _spec(use))
    assert refused.value.code == "use_other_agency"
    lone = OfficeFactory(code="lone")
    with pytest.raises(OutsideApprovedUse) as refused:
        _create(lone, _spec(use))
    assert refused.value.code == "use_other_agency"
    assert not FetchRequest.objects.exists()


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (ApprovedUse.Status.SUSPENDED, "use_suspended"),
        (ApprovedUse.Status.REVOKED, "use_revoked"),
        (ApprovedUse.Status.APPLIED, "use_applied"),
        (ApprovedUse.Status.REFUSED, "use_refused"),
    ],
)
def test_a_use_not_in_force_refuses_at_creation(item, jongno_gu, office, queued, status, code):
    use = ApprovedUseFactory(
        using_agency=jongno_gu,
        item=item,
        purpose=PurposeFactory(code="P-PENSION"),
        requested_fields=["name", "address"],
        status=status,
    )
    with pytest.raises(OutsideApprovedUse) as refused:
        _create(office, _spec(use))
    assert refused.value.code == code


def test_an_expired_or_future_use_refuses_at_creation(item, jongno_gu, office, queued):
    today = TODAY()
    expired = ApprovedUseFactory(
        using_agency=jongno_gu,
        item=item,
        purpose=PurposeFactory(code="P-PENSION"),
        requested_fields=["name", "address"],
        requested_from=today - datetime.timedelta(days=400),
        requested_until=today - datetime.timedelta(days=1),
    )
    future = ApprovedUseFactory(
        using_agency=jongno_gu,
        item=item,
        purpose=PurposeFactory(code="P-PENSION"),
        requested_fields=["name", "address"],
        requested_from=today + datetime.timedelta(days=1),
        requested_until=today + datetime.timedelta(days=30),
    )
    with pytest.raises(OutsideApprovedUse) as refused:
        _create(office, _spec(expired))
    assert refused.value.code == "use_expired"
    with pytest.raises(OutsideApprovedUse) as refused:
        _create(office, _spec(future))
    assert refused.value.code == "use_not_yet"


def test_a_use_that_needs_consent_refuses_without_it(use, office, queued):
    ApprovedUse.objects.filter(pk=use.pk).update(consent_required=True)
    with pytest.raises(OutsideApprovedUse) as refused:
        _create(office, _spec(use, consent=False))
    assert refused.value.code == "use_consent"
    fetch = _create(office, _spec(use, consent=True))
    assert fetch.consent_given is True


def test_a_narrowed_approval_limits_the_fields_at_the_portal(item, jongno_gu, office, queued):
    applicant = jongno_gu.administrators.create(user=OfficialFactory())
    applied = hub_services.use_apply(
        actor=applicant.user,
        using_agency=jongno_gu,
        item=item,
        affair_code="LOCAL-PENSION-01",
        affair_name_ko="기초연금 수급자격 조사",
        purpose=PurposeFactory(code="P-PENSION"),
        legal_basis="기초연금법 제11조",
        consent_required=False,
        fields=["name", "address", "rrn"],
        expected_monthly_volume=10,
        requested_from=TODAY(),
        requested_until=TODAY() + datetime.timedelta(days=90),
    )
    narrowed = hub_services.use_approve(actor=None, use=applied, fields=["name", "address"], reason="RRN not needed")
    assert narrowed.fields == ["name", "address"]
    with pytest.raises(OutsideApprovedUse) as refused:
        _create(office, _spec(narrowed, fields=("name", "address", "rrn")))
    assert refused.value.code == "use_fields" and "rrn" in refused.value.message
    assert _create(office, _spec(narrowed, fields=("name",))).fields == ["name"]


# --- Every attempt: the use is checked again ---------------------------------------------------


def test_revoking_the_use_stops_the_next_fetch_before_the_agency_is_asked(
    use, office, fake_agency, queued, django_capture_on_commit_callbacks
):
    fake_agency.values = {"name": "김민원", "address": "서울특별시 종로구 삼봉로 43"}
    first = _create(office, _spec(use), case_ref="2026-0000001")
    assert _run(first, django_capture_on_commit_callbacks) == "fetched"
    second = _create(office, _spec(use), case_ref="2026-0000002")
    asked = len(fake_agency.requests)
    with django_capture_on_commit_callbacks(execute=True):
        hub_services.use_revoke(actor=None, use=use, reason="감사 결과 목적 외 이용")
    assert _run(second, django_capture_on_commit_callbacks) == "refused"
    assert second.state == State.REFUSED and second.error_code == "use_revoked"
    assert len(fake_agency.requests) == asked  # nothing was sent
    assert not second.is_pending
    with translation.override("en"):
        assert second.error_message == "The portal did not ask the agency: the approved use was revoked."
    with translation.override("ko"):
        assert second.error_message == "포털이 기관에 요청하지 않았습니다. 이용 승인이 취소되었습니다."
    # No FETCHED entry for the refused attempt; the first one's stands.
    assert AccessLogEntry.objects.filter(action="fetched", case_ref="2026-0000002").count() == 0


def test_a_suspended_use_stops_the_next_attempt_and_a_resumed_one_lets_a_refetch_run(
    use, office, official, fake_agency, queued, django_capture_on_commit_callbacks
):
    fake_agency.values = {"name": "김민원", "address": "서울"}
    fetch = _create(office, _spec(use))
    with django_capture_on_commit_callbacks(execute=True):
        hub_services.use_suspend(actor=None, use=use, reason="점검")
    assert _run(fetch, django_capture_on_commit_callbacks) == "refused"
    assert fetch.error_code == "use_suspended" and fake_agency.requests == []
    with django_capture_on_commit_callbacks(execute=True):
        hub_services.use_resume(actor=None, use=use)
    services.fetch_request_retry(fetch_request=fetch, actor=official)
    assert _run(fetch, django_capture_on_commit_callbacks) == "fetched"


def test_a_use_that_expired_since_the_fetch_was_made_stops_it(
    use, office, fake_agency, queued, django_capture_on_commit_callbacks, monkeypatch
):
    fetch = _create(office, _spec(use))
    after_expiry = use.valid_until + datetime.timedelta(days=1)
    monkeypatch.setattr("sharing.hub.selectors.timezone.localdate", lambda: after_expiry)
    assert _run(fetch, django_capture_on_commit_callbacks) == "refused"
    assert fetch.error_code == "use_expired" and fake_agency.requests == []


def test_a_narrowing_after_creation_refuses_the_fields_no_longer_approved(
    use, office, fake_agency, queued, django_capture_on_commit_callbacks
):
    fetch = _create(office, _spec(use))
    # The approval narrowed (a new decision of the owning agency), the snapshot dropped on commit.
    with django_capture_on_commit_callbacks(execute=True):
        ApprovedUse.objects.filter(pk=use.pk).update(fields=["name"])
        hub_services._changed(use)
    assert _run(fetch, django_capture_on_commit_callbacks) == "refused"
    assert fetch.error_code == "use_fields" and fake_agency.requests == []


def test_an_old_fetch_without_a_use_is_refused_not_sent(
    item, office, fake_agency, queued, django_capture_on_commit_callbacks
):
    from tests.sharing.factories import FetchRequestFactory

    fetch = FetchRequestFactory(item=item, office=office, approved_use=None, fields=["name"])
    assert _run(fetch, django_capture_on_commit_callbacks) == "refused"
    assert fetch.error_code == "no_use" and fake_agency.requests == []


# --- The signed request and the access log -----------------------------------------------------


def test_the_signed_request_carries_the_use_and_every_entry_its_affair_and_basis(
    use, office, official, fake_agency, queued, django_capture_on_commit_callbacks
):
    fake_agency.values = {"name": "김민원", "address": "서울특별시 종로구 삼봉로 43"}
    fake_agency.persons = ["800101-2345678"]  # the record is about another person too
    fetch = _create(office, _spec(use))
    assert _run(fetch, django_capture_on_commit_callbacks) == "fetched"
    sent = fake_agency.requests[-1]
    assert sent["use_id"] == str(use.public_id)
    assert sent["using_agency"] == "seoul-jongno"
    assert sent["affair_code"] == "LOCAL-PENSION-01"
    assert sent["legal_basis"] == "기초연금법 제11조"
    fetched = list(AccessLogEntry.objects.filter(action="fetched"))
    assert len(fetched) == 2  # under the subject and under the other person
    assert {(e.affair_code, e.legal_basis) for e in fetched} == {("LOCAL-PENSION-01", "기초연금법 제11조")}
    services.personal_data_read(
        fetch_request=fetch, actor=official, office=office, purpose="P-PENSION", ip_address="192.0.2.1"
    )
    viewed = AccessLogEntry.objects.filter(action="viewed")
    assert viewed.count() == 2
    assert {(e.affair_code, e.legal_basis) for e in viewed} == {("LOCAL-PENSION-01", "기초연금법 제11조")}
    # The chain still verifies with the new members hashed in.
    from sharing.audit import verify_chain

    assert verify_chain().ok


def test_a_discarded_answer_is_logged_with_the_affair_and_basis(
    agency, jongno_gu, office, fake_agency, queued, django_capture_on_commit_callbacks
):
    from tests.sharing.factories import ItemFieldFactory

    vehicle = ItemFieldFactory(item__code="vehicle_registration", item__agency=agency, key="plate").item
    vehicle.subject_kind = "vehicle"
    vehicle.save(update_fields=["subject_kind"])
    use = ApprovedUseFactory(
        using_agency=jongno_gu,
        item=vehicle,
        affair_code="LOCAL-PARKING-01",
        purpose=PurposeFactory(code="P-PARKING"),
        legal_basis="주차장법 제10조",
        requested_fields=["plate"],
    )
    fake_agency.values = {"plate": "12가3456"}
    fake_agency.persons = ["850505-1111111"]  # the vehicle is someone else's
    spec = FetchSpec(
        item_code="vehicle_registration",
        fields=["plate"],
        purpose_code="P-PARKING",
        subject_kind="vehicle",
        subject_id="12가3456",
        applicant_hash=crypto.subject_hash(RRN),
        use_id=use.pk,
    )
    fetch = _create(office, spec)
    assert _run(fetch, django_capture_on_commit_callbacks) == "not_applicants"
    [entry, owner_entry] = AccessLogEntry.objects.filter(action="discarded").order_by("sequence")
    for logged in (entry, owner_entry):
        assert (logged.affair_code, logged.legal_basis) == ("LOCAL-PARKING-01", "주차장법 제10조")


# --- The query count of one attempt ------------------------------------------------------------


def _statement(sql: str) -> str:
    found = re.match(r'(\w+).*?("\w+")', sql, re.S)
    return " ".join(found.groups()) if found else sql.split("(")[0].strip()


def test_the_use_check_adds_no_query_to_an_attempt_once_the_use_is_cached(
    use, office, fake_agency, queued, django_capture_on_commit_callbacks
):
    """One successful attempt made, before uses existed, these statements (measured on d51e290 on
    PostgreSQL, without savepoints): the claim's read and update, the outcome's update, the
    answer's insert, the access log's lock, chain end and insert, the exchange, the settled
    check, the petition lookup. With the use check: the same, the use read from the cache."""
    fake_agency.values = {"name": "김민원", "address": "서울"}
    fetch = _create(office, _spec(use))  # the creation's check cached the snapshot
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        assert services.fetch_execute(fetch_request_id=fetch.pk) == "fetched"
    statements = [
        _statement(query["sql"])
        for query in queries.captured_queries
        if not query["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]
    assert not any("hub_approveduse" in query["sql"] for query in queries.captured_queries)
    expected = [
        'SELECT "sharing_fetchrequest"',
        'UPDATE "sharing_fetchrequest"',
        'UPDATE "sharing_fetchrequest"',
        'INSERT "sharing_fetcheddata"',
        *(["SELECT set_config"] if connection.vendor == "postgresql" else []),
        'SELECT "sharing_accesslogentry"',
        'INSERT "sharing_accesslogentry"',
        *(["SELECT pg_logical_emit_message"] if connection.vendor == "postgresql" else []),
        'INSERT "tracker_exchange"',
        'SELECT "a"',  # SELECT 1 AS "a" FROM sharing_fetchrequest: is anything of the case pending
        'SELECT "petitions_petition"',
    ]
    assert statements == expected


def test_a_cold_cache_costs_one_read_of_the_use_then_none(
    use, office, fake_agency, queued, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    fetch = _create(office, _spec(use))
    cache.clear()
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        services.fetch_execute(fetch_request_id=fetch.pk)
    assert sum("hub_approveduse" in query["sql"] for query in queries.captured_queries) == 1


# --- The citizen's page ------------------------------------------------------------------------


def _entry(office, *, affair_code="", legal_basis="", actor=None, item_code="resident_abstract"):
    from sharing import audit

    return audit.log_personal_data_access(
        action="fetched",
        subject_hash=crypto.subject_hash(CITIZEN1.rrn),
        case_ref="2026-0000001",
        office=office,
        actor=actor,
        item_code=item_code,
        fields=["name"],
        purpose="P-PENSION",
        affair_code=affair_code,
        legal_basis=legal_basis,
    )


def test_the_citizen_sees_the_affair_and_legal_basis_in_their_language(
    linked_client, linked_citizen, use, office, official
):
    from sharing.tracker import selectors

    _entry(office, affair_code="LOCAL-PENSION-01", legal_basis="기초연금법 제11조", actor=official)
    _entry(office)  # an entry from before uses: no affair, nothing invented
    response = linked_client.get("/my/data-access/")
    assert response.status_code == 200
    html = response.content.decode()
    without, with_use = response.context["rows"]  # newest first
    assert with_use.affair_name == "기초연금 수급자격 조사 (LOCAL-PENSION-01)"
    assert with_use.legal_basis == "기초연금법 제11조"
    assert without.affair_name == "" and without.legal_basis == ""
    assert "기초연금 수급자격 조사 (LOCAL-PENSION-01)" in html and "기초연금법 제11조" in html
    assert office.name_ko in html and official.staff_number in html  # the office and the official as recorded
    assert use.item.agency.name_ko in html  # the owning agency
    with translation.override("en"):
        _page, rows = selectors.access_log_page(
            user=linked_citizen,
            subject_hash=crypto.subject_hash(CITIZEN1.rrn),
            filters=selectors.AccessFilters(),
            page_number=1,
        )
    assert rows[1].affair_name == "Basic pension eligibility (LOCAL-PENSION-01)"
    assert rows[1].legal_basis == "Basic Pension Act, Article 11"


def test_the_concern_page_names_the_affair_and_basis(linked_client, use, office):
    from django.urls import reverse

    entry = _entry(office, affair_code="LOCAL-PENSION-01", legal_basis="기초연금법 제11조")
    html = linked_client.get(reverse("tracker:concern", args=[entry.sequence])).content.decode()
    assert "기초연금 수급자격 조사 (LOCAL-PENSION-01)" in html and "기초연금법 제11조" in html


def test_the_page_costs_the_same_queries_whatever_the_number_of_affairs(linked_client, use, office):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert linked_client.get("/my/data-access/").status_code == 200
        return len(queries)

    _entry(office, affair_code="LOCAL-PENSION-01", legal_basis="기초연금법 제11조")
    few = count()
    for n in range(12):
        other = ApprovedUseFactory(
            using_agency=use.using_agency,
            item=use.item,
            purpose=use.purpose,
            affair_code=f"LOCAL-OTHER-{n:02d}",
            affair_name_ko=f"다른 사무 {n}",
        )
        _entry(office, affair_code=other.affair_code, legal_basis=other.legal_basis)
    assert count() == few
