"""Demo data of the hub: the using agencies that own the demo offices, and approved uses.

Every fetch runs under an approved use, so the demo needs one for each demo petition type's
required information (made by ``petitions.demo`` through ``use_ensure``, for the using agency of
every office the type may be routed to) and for the citizen's own refund inquiry (the portal's
using agency, made here). Uses are applied for and approved by the hub's own services with no
actor (seeding), so each has its history like any other. Idempotent.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from portal.models import Office, UsingAgency
from sharing.demo_catalogue import GRANTED_OFFICES, PORTAL_OFFICE_CODE
from sharing.models import InformationItem, Purpose

from . import services
from .models import ApprovedUse

# Office code -> the using agency that owns it: code, Korean name, English name, kind.
USING_AGENCIES: dict[str, tuple[str, str, str, str]] = {
    "jongno": ("seoul-jongno", "서울특별시 종로구", "Jongno-gu, Seoul", UsingAgency.Kind.LOCAL),
    "jung": ("seoul-jung", "서울특별시 중구", "Jung-gu, Seoul", UsingAgency.Kind.LOCAL),
    "mapo": ("seoul-mapo", "서울특별시 마포구", "Mapo-gu, Seoul", UsingAgency.Kind.LOCAL),
    "gangnam": ("seoul-gangnam", "서울특별시 강남구", "Gangnam-gu, Seoul", UsingAgency.Kind.LOCAL),
    "haeundae": ("busan-haeundae", "부산광역시 해운대구", "Haeundae-gu, Busan", UsingAgency.Kind.LOCAL),
    PORTAL_OFFICE_CODE: (
        "portal",
        "행정안전부 (민원 포털)",
        "Ministry of the Interior and Safety (the petition portal)",
        UsingAgency.Kind.CENTRAL,
    ),
}
assert set(GRANTED_OFFICES) <= set(USING_AGENCIES)  # noqa: S101 (demo data agrees with itself)

# The administrative affair (사무) each demo purpose is done for: code, Korean name, English name.
AFFAIRS: dict[str, tuple[str, str, str]] = {
    "P-PARKING": ("LOCAL-PARKING-01", "거주자 우선주차 관리", "Resident priority parking"),
    "P-BLDG-USE": ("LOCAL-BLDG-USE-01", "건축물 용도변경 신고 처리", "Building use change reports"),
    "P-LAND-DEAL": ("LOCAL-LAND-DEAL-01", "토지거래계약 허가", "Land transaction permits"),
    "P-RESTAURANT": ("LOCAL-FOOD-BIZ-01", "식품접객업 영업신고 처리", "Food business reports"),
    "P-PENSION": ("LOCAL-PENSION-01", "기초연금 수급자격 조사", "Basic pension eligibility"),
    "P-PASSPORT": ("LOCAL-PASSPORT-01", "여권 발급 대행", "Passport issuance"),
    "P-MOVE-IN": ("LOCAL-MOVE-IN-01", "전입신고 확인", "Moving-in reports"),
    "P-TAX-REFUND": ("LOCAL-TAX-REFUND-01", "지방세 환급 처리", "Local tax refunds"),
    "P-REFUND-INQUIRY": ("PORTAL-REFUND-INQ-01", "미환급금 통합 조회", "Un-refunded money inquiry"),
    "P-REFUND-CLAIM": ("LOCAL-REFUND-CLAIM-01", "환급금 지급 청구 처리", "Refund claims"),
}

# How long a demo use is approved for (from the day it is seeded).
DEMO_USE_YEARS = 3


@transaction.atomic
def using_agencies_seed() -> int:
    """The using agencies of the demo offices that exist; an office's agency is set only if it has none."""
    linked = 0
    for office in Office.objects.filter(code__in=list(USING_AGENCIES), using_agency__isnull=True):
        code, name_ko, name_en, kind = USING_AGENCIES[office.code]
        agency, _created = UsingAgency.objects.get_or_create(
            code=code, defaults={"name_ko": name_ko, "name_en": name_en, "kind": kind}
        )
        office.using_agency = agency
        office.save(update_fields=["using_agency"])
        linked += 1
    return linked


def _affair(purpose_code: str) -> tuple[str, str, str]:
    if purpose_code in AFFAIRS:
        return AFFAIRS[purpose_code]
    code = purpose_code.removeprefix("P-")
    return (f"DEMO-{code}-01"[:40], code, code)


@transaction.atomic
def use_ensure(
    *,
    using_agency: UsingAgency,
    item: InformationItem,
    purpose_code: str,
    fields: Iterable[str],
    consent_required: bool,
    legal_basis: str = "",
    legal_basis_en: str = "",
) -> ApprovedUse:
    """An approved use in force of ``using_agency`` for ``item`` and ``purpose_code`` covering
    ``fields``: an existing one, else applied for and approved now (no actor: seeding)."""
    wanted = list(dict.fromkeys(fields))
    today = timezone.localdate()
    affair_code, affair_ko, affair_en = _affair(purpose_code)
    existing = list(
        ApprovedUse.objects.filter(
            using_agency=using_agency,
            item=item,
            purpose__code=purpose_code,
            affair_code=affair_code,
            consent_required=consent_required,
            status=ApprovedUse.Status.APPROVED,
            valid_from__lte=today,
            valid_until__gte=today,
        ).order_by("pk")
    )
    for use in existing:
        if all(name in use.fields for name in wanted):
            return use
    # Not covered yet: one use with the fields of the earlier ones and the new ones.
    for use in existing:
        wanted += [name for name in use.fields if name not in wanted]
    purpose = Purpose.objects.get(code=purpose_code)
    use = services.use_apply(
        actor=None,
        using_agency=using_agency,
        item=item,
        affair_code=affair_code,
        affair_name_ko=affair_ko,
        affair_name_en=affair_en,
        purpose=purpose,
        legal_basis=legal_basis or item.legal_basis,
        legal_basis_en=legal_basis_en or item.legal_basis_en,
        consent_required=consent_required,
        fields=wanted,
        expected_monthly_volume=500,
        requested_from=today,
        requested_until=today + datetime.timedelta(days=365 * DEMO_USE_YEARS),
    )
    return services.use_approve(actor=None, use=use)


REFUND_INQUIRY_PURPOSE = "P-REFUND-INQUIRY"


def refund_uses_seed() -> int:
    """The portal's uses for the citizen's own refund inquiry: every field of each refund item."""
    office = Office.objects.filter(code=PORTAL_OFFICE_CODE).select_related("using_agency").first()
    if office is None or office.using_agency is None:
        return 0
    count = 0
    items = InformationItem.objects.filter(purposes__code=REFUND_INQUIRY_PURPOSE).prefetch_related("fields").distinct()
    for item in items:
        use_ensure(
            using_agency=office.using_agency,
            item=item,
            purpose_code=REFUND_INQUIRY_PURPOSE,
            fields=[field.key for field in item.fields.all()],
            consent_required=False,
        )
        count += 1
    return count


def seed(*, stdout=None, **options) -> None:
    """Step of seed_demo (after the offices and the catalogue, before the petition types)."""
    linked = using_agencies_seed()
    refunds = refund_uses_seed()
    if stdout:
        stdout.write(f"  using agencies linked to offices: {linked}, refund inquiry uses: {refunds}")
