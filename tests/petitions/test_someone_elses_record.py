"""Someone else's data through a form field (issue 13, point 2), against the sandbox agencies over
real HTTP: a citizen files with another resident's plate or building id. The agency says whose the
record is; unless the petition type allows another person's record (on a legal basis, or with the
applicant's declaration), what it sent is discarded and the citizen is told why; when it is
allowed, the owner finds the fetch and every official's view in their own "who viewed my
information"."""

import pytest
from django.test import Client
from django.urls import reverse

from petitions import services
from petitions.demo import demo_citizens_link, petition_types_seed
from petitions.identity import ResidentRecord, resident_link_set
from petitions.models import Petition, PetitionType, RequiredInformation
from portal.models import User
from sharing import crypto
from sharing.models import AccessLogEntry, FetchedData, FetchRequest
from tests.conftest import login_verified
from tests.factories import CitizenFactory
from tests.petitions.helpers import fee_paid

S = Petition.Status
State = FetchRequest.State
PARKING = "resident-parking-permit"
RESTAURANT = "restaurant-business-report"


@pytest.fixture
def world(sandbox_agencies):
    from portal.demo import seed as portal_seed

    portal_seed()
    petition_types_seed()
    demo_citizens_link()
    return sandbox_agencies.people[0]


def _owner_account(resident) -> User:
    """An account linked to the resident who owns the vehicle or the building."""
    owner = CitizenFactory.create(username=f"owner-{resident.pk}")
    resident_link_set(
        user=owner, record=ResidentRecord(name=resident.name, rrn=resident.rrn, phone="", address="", district_code="")
    )
    return owner


def _someone_elses_vehicle(person):
    from sharing.sandbox.models import Vehicle

    return Vehicle.objects.exclude(plate=person["plate"]).select_related("owner").order_by("pk").first()


def _someone_elses_building(person):
    from sharing.sandbox.models import Building

    return (
        Building.objects.exclude(management_number=person["building_id"])
        .exclude(owner=None)
        .select_related("owner")
        .order_by("pk")
        .first()
    )


def _file(slug: str, answers: dict, *, declarations=None) -> Petition:
    citizen1 = User.objects.get(username="citizen1")
    draft = services.petition_draft_start(petition_type=PetitionType.objects.get(slug=slug), applicant=citizen1)
    services.petition_draft_update_answers(petition=draft, answers=answers, declarations=declarations)
    draft.refresh_from_db()
    fee_paid(draft)
    filed = services.petition_submit(petition=draft, actor=citizen1, submit_token=draft.submit_token)
    filed.refresh_from_db()
    return filed


def _parking(plate: str) -> dict:
    return {"plate": plate, "zone": "A", "period": "3"}


def _restaurant(building_id: str) -> dict:
    return {
        "trade_name": "자하문 국수",
        "building_id": building_id,
        "floor_area": 80,
        "hygiene_training_date": "2026-11-02",
        "opening_date": "2026-12-01",
    }


def _fetch(filed: Petition, item_code: str) -> FetchRequest:
    return FetchRequest.objects.get(case_ref=filed.receipt_no, item__code=item_code)


def _officer() -> Client:
    return login_verified(Client(), User.objects.get(username="officer1"))


def _citizen(username: str = "citizen1", user=None) -> Client:
    client = Client()
    client.force_login(user or User.objects.get(username=username), backend="django.contrib.auth.backends.ModelBackend")
    return client


def _owners_log(owner: User, case_ref: str) -> list[tuple[str, str]]:
    response = _citizen(user=owner).get(reverse("tracker:data_access"))
    assert response.status_code == 200
    return [
        (row.entry.action, row.entry.item_code) for row in response.context["rows"] if row.entry.case_ref == case_ref
    ]


