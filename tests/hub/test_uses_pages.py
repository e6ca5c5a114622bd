"""The pages of applying for and deciding uses: what each role sees and may do, errors next to
their fields, replayed forms, and everyone else refused with a 404. Expectations by hand."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from sharing.hub.models import ApprovedUse, ApprovedUseEvent
from tests.conftest import login_verified
from tests.factories import CitizenFactory, OfficialFactory
from tests.hub.factories import (
    ApprovedUseFactory,
    OwningAgencyReviewerFactory,
    PurposeFactory,
    UsingAgencyAdministratorFactory,
    UsingAgencyFactory,
)
from tests.sharing.factories import AgencyFactory, InformationItemFactory, ItemFieldFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _fresh_roles_cache():
    cache.clear()  # the hub roles and snapshots are cached in the shared cache
    yield
    cache.clear()


@pytest.fixture
def item():
    item = InformationItemFactory(code="resident_abstract", agency=AgencyFactory(code="mois"))
    for order, key in enumerate(("name", "address", "move_in_date", "rrn")):
        ItemFieldFactory(item=item, key=key, label_ko=f"{key}-ko", label_en=f"{key}-en", order=order)
    return item


@pytest.fixture
def jongno():
    return UsingAgencyFactory(code="seoul-jongno", name_ko="서울특별시 종로구", name_en="Jongno-gu, Seoul")


@pytest.fixture
def applicant(jongno):
    return UsingAgencyAdministratorFactory(using_agency=jongno, user=OfficialFactory(username="hub-admin")).user


@pytest.fixture
def reviewer(item):
    return OwningAgencyReviewerFactory(agency=item.agency, user=OfficialFactory(username="hub-reviewer")).user


@pytest.fixture
def purpose():
    return PurposeFactory()


def _client(user, language: str = "ko") -> Client:
    client = login_verified(Client(), user)
    client.cookies["django_language"] = language
    return client


def _waiting(jongno, item, purpose, **overrides) -> ApprovedUse:
    values = {
        "using_agency": jongno,
        "item": item,
        "purpose": purpose,
        "requested_fields": ["name", "address", "move_in_date"],
        "fields": [],
        "valid_from": None,
        "valid_until": None,
        "status": ApprovedUse.Status.APPLIED,
    }
    return ApprovedUseFactory.create(**(values | overrides))


def _apply_data(the_item, purpose, **overrides) -> dict:
    data = {
        "agency": "seoul-jongno",
        "item": the_item.code,
        "fields_wanted": ["name", "address"],
        "affair_code": "LOCAL-PARKING-01",
        "affair_name_ko": "거주자 우선주차 관리",
        "affair_name_en": "Resident priority parking",
        "purpose": purpose.code,
        "legal_basis": "주차장법 제10조",
        "legal_basis_en": "Parking Lot Act, Article 10",
        "expected_monthly_volume": "300",
        "requested_from": TODAY.isoformat(),
        "requested_until": (TODAY + datetime.timedelta(days=365)).isoformat(),
    }
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


# --- The using agency's administrator ----------------------------------------------------------


def test_the_administrator_applies_in_two_steps_and_lands_on_the_use_with_its_history(applicant, item, purpose):
    client = _client(applicant)
    step_one = client.get("/hub/uses/apply/")
    assert step_one.status_code == 200 and 'name="item"' in step_one.text
    step_two = client.get("/hub/uses/apply/", {"item": item.code})
    assert step_two.status_code == 200
    for key in ("name", "address", "move_in_date", "rrn"):  # the item's fields, as checkboxes
        assert f'type="checkbox" name="fields_wanted" value="{key}"' in step_two.text
    response = client.post("/hub/uses/apply/", _apply_data(item, purpose))
    use = ApprovedUse.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/hub/uses/{use.public_id}/"
    assert (use.status, use.requested_fields, use.applied_by) == ("applied", ["name", "address"], applicant)
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "거주자 우선주차 관리" in page.text and "LOCAL-PARKING-01" in page.text and "주차장법 제10조" in page.text
    assert applicant.display_name in page.text  # who applied, in the history


@pytest.mark.parametrize(
    ("overrides", "field", "message_en"),
    [
        ({"fields_wanted": None}, "fields_wanted", "This field is required."),
        ({"fields_wanted": ["name", "favourite_colour"]}, "fields_wanted", "favourite_colour"),
        (
            {"requested_from": "2020-01-01", "requested_until": "2020-12-31"},
            "requested_until",
            "The period has already ended.",
        ),
        (
            {"requested_until": (TODAY - datetime.timedelta(days=1)).isoformat()},
            "requested_until",
            "The period must end after it starts.",
        ),
        ({"legal_basis": "   "}, "legal_basis", "This field is required."),
        ({"affair_code": "lower case"}, "affair_code", "An affair code is 2 to 40"),
        ({"expected_monthly_volume": "-1"}, "expected_monthly_volume", "greater than or equal to 0"),
    ],
)
def test_a_bad_application_is_a_400_with_the_message_next_to_its_field(
    applicant, item, purpose, overrides, field, message_en
):
    response = _client(applicant, "en").post("/hub/uses/apply/", _apply_data(item, purpose, **overrides))
    assert response.status_code == 400
    assert message_en in " ".join(str(error) for error in response.context["form"].errors.get(field, []))
    assert not ApprovedUse.objects.exists()


def test_the_message_of_a_service_is_translated(applicant, item, purpose):
    response = _client(applicant).post(
        "/hub/uses/apply/", _apply_data(item, purpose, requested_from="2020-01-01", requested_until="2020-12-31")
    )
    assert response.status_code == 400
    assert "기간" in " ".join(response.context["form"].errors["requested_until"])  # Korean, the site's first language


def test_a_form_sent_twice_makes_one_application(applicant, item, purpose):
    client = _client(applicant)
    assert client.post("/hub/uses/apply/", _apply_data(item, purpose)).status_code == 302
    again = client.post("/hub/uses/apply/", _apply_data(item, purpose))
    assert again.status_code == 409
    assert ApprovedUse.objects.count() == 1 and ApprovedUseEvent.objects.count() == 1


def test_an_unknown_item_or_someone_elses_agency_in_the_form_is_a_404(applicant, item, purpose):
    client = _client(applicant)
    assert client.post("/hub/uses/apply/", _apply_data(item, purpose, item="nothing")).status_code == 404
    UsingAgencyFactory(code="seoul-gangnam")
    assert client.post("/hub/uses/apply/", _apply_data(item, purpose, agency="seoul-gangnam")).status_code == 404
    assert client.get("/hub/uses/apply/", {"agency": "seoul-gangnam"}).status_code == 404
    assert not ApprovedUse.objects.exists()


def test_the_list_shows_the_agencys_uses_with_days_left_and_an_expiring_marker(applicant, jongno, item, purpose):
    ApprovedUseFactory(
        using_agency=jongno,
        item=item,
        purpose=purpose,
        affair_name_ko="곧 끝나는 사무",
        affair_name_en="",
        requested_until=TODAY + datetime.timedelta(days=10),
    )
    ApprovedUseFactory(
        using_agency=jongno, item=item, purpose=purpose, affair_name_ko="오래 가는 사무", affair_name_en=""
    )
    ApprovedUseFactory(
        using_agency=UsingAgencyFactory(code="seoul-mapo"), item=item, affair_name_ko="마포구의 사무", affair_name_en=""
    )
    page = _client(applicant, "en").get("/hub/uses/")
    assert page.status_code == 200
    assert "곧 끝나는 사무" in page.text and "오래 가는 사무" in page.text and "마포구의 사무" not in page.text
    rows = {row["use"].affair_name_ko: row for row in page.context["rows"]}
    assert (rows["곧 끝나는 사무"]["days_left"], rows["곧 끝나는 사무"]["expiring_soon"]) == (10, True)
    assert (rows["오래 가는 사무"]["days_left"], rows["오래 가는 사무"]["expiring_soon"]) == (335, False)
    assert page.text.count("Expiring soon") == 1  # the marker, once


def test_the_lists_cost_the_same_queries_whatever_their_length(
    applicant, reviewer, jongno, item, purpose, django_assert_num_queries
):
    admin_client, reviewer_client = _client(applicant), _client(reviewer)
    _waiting(jongno, item, purpose)
    ApprovedUseFactory(using_agency=jongno, item=item, purpose=purpose)
    for client, url in ((admin_client, "/hub/uses/"), (reviewer_client, "/hub/reviews/")):
        client.get(url)  # warm the session, roles and fragments
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as few:
            assert client.get(url).status_code == 200
        for n in range(8):
            _waiting(jongno, item, purpose, affair_code=f"MORE-{url[5]}-{n:02d}")
            ApprovedUseFactory(using_agency=jongno, item=item, purpose=purpose)
        with django_assert_num_queries(len(few)):
            assert client.get(url).status_code == 200


# --- The owning agency's reviewer --------------------------------------------------------------


def test_the_inbox_puts_waiting_applications_first_oldest_first(reviewer, jongno, item, purpose):
    decided = ApprovedUseFactory(using_agency=jongno, item=item, purpose=purpose, affair_name_ko="결정된 사무")
    first = _waiting(jongno, item, purpose, affair_name_ko="먼저 온 신청", affair_code="FIRST-01")
    second = _waiting(jongno, item, purpose, affair_name_ko="나중 온 신청", affair_code="SECOND-01")
    ApprovedUse.objects.filter(pk=first.pk).update(created_at=timezone.now() - datetime.timedelta(days=2))
    other_agency_item = InformationItemFactory(code="vehicle_registration", agency=AgencyFactory(code="molit"))
    _waiting(jongno, other_agency_item, purpose, affair_name_ko="다른 기관 항목", affair_code="OTHER-01")
    page = _client(reviewer).get("/hub/reviews/")
    assert page.status_code == 200
    assert [row["use"] for row in page.context["waiting"]] == [first, second]
    assert [row["use"] for row in page.context["decided"]] == [decided]
    assert "다른 기관 항목" not in page.text
    assert page.text.index("먼저 온 신청") < page.text.index("나중 온 신청") < page.text.index("결정된 사무")


def test_approving_as_applied_for(reviewer, jongno, item, purpose):
    use = _waiting(jongno, item, purpose)
    client = _client(reviewer)
    assert client.get(f"/hub/reviews/{use.public_id}/").status_code == 200
    response = client.post(
        f"/hub/reviews/{use.public_id}/approve/",
        {
            "fields_approved": ["name", "address", "move_in_date"],
            "valid_from": use.requested_from.isoformat(),
            "valid_until": use.requested_until.isoformat(),
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/hub/reviews/{use.public_id}/"
    use.refresh_from_db()
    assert (use.status, use.fields) == ("approved", ["name", "address", "move_in_date"])
    assert use.events.last().action == "approved"


def test_narrowing_unchecks_fields_shortens_the_period_and_needs_a_reason(reviewer, jongno, item, purpose):
    use = _waiting(jongno, item, purpose)
    client = _client(reviewer)
    shorter = (use.requested_from + datetime.timedelta(days=90)).isoformat()
    narrowed = {"fields_approved": ["name"], "valid_from": use.requested_from.isoformat(), "valid_until": shorter}
    without_reason = _client(reviewer, "en").post(f"/hub/reviews/{use.public_id}/approve/", narrowed)
    assert without_reason.status_code == 400
    assert without_reason.context["approve_form"].errors["reason"] == [
        "Give the reason, for the applicant and the record."
    ]
    response = client.post(f"/hub/reviews/{use.public_id}/approve/", narrowed | {"reason": "주소는 필요하지 않음"})
    assert response.status_code == 302
    use.refresh_from_db()
    assert (use.status, use.fields, use.valid_until.isoformat(), use.reason) == (
        "approved",
        ["name"],
        shorter,
        "주소는 필요하지 않음",
    )
    assert use.events.last().action == "narrowed"


def test_a_reviewer_cannot_widen_through_a_forged_form(reviewer, jongno, item, purpose):
    use = _waiting(jongno, item, purpose)
    response = _client(reviewer).post(
        f"/hub/reviews/{use.public_id}/approve/",
        {
            "fields_approved": ["name", "rrn"],
            "valid_from": use.requested_from.isoformat(),
            "valid_until": (use.requested_until + datetime.timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 400  # rrn was not applied for: not even a choice
    assert ApprovedUse.objects.get(pk=use.pk).status == "applied"


def test_refusing_needs_a_reason_and_a_replayed_decision_is_a_409(reviewer, jongno, item, purpose):
    use = _waiting(jongno, item, purpose)
    client = _client(reviewer)
    assert client.post(f"/hub/reviews/{use.public_id}/refuse/", {"refuse-reason": ""}).status_code == 400
    assert client.post(f"/hub/reviews/{use.public_id}/refuse/", {"refuse-reason": "법적 근거 부족"}).status_code == 302
    use.refresh_from_db()
    assert (use.status, use.reason) == ("refused", "법적 근거 부족")
    replayed = client.post(f"/hub/reviews/{use.public_id}/refuse/", {"refuse-reason": "법적 근거 부족"})
    assert replayed.status_code == 409
    approve_after = client.post(
        f"/hub/reviews/{use.public_id}/approve/",
        {
            "fields_approved": ["name"],
            "valid_from": use.requested_from.isoformat(),
            "valid_until": use.requested_until.isoformat(),
            "reason": "x",
        },
    )
    assert approve_after.status_code == 409
    assert use.events.count() == 1  # the refusal, once (the factory's use was made without an event)


def test_suspend_resume_revoke(reviewer, jongno, item, purpose):
    use = ApprovedUseFactory(using_agency=jongno, item=item, purpose=purpose)
    client = _client(reviewer)
    page = client.get(f"/hub/reviews/{use.public_id}/")
    assert f'action="/hub/reviews/{use.public_id}/suspend/"' in page.text
    assert client.post(f"/hub/reviews/{use.public_id}/suspend/", {"suspend-reason": "점검"}).status_code == 302
    assert client.post(f"/hub/reviews/{use.public_id}/suspend/", {"suspend-reason": "점검"}).status_code == 409
    assert client.post(f"/hub/reviews/{use.public_id}/resume/", {}).status_code == 302
    assert client.post(f"/hub/reviews/{use.public_id}/revoke/", {"revoke-reason": ""}).status_code == 400
    assert client.post(f"/hub/reviews/{use.public_id}/revoke/", {"revoke-reason": "목적 외 이용"}).status_code == 302
    use.refresh_from_db()
    assert use.status == "revoked"
    assert [event.action for event in use.events.all()] == ["suspended", "resumed", "revoked"]
    assert client.post(f"/hub/reviews/{use.public_id}/resume/", {}).status_code == 409
    assert client.post(f"/hub/reviews/{use.public_id}/destroy/", {}).status_code == 404  # no such action
    assert client.get(f"/hub/reviews/{use.public_id}/revoke/").status_code == 405


# --- Everyone else -----------------------------------------------------------------------------


@pytest.fixture
def outsiders(item, jongno):
    return {
        "citizen": CitizenFactory(username="hub-citizen"),
        "official without a role": OfficialFactory(username="hub-nobody"),
        "administrator of another using agency": UsingAgencyAdministratorFactory(
            using_agency=UsingAgencyFactory(code="seoul-gangnam"), user=OfficialFactory(username="hub-gangnam")
        ).user,
        "reviewer of another owning agency": OwningAgencyReviewerFactory(
            agency=AgencyFactory(code="molit"), user=OfficialFactory(username="hub-molit")
        ).user,
    }


def test_everyone_without_the_role_for_the_use_gets_a_404(outsiders, jongno, item, purpose):
    use = _waiting(jongno, item, purpose)
    for who, user in outsiders.items():
        client = _client(user) if user.is_official else Client()
        if not user.is_official:
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        for url in (f"/hub/uses/{use.public_id}/", f"/hub/reviews/{use.public_id}/"):
            assert client.get(url).status_code == 404, (who, url)
        for action, data in (("approve", {"fields_approved": ["name"]}), ("refuse", {"refuse-reason": "x"})):
            assert client.post(f"/hub/reviews/{use.public_id}/{action}/", data).status_code == 404, (who, action)
        lists = {"/hub/uses/": "administrator" in who, "/hub/reviews/": "reviewer" in who}
        for url, has_a_list in lists.items():
            assert client.get(url).status_code == (200 if has_a_list else 404), (who, url)
        assert client.get("/hub/uses/apply/").status_code == (200 if "administrator" in who else 404), who
    assert ApprovedUse.objects.get(pk=use.pk).status == "applied"
    # The other using agency's administrator does not see Jongno's use in their list.
    gangnam = _client(outsiders["administrator of another using agency"]).get("/hub/uses/")
    assert gangnam.context["rows"] == []


def test_an_anonymous_visitor_is_sent_to_log_in_or_learns_nothing(jongno, item, purpose):
    use = _waiting(jongno, item, purpose)
    anonymous = Client()
    for url in ("/hub/uses/", "/hub/reviews/", "/hub/uses/apply/"):
        response = anonymous.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/account/login/"), url
    # A page naming a use: the same 404 whether it exists or not.
    assert anonymous.get(f"/hub/uses/{use.public_id}/").status_code == 404
    assert anonymous.get(f"/hub/uses/{uuid.uuid4()}/").status_code == 404
    assert anonymous.post(f"/hub/reviews/{use.public_id}/approve/", {}).status_code == 404


def test_an_official_who_has_not_passed_the_second_factor_is_sent_to_it(applicant):
    client = Client()
    client.force_login(applicant, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/hub/uses/")
    assert response.status_code == 302 and response["Location"].startswith("/account/two-factor/")


def test_forged_ids_are_404(applicant, reviewer):
    for client in (_client(applicant), _client(reviewer)):
        for url in (f"/hub/uses/{uuid.uuid4()}/", f"/hub/reviews/{uuid.uuid4()}/", "/hub/uses/not-a-uuid/"):
            assert client.get(url).status_code == 404
        assert client.post(f"/hub/reviews/{uuid.uuid4()}/approve/", {}).status_code == 404


def test_the_menu_links_to_the_pages_only_for_their_role_holders(applicant, reviewer, outsiders):
    assert 'href="/hub/uses/"' in _client(applicant).get("/").text
    assert 'href="/hub/reviews/"' not in _client(applicant).get("/").text
    assert 'href="/hub/reviews/"' in _client(reviewer).get("/").text
    nobody = _client(outsiders["official without a role"]).get("/").text
    assert 'href="/hub/uses/"' not in nobody and 'href="/hub/reviews/"' not in nobody


def test_the_use_page_shows_where_the_owning_agency_stands(applicant, jongno, item, purpose):
    from sharing.hub.models import UsePush

    use = ApprovedUseFactory(using_agency=jongno, item=item, purpose=purpose)
    UsePush.objects.create(use=use, state="failed", attempts=3, last_error="connection failed: NewConnectionError")
    page = _client(applicant, "en").get(f"/hub/uses/{use.public_id}/")
    assert "Not yet received by the owning agency" in page.text
    assert "3 attempts" in page.text and "connection failed: NewConnectionError" in page.text
    UsePush.objects.filter(use=use).update(state="pushed", pushed_version=use.version, last_error="")
    page = _client(applicant, "en").get(f"/hub/uses/{use.public_id}/")
    assert "Held by the owning agency" in page.text and f"version {use.version}" in page.text
