"""Petition types fetch under approved uses: the one publish check (petitions.uses.use_problems),
the admin that applies it, and filing under the use of the office a petition is routed to.
Expectations by hand."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from petitions.errors import PetitionError
from petitions.models import Petition, PetitionType, RequiredInformation
from petitions.uses import use_problems
from portal.models import Office
from sharing.hub import services as hub_services
from sharing.hub.models import ApprovedUse
from sharing.models import FetchRequest
from tests.factories import CITIZEN2
from tests.petitions.helpers import file_building_use_change

pytestmark = pytest.mark.django_db

BUILDING = "building-use-change"


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


def _type(slug=BUILDING) -> PetitionType:
    return PetitionType.objects.select_related("handling_office").get(slug=slug)


def _row(slug=BUILDING, item="resident_abstract") -> RequiredInformation:
    return RequiredInformation.objects.select_related("approved_use").get(petition_type__slug=slug, item__code=item)


def test_every_demo_type_names_uses_in_force_for_every_office_it_may_go_to(demo_types):
    for petition_type in PetitionType.objects.select_related("handling_office"):
        assert use_problems(petition_type) == [], petition_type.slug
    jongno = Office.objects.get(code="jongno")
    row = _row()
    assert row.approved_use.using_agency_id == jongno.using_agency_id
    assert row.approved_use.affair_code == "LOCAL-BLDG-USE-01"
    assert row.approved_use.legal_basis == row.item.legal_basis  # the demo's legal basis, reused


def test_a_row_without_a_use_or_with_a_use_not_in_force_is_reported(demo_types):
    row = _row()
    use = row.approved_use
    hub_services.use_suspend(actor=None, use=use, reason="점검")
    assert use_problems(_type()) == [
        "“Resident registration abstract”: the use LOCAL-BLDG-USE-01 is not in force (Suspended)."
    ]
    hub_services.use_revoke(actor=None, use=use, reason="취소")
    assert use_problems(_type()) == [
        "“Resident registration abstract”: the use LOCAL-BLDG-USE-01 is not in force (Revoked)."
    ]
    RequiredInformation.objects.filter(pk=row.pk).update(approved_use=None)
    assert use_problems(_type()) == ["“Resident registration abstract” names no approved use."]


def test_an_expired_use_and_one_of_too_few_fields_are_reported(demo_types):
    row = _row()
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    ApprovedUse.objects.filter(pk=row.approved_use_id).update(
        fields=["name"], valid_from=yesterday - datetime.timedelta(days=30), valid_until=yesterday
    )
    assert use_problems(_type()) == [
        "“Resident registration abstract”: the fields address are not approved under LOCAL-BLDG-USE-01.",
        f"“Resident registration abstract”: the use LOCAL-BLDG-USE-01 is not in force (expired on "
        f"{yesterday.isoformat()}).",
    ]


def test_a_use_of_another_using_agency_than_the_handling_offices_is_reported(demo_types):
    row = _row()
    gangnam = Office.objects.get(code="gangnam")
    gangnams_use = ApprovedUse.objects.get(
        using_agency=gangnam.using_agency, item=row.item, affair_code=row.approved_use.affair_code
    )
    RequiredInformation.objects.filter(pk=row.pk).update(approved_use=gangnams_use)
    problems = use_problems(_type())
    assert problems == [
        "“Resident registration abstract”: the use LOCAL-BLDG-USE-01 belongs to Gangnam-gu, Seoul, "
        "not to Jongno-gu Office's using agency."
    ]


def test_with_district_routing_each_districts_agency_needs_an_equivalent_use(demo_types):
    row = _row()
    gangnam = Office.objects.get(code="gangnam")
    ApprovedUse.objects.filter(
        using_agency=gangnam.using_agency, affair_code=row.approved_use.affair_code, item=row.item
    ).update(status=ApprovedUse.Status.SUSPENDED)
    assert use_problems(_type()) == [
        "“Resident registration abstract”: Gangnam-gu Office's using agency has no use in force of the affair "
        "LOCAL-BLDG-USE-01."
    ]
    # A fixed-office type needs only its office's.
    PetitionType.objects.filter(slug=BUILDING).update(routing=PetitionType.Routing.FIXED)
    assert use_problems(_type()) == []


def test_a_use_that_needs_consent_needs_a_row_that_asks_for_it(demo_types):
    row = _row()
    ApprovedUse.objects.filter(pk=row.approved_use_id).update(consent_required=True)
    assert use_problems(_type()) == [
        "“Resident registration abstract”: the use LOCAL-BLDG-USE-01 needs the applicant's consent; tick "
        "“consent required”."
    ]


def test_the_check_costs_the_same_queries_whatever_the_number_of_rows_and_offices(demo_types):
    def count(petition_type) -> int:
        with CaptureQueriesContext(connection) as queries:
            use_problems(petition_type)
        return len(queries)

    few = count(_type())
    from tests.factories import OfficeFactory

    for n in range(5):
        office = OfficeFactory(code=f"extra-{n}", district_code=f"9{n:04d}")
        office.using_agency = Office.objects.get(code="mapo").using_agency
        office.save(update_fields=["using_agency"])
    assert count(_type()) == few
    assert count(_type("passport-issuance")) <= few


# --- The admin -------------------------------------------------------------------------------


def test_the_admin_shows_the_check_and_will_not_publish_a_type_whose_uses_are_missing(
    demo_types, admin_client_verified
):
    petition_type = _type()
    RequiredInformation.objects.filter(pk=_row().pk).update(approved_use=None)
    PetitionType.objects.filter(pk=petition_type.pk).update(active=False)
    changelist = reverse("admin:petitions_petitiontype_changelist")
    page = admin_client_verified.get(changelist).content.decode()
    assert "‘주민등록표 초본’에 이용 승인이 지정되어 있지 않습니다." in page  # the admin speaks Korean
    response = admin_client_verified.post(
        changelist, {"action": "publish", "_selected_action": [str(petition_type.pk)]}, follow=True
    )
    assert response.status_code == 200
    assert not PetitionType.objects.get(pk=petition_type.pk).active
    assert any("신청을 받을 수 없습니다" in str(m) for m in get_messages(response.wsgi_request))
    # Named again: published.
    use = ApprovedUse.objects.get(
        using_agency=petition_type.handling_office.using_agency,
        affair_code="LOCAL-BLDG-USE-01",
        item__code="resident_abstract",
    )
    RequiredInformation.objects.filter(pk=_row().pk).update(approved_use=use)
    admin_client_verified.post(changelist, {"action": "publish", "_selected_action": [str(petition_type.pk)]})
    assert PetitionType.objects.get(pk=petition_type.pk).active
    page = admin_client_verified.get(reverse("admin:petitions_petitiontype_change", args=[petition_type.pk]))
    assert page.status_code == 200 and "이용 승인" in page.content.decode()


def test_saving_an_open_type_whose_use_is_not_in_force_closes_it_with_the_reason(
    catalogue, admin_client_verified, office
):
    from sharing.models import InformationItem
    from tests.petitions.factories import PetitionTypeFactory

    petition_type = PetitionTypeFactory(slug="admin-uses", handling_office=office)
    item = InformationItem.objects.get(code="resident_abstract")
    data = {
        "slug": "admin-uses",
        "name_ko": "이용 시험",
        "name_en": "Use test",
        "category": "residence",
        "active": "on",
        "description_ko": "",
        "description_en": "",
        "notes_ko": "",
        "notes_en": "",
        "processing_days": "3",
        "fee": "0",
        "routing": "fixed",
        "handling_office": str(office.pk),
        "form_fields-TOTAL_FORMS": "0",
        "form_fields-INITIAL_FORMS": "0",
        "required_information-TOTAL_FORMS": "1",
        "required_information-INITIAL_FORMS": "0",
        "required_information-0-item": str(item.pk),
        "required_information-0-fields": "name, address",
        "required_information-0-purpose_code": "P-MOVE-IN",
        "required_information-0-purpose_ko": "확인",
        "required_information-0-purpose_en": "Check",
        "required_information-0-legal_basis": "주민등록법",
        "required_information-0-subject_source": "applicant",
        "required_information-0-order": "0",
        "required_information-0-others_policy": "own_only",
        "fee_exemptions-TOTAL_FORMS": "0",
        "fee_exemptions-INITIAL_FORMS": "0",
    }
    url = reverse("admin:petitions_petitiontype_change", args=[petition_type.pk])
    response = admin_client_verified.post(url, data, follow=True)
    assert response.status_code == 200
    assert not PetitionType.objects.get(pk=petition_type.pk).active
    assert any("저장했지만 신청을 받지 않습니다" in str(m) for m in get_messages(response.wsgi_request))


# --- Filing ---------------------------------------------------------------------------------


def test_filing_fetches_under_the_use_of_the_office_the_petition_is_routed_to(
    demo_types, linked_citizen, linked_other_citizen
):
    jongno_petition = file_building_use_change(linked_citizen)  # CITIZEN1 lives in Jongno-gu
    gangnam_petition = file_building_use_change(linked_other_citizen)  # CITIZEN2 in Gangnam-gu
    assert jongno_petition.office.code == "jongno" and gangnam_petition.office.code == "gangnam"
    for petition in (jongno_petition, gangnam_petition):
        fetches = FetchRequest.objects.filter(case_ref=petition.receipt_no).select_related("approved_use", "office")
        assert fetches
        for fetch in fetches:
            assert fetch.approved_use.using_agency_id == fetch.office.using_agency_id
            assert fetch.approved_use.in_force_on(timezone.localdate())
    named = _row().approved_use
    jongno_abstract = FetchRequest.objects.get(case_ref=jongno_petition.receipt_no, item__code="resident_abstract")
    assert jongno_abstract.approved_use_id == named.pk
    gangnam_abstract = FetchRequest.objects.get(case_ref=gangnam_petition.receipt_no, item__code="resident_abstract")
    assert gangnam_abstract.approved_use_id != named.pk
    assert gangnam_abstract.approved_use.affair_code == named.affair_code


def test_filing_to_an_office_whose_agency_has_no_use_in_force_is_refused_and_nothing_is_filed(
    demo_types, linked_other_citizen
):
    gangnam = Office.objects.get(code="gangnam")
    ApprovedUse.objects.filter(using_agency=gangnam.using_agency, affair_code="LOCAL-BLDG-USE-01").update(
        status=ApprovedUse.Status.REVOKED
    )
    with pytest.raises(PetitionError) as refused:
        file_building_use_change(linked_other_citizen)
    assert refused.value.message.startswith("Gangnam-gu Office cannot fetch “Resident registration abstract”")
    assert "LOCAL-BLDG-USE-01" in refused.value.message
    assert not Petition.objects.filter(applicant=linked_other_citizen).exclude(receipt_no=None).exists()
    assert not FetchRequest.objects.exists()
    assert CITIZEN2.district_code == gangnam.district_code


def test_the_admins_list_checks_every_type_with_a_fixed_number_of_queries(demo_types, admin_client_verified):
    from tests.petitions.factories import PetitionTypeFactory

    changelist = reverse("admin:petitions_petitiontype_changelist")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin_client_verified.get(changelist).status_code == 200
        return len(queries)

    few = count()
    jongno = Office.objects.get(code="jongno")
    for n in range(6):
        PetitionTypeFactory(slug=f"more-{n}", handling_office=jongno, routing=PetitionType.Routing.DISTRICT)
    assert count() == few
    RequiredInformation.objects.filter(pk=_row().pk).update(approved_use=None)
    page = admin_client_verified.get(changelist).content.decode()
    assert page.count("이용 승인이 지정되어 있지 않습니다") == 1  # the one type with a row without a use