def test_another_residents_plate_is_discarded_and_the_citizen_is_told_why(world):
    vehicle = _someone_elses_vehicle(world)
    owner = _owner_account(vehicle.owner)
    filed = _file(PARKING, _parking(vehicle.plate))

    fetch = _fetch(filed, "vehicle_registration")
    assert fetch.state == State.NOT_APPLICANTS and fetch.error_code == "not_applicants_record"
    assert not FetchedData.objects.filter(fetch_request=fetch).exists()  # never stored, even encrypted
    assert _fetch(filed, "resident_abstract").state == State.FETCHED
    assert filed.status == S.UNDER_REVIEW  # the petition goes on; the official decides

    page = _citizen().get(reverse("petitions:my_detail", args=[filed.receipt_no]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "본인 명의가 아닌" in html and "폐기" in html  # why, in plain Korean
    assert reverse("petitions:my_fetch_upload", args=[filed.receipt_no, fetch.pk]) in html  # the usual way out
    assert vehicle.owner.name not in html
    # ... and takes it: the vehicle registration copy, uploaded instead.
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.petitions.conftest import pdf_bytes

    upload = _citizen().post(
        reverse("petitions:my_fetch_upload", args=[filed.receipt_no, fetch.pk]),
        {"document": SimpleUploadedFile("car.pdf", pdf_bytes(), "application/pdf")},
    )
    assert upload.status_code == 302
    assert filed.uploads.filter(reference="vehicle_registration").exists()

    review = _officer().get(reverse("officer:review", args=[filed.receipt_no]))
    assert review.status_code == 200
    review_html = review.content.decode()
    assert "신청인 본인의 것이 아님" in review_html and vehicle.owner.name not in review_html
    # The owner sees that their vehicle's record was fetched for someone's petition, and discarded.
    assert _owners_log(owner, filed.receipt_no) == [("discarded", "vehicle_registration")]


def test_with_a_policy_that_allows_it_the_data_is_kept_and_the_owner_sees_the_fetch_and_the_view(world):
    RequiredInformation.objects.filter(petition_type__slug=PARKING, item__code="vehicle_registration").update(
        others_policy=RequiredInformation.OthersPolicy.LEGAL_BASIS, others_legal_basis="시험용 법적 근거 제1조"
    )
    vehicle = _someone_elses_vehicle(world)
    owner = _owner_account(vehicle.owner)
    filed = _file(PARKING, _parking(vehicle.plate))

    fetch = _fetch(filed, "vehicle_registration")
    assert fetch.state == State.FETCHED
    assert FetchedData.objects.get(fetch_request=fetch).person_hashes == [crypto.subject_hash(vehicle.owner.rrn)]
    review = _officer().get(reverse("officer:review", args=[filed.receipt_no]))
    assert review.status_code == 200 and vehicle.owner.name in review.content.decode()

    assert _owners_log(owner, filed.receipt_no) == [
        ("viewed", "vehicle_registration"),
        ("fetched", "vehicle_registration"),
    ]
    viewed = AccessLogEntry.objects.get(
        case_ref=filed.receipt_no, action="viewed", subject_hash=crypto.subject_hash(vehicle.owner.rrn)
    )
    assert viewed.actor.username == "officer1"
    # The applicant's own log does not show the owner's record.
    applicant_log = _citizen().get(reverse("tracker:data_access")).context["rows"]
    assert all(
        row.entry.item_code != "vehicle_registration" for row in applicant_log if row.entry.case_ref == filed.receipt_no
    )


def test_the_applicants_own_vehicle_works_as_before_and_shows_in_their_own_log(world):
    filed = _file(PARKING, _parking(world["plate"]))
    fetch = _fetch(filed, "vehicle_registration")
    assert fetch.state == State.FETCHED and filed.status == S.UNDER_REVIEW
    assert _officer().get(reverse("officer:review", args=[filed.receipt_no])).status_code == 200
    rows = _citizen().get(reverse("tracker:data_access")).context["rows"]
    mine = {(row.entry.action, row.entry.item_code) for row in rows if row.entry.case_ref == filed.receipt_no}
    assert {("fetched", "vehicle_registration"), ("viewed", "vehicle_registration")} <= mine


def test_a_tenant_declares_their_relationship_and_the_owner_is_told(world):
    building = _someone_elses_building(world)
    owner = _owner_account(building.owner)

    # Without the declaration: discarded.
    undeclared = _file(RESTAURANT, _restaurant(building.management_number))
    assert _fetch(undeclared, "building_ledger").state == State.NOT_APPLICANTS

    # With it, ticked in the wizard's details step.
    citizen1 = User.objects.get(username="citizen1")
    draft = services.petition_draft_start(petition_type=PetitionType.objects.get(slug=RESTAURANT), applicant=citizen1)
    services.petition_draft_update_applicant(
        petition=draft,
        phone="010-1234-5678",
        email="a@example.com",
        address="서울특별시 종로구 자하문로 10",
        next_step="form",
    )
    client = _citizen()
    url = reverse("petitions:wizard_step", args=[RESTAURANT, draft.public_id, "form"])
    form_page = client.get(url).content.decode()
    assert "임차인 등으로서 소유자의 동의를 받아" in form_page  # the type's declaration, next to the field
    answers = {**_restaurant(building.management_number), "declare_building_ledger": "on"}
    refused = client.post(url, answers)
    assert refused.status_code == 200 and "relationship_building_ledger" in refused.context["form"].errors
    assert client.post(url, {**answers, "relationship_building_ledger": "임차인"}).status_code == 302
    draft.refresh_from_db()
    assert draft.declarations == {"building_ledger": {"relationship": "임차인"}}
    fee_paid(draft)
    filed = services.petition_submit(petition=draft, actor=citizen1, submit_token=draft.submit_token)

    assert _fetch(filed, "building_ledger").state == State.FETCHED
    entry = AccessLogEntry.objects.get(
        case_ref=filed.receipt_no, action="fetched", subject_hash=crypto.subject_hash(building.owner.rrn)
    )
    assert "applicant's declaration as 임차인" in entry.detail
    assert _owners_log(owner, filed.receipt_no) == [("fetched", "building_ledger")]
