"""An official of a using agency whose office the sandbox agencies grant ("jongno"), with uses
of a person item and of a business item: look-ups over the sandbox (tests, bench, browser)."""

from __future__ import annotations

import datetime

from django.utils import timezone


def lookup_world_over_sandbox(*, username: str = "lookup-bench"):
    """(official, office, {item code: use}) in force today. Needs the sandbox agencies seeded."""
    from portal.models import Office, UsingAgency
    from sharing.hub.models import ApprovedUse
    from sharing.models import InformationItem, Purpose
    from tests.factories import MembershipFactory, OfficialFactory

    agency, _created = UsingAgency.objects.get_or_create(
        code="seoul-jongno",
        defaults={"name_ko": "서울특별시 종로구", "name_en": "Jongno-gu, Seoul", "kind": UsingAgency.Kind.LOCAL},
    )
    office, _created = Office.objects.update_or_create(
        code="jongno",
        defaults={
            "name_ko": "종로구청",
            "name_en": "Jongno-gu Office",
            "district_code": "11110",
            "using_agency": agency,
        },
    )
    official = OfficialFactory.create(username=username, full_name="박공무")
    MembershipFactory.create(office=office, user=official)
    today = timezone.localdate()
    period = {
        "requested_from": today - datetime.timedelta(days=1),
        "requested_until": today + datetime.timedelta(days=300),
        "valid_from": today - datetime.timedelta(days=1),
        "valid_until": today + datetime.timedelta(days=300),
        "status": ApprovedUse.Status.APPROVED,
    }
    uses = {
        "resident_abstract": ApprovedUse.objects.create(
            using_agency=agency,
            item=InformationItem.objects.get(code="resident_abstract"),
            affair_code="LOCAL-PARKING-01",
            affair_name_ko="거주자 우선주차 관리",
            affair_name_en="Resident priority parking",
            purpose=Purpose.objects.get(code="P-PARKING"),
            legal_basis="주차장법 제10조",
            legal_basis_en="Parking Lot Act, Article 10",
            requested_fields=["name", "address", "move_in_date"],
            fields=["name", "address", "move_in_date"],
            **period,
        ),
        "business_status": ApprovedUse.objects.create(
            using_agency=agency,
            item=InformationItem.objects.get(code="business_status"),
            affair_code="LOCAL-FOOD-01",
            affair_name_ko="일반음식점 영업신고 확인",
            affair_name_en="Restaurant business report check",
            purpose=Purpose.objects.get(code="P-RESTAURANT"),
            legal_basis="식품위생법 제37조",
            legal_basis_en="Food Sanitation Act, Article 37",
            requested_fields=["business_number", "trade_name", "status", "representative_name"],
            fields=["business_number", "trade_name", "status", "representative_name"],
            **period,
        ),
    }
    return official, office, uses
