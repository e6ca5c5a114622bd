"""Demo data for officials' look-ups: the Jongno office belongs to a using agency with uses in
force (a person item, a business item, and one that needs the person's consent), so that the
demo official ``officer1`` can look up on /hub/lookups/ and ``citizen1`` can consent on
/hub/consents/. Idempotent; runs after the catalogue and the offices are seeded.

If another step gave the office its using agency already, the uses are added to that agency.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from portal.models import Office, UsingAgency
from sharing.models import InformationItem, Purpose

from .models import ApprovedUse

OFFICE_CODE = "jongno"
AGENCY = ("seoul-jongno", "서울특별시 종로구", "Jongno-gu, Seoul")

# affair code, Korean and English affair, item, purpose, fields, legal basis (ko, en), consent.
USES = [
    (
        "DEMO-LOOKUP-PARKING",
        "거주자 우선주차 관리",
        "Resident priority parking",
        "resident_abstract",
        "P-PARKING",
        ["name", "address", "move_in_date"],
        ("주차장법 제10조", "Parking Lot Act, Article 10"),
        False,
    ),
    (
        "DEMO-LOOKUP-FOOD",
        "일반음식점 영업신고 확인",
        "Restaurant business report check",
        "business_status",
        "P-RESTAURANT",
        ["business_number", "trade_name", "status", "representative_name"],
        ("식품위생법 제37조", "Food Sanitation Act, Article 37"),
        False,
    ),
    (
        "DEMO-LOOKUP-PENSION",
        "기초연금 수급자격 현장 확인",
        "Basic pension eligibility field check",
        "family_relation",
        "P-PENSION",
        ["name", "spouse", "children"],
        ("기초연금법 제11조", "Basic Pension Act, Article 11"),
        True,
    ),
]


@transaction.atomic
def lookup_uses_seed() -> int:
    office = Office.objects.filter(code=OFFICE_CODE).select_related("using_agency").first()
    if office is None:
        return 0
    if office.using_agency is None:
        code, name_ko, name_en = AGENCY
        office.using_agency, _created = UsingAgency.objects.get_or_create(
            code=code, defaults={"name_ko": name_ko, "name_en": name_en, "kind": UsingAgency.Kind.LOCAL}
        )
        office.save(update_fields=["using_agency"])
    today = timezone.localdate()
    start, end = today - datetime.timedelta(days=30), today + datetime.timedelta(days=365)
    created = 0
    for affair_code, affair_ko, affair_en, item_code, purpose_code, fields, (basis_ko, basis_en), consent in USES:
        item = InformationItem.objects.filter(code=item_code).first()
        purpose = Purpose.objects.filter(code=purpose_code).first()
        if item is None or purpose is None:
            continue
        _use, was_created = ApprovedUse.objects.get_or_create(
            using_agency=office.using_agency,
            affair_code=affair_code,
            defaults={
                "item": item,
                "affair_name_ko": affair_ko,
                "affair_name_en": affair_en,
                "purpose": purpose,
                "legal_basis": basis_ko,
                "legal_basis_en": basis_en,
                "consent_required": consent,
                "requested_fields": fields,
                "fields": fields,
                "expected_monthly_volume": 200,
                "requested_from": start,
                "requested_until": end,
                "valid_from": start,
                "valid_until": end,
                "status": ApprovedUse.Status.APPROVED,
            },
        )
        created += was_created
    return created


def seed(*, stdout=None, **options) -> None:
    created = lookup_uses_seed()
    if stdout:
        stdout.write(f"  uses for look-ups: {created} new (officer1 looks up at /hub/lookups/)")
