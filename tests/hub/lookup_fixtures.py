"""A using agency with an office, an official of it, uses of a person item (one needing consent),
and an agency that answers at once: the world of the look-up tests."""

from __future__ import annotations

import pytest
from django.test import Client

from sharing.hub.models import ApprovedUse
from tests.conftest import login_verified
from tests.factories import CITIZEN1, MembershipFactory, OfficeFactory, OfficialFactory
from tests.hub.factories import ApprovedUseFactory, PurposeFactory, UsingAgencyFactory
from tests.sharing.factories import InformationItemFactory, ItemFieldFactory

ANSWER = {
    "name": CITIZEN1.name,
    "rrn": CITIZEN1.rrn,
    "address": CITIZEN1.address,
    "move_in_date": "2019-04-02",
    "address_history": [{"address": "서울특별시 마포구 월드컵로 1", "moved_in_on": "2015-03-01"}],
}


class AnsweringProvider:
    """Stands in for the standard connection: answers every asked field from ANSWER."""

    def __init__(self):
        self.requests = []

    def fetch(self, request):
        from sharing.providers.base import ProviderResponse

        self.requests.append(request)
        return ProviderResponse(
            txn_id=request.txn_id,
            item_code=request.item_code,
            agency_code=request.agency.code,
            fields={key: ANSWER.get(key, "값") for key in request.fields},
        )


@pytest.fixture
def agency_answers(monkeypatch):
    provider = AnsweringProvider()

    class Registry(dict):
        def __missing__(self, key):
            return provider

    monkeypatch.setattr("sharing.services.default_registry", Registry())
    return provider


@pytest.fixture
def resident_item(db):
    item = InformationItemFactory(
        code="resident_abstract", name_ko="주민등록표 초본", name_en="Resident registration abstract"
    )
    labels = {
        "name": ("성명", "Name", "personal"),
        "rrn": ("주민등록번호", "Resident registration number", "unique_id"),
        "address": ("주소", "Address", "personal"),
        "move_in_date": ("전입일", "Move-in date", "personal"),
        "address_history": ("주소 변동 이력", "Address history", "personal"),
    }
    for order, (key, (ko, en, sensitivity)) in enumerate(labels.items()):
        ItemFieldFactory(item=item, key=key, label_ko=ko, label_en=en, sensitivity=sensitivity, order=order)
    return item


@pytest.fixture
def using_agency(db):
    return UsingAgencyFactory(code="seoul-jongno", name_ko="서울특별시 종로구", name_en="Jongno-gu, Seoul")


@pytest.fixture
def lookup_office(using_agency):
    return OfficeFactory(
        code="jongno-parking", name_ko="종로구 주차관리과", name_en="Jongno Parking Division", using_agency=using_agency
    )


@pytest.fixture
def lookup_official(lookup_office):
    user = OfficialFactory(username="lookup-official", full_name="박공무")
    MembershipFactory(office=lookup_office, user=user)
    return user


@pytest.fixture
def lookup_client(lookup_official):
    return login_verified(Client(), lookup_official)


@pytest.fixture
def parking_use(using_agency, resident_item) -> ApprovedUse:
    return ApprovedUseFactory.create(
        using_agency=using_agency,
        item=resident_item,
        affair_code="LOCAL-PARKING-01",
        affair_name_ko="거주자 우선주차 관리",
        affair_name_en="Resident priority parking",
        purpose=PurposeFactory(),
        legal_basis="주차장법 제10조",
        legal_basis_en="Parking Lot Act, Article 10",
        requested_fields=["name", "address", "move_in_date", "address_history"],
    )


@pytest.fixture
def consent_use(using_agency, resident_item) -> ApprovedUse:
    return ApprovedUseFactory.create(
        using_agency=using_agency,
        item=resident_item,
        affair_code="LOCAL-WELFARE-02",
        affair_name_ko="긴급복지 지원 조사",
        affair_name_en="Emergency welfare support check",
        purpose=PurposeFactory(code="P-WELFARE", name_ko="긴급복지 지원 심사", name_en="Emergency welfare review"),
        legal_basis="긴급복지지원법 제13조",
        legal_basis_en="Emergency Welfare Support Act, Article 13",
        consent_required=True,
        requested_fields=["name", "address"],
    )


@pytest.fixture
def other_agency_setup(resident_item):
    """Another using agency, with its own office, official and use of the same item."""
    agency = UsingAgencyFactory(code="busan-haeundae", name_ko="부산광역시 해운대구", name_en="Haeundae-gu, Busan")
    office = OfficeFactory(
        code="haeundae-tax", name_ko="해운대구 세무과", name_en="Haeundae Tax Division", using_agency=agency
    )
    official = OfficialFactory(username="other-agency-official")
    MembershipFactory(office=office, user=official)
    use = ApprovedUseFactory(
        using_agency=agency, item=resident_item, affair_code="BUSAN-TAX-01", requested_fields=["name", "address"]
    )
    return {"agency": agency, "office": office, "official": official, "use": use}
