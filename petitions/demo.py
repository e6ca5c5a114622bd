"""Demo petition types with their form fields and required information, and the demo
citizens' identity links. Idempotent; runs after the catalogue and sandbox steps."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from portal.models import Office, User
from sharing.models import InformationItem

from .models import FeeExemption, FormField, PetitionType, RequiredInformation

F = FormField.Type
PNU_PATTERN = r"^\d{19}$"
BUILDING_PATTERN = r"^\d{5}-\d{9}$"
PLATE_PATTERN = r"^\d{2,3}[가-힣]\d{4}$"


def _field(key, ko, en, type_=F.SHORT_TEXT, *, required=True, help_ko="", help_en="", choices=None, **bounds):
    return {
        "key": key,
        "label_ko": ko,
        "label_en": en,
        "type": type_,
        "required": required,
        "help_ko": help_ko,
        "help_en": help_en,
        "choices": "\n".join("|".join(c) for c in (choices or [])),
        **bounds,
    }


def _need(item, fields, purpose, ko, en, *, consent=None, subject_field="", others=None):
    """``others``: whether the record entered may be someone else's (RequiredInformation.others_policy
    and its legal basis or declaration); the applicant's own only when None."""
    return {
        "item": item,
        "fields": fields,
        "purpose_code": purpose,
        "purpose_ko": ko,
        "purpose_en": en,
        "consent": consent,
        "subject_field": subject_field,
        "others": others or {},
    }


def _tenant_declaration(what_ko: str, what_en: str) -> dict:
    return {
        "others_policy": "declaration",
        "declaration_ko": f"{what_ko}의 소유자가 아니며, 임차인 등으로서 소유자의 동의를 받아 신청합니다.",
        "declaration_en": f"I do not own the {what_en}; I rent or use it with the owner's agreement and apply with it.",
    }


LAND_DEAL_BASIS = {
    "others_policy": "legal_basis",
    "others_legal_basis": "부동산 거래신고 등에 관한 법률 제11조 (계약 당사자의 토지거래계약 허가 신청)",
}


PNU_FIELD = _field(
    "pnu",
    "토지 고유번호(PNU)",
    "Parcel number (PNU)",
    help_ko="19자리 숫자. 토지이음 또는 재산세 고지서에서 확인할 수 있습니다.",
    help_en="19 digits, shown on the property tax bill.",
    pattern=PNU_PATTERN,
)
BUILDING_FIELD = _field(
    "building_id",
    "건축물 관리번호",
    "Building id",
    help_ko="예: 11110-100000001 (건축물대장 또는 세움터에서 확인)",
    help_en="For example 11110-100000001 (on the building ledger).",
    pattern=BUILDING_PATTERN,
)

# Recipients of basic livelihood security file without the fee (e.g. 여권법 시행령 제39조, and the
# districts' fee ordinances): the portal fetches the status instead of asking for the certificate.
LIVELIHOOD_EXEMPTION = {
    "code": "basic-livelihood",
    "name_ko": "국민기초생활보장 수급자",
    "name_en": "Recipient of basic livelihood security",
    "legal_basis": "수수료 징수 조례 및 여권법 시행령 제39조 (수수료의 감면)",
    "legal_basis_en": "Fee ordinances and Enforcement Decree of the Passport Act, Article 39 (fee reductions)",
    "item": "basic_livelihood_security",
    "eligibility_field": "recipient",
    "fields": ["name", "benefits", "confirmed_on"],
    "purpose_code": "P-FEE-EXEMPTION",
}

PETITION_TYPES: list[dict[str, Any]] = [
    {
        "slug": "resident-parking-permit",
        "category": "transport",
        "processing_days": 5,
        "fee": 30000,
        "fee_at_filing": False,
        "routing": "district",
        "name_ko": "거주자 우선주차 신청",
        "name_en": "Resident priority parking permit",
        "description_ko": "거주지 주변 거주자 우선주차 구획의 배정을 신청합니다. "
        "주민등록과 자동차 등록 정보는 포털이 직접 확인합니다.",
        "description_en": "Apply for a resident priority parking space near your home. The portal checks your "
        "registration and your vehicle itself.",
        "notes_ko": "배정은 대기 순서와 거주 기간에 따라 이루어지며, 수수료는 배정 후 분기별로 납부합니다.",
        "notes_en": "Spaces are allotted by waiting order and length of residence; the fee is paid per quarter once "
        "a space is allotted.",
        "fields": [
            _field(
                "plate",
                "자동차 등록번호",
                "Registration plate",
                help_ko="예: 12가3456",
                help_en="For example 12가3456",
                pattern=PLATE_PATTERN,
            ),
            _field(
                "zone",
                "희망 구역",
                "Preferred zone",
                F.CHOICE,
                choices=[
                    ("A", "A구역(주택가)", "Zone A (residential)"),
                    ("B", "B구역(상가 인근)", "Zone B (near shops)"),
                ],
            ),
            _field(
                "period",
                "이용 기간",
                "Period",
                F.CHOICE,
                choices=[("3", "3개월", "3 months"), ("6", "6개월", "6 months")],
            ),
        ],
        "needs": [
            _need(
                "resident_abstract",
                ["name", "address", "move_in_date", "district_code"],
                "P-PARKING",
                "거주 여부와 거주 기간 확인",
                "Residence and length of residence",
            ),
            _need(
                "vehicle_registration",
                ["plate", "model_name", "owner_name", "registered_address"],
                "P-PARKING",
                "신청 차량의 소유자와 사용본거지 확인",
                "Owner and registered address of the vehicle",
                subject_field="plate",
            ),
        ],
    },
    {
        "slug": "building-use-change",
        "category": "building",
        "processing_days": 10,
        "fee": 0,
        "routing": "district",
        "name_ko": "건축물 용도변경 신고",
        "name_en": "Building use change report",
        "description_ko": "건축물의 용도를 같은 시설군 안에서 바꾸거나 하위 시설군으로 변경할 때 신고합니다.",
        "description_en": "Report a change of a building's use within its group of uses or to a lower group.",
        "notes_ko": "위반건축물로 표시된 건축물은 위반 사항을 먼저 해소해야 합니다.",
        "notes_en": "A building marked as violating must have the violation cleared first.",
        "fields": [
            BUILDING_FIELD,
            PNU_FIELD,
            _field(
                "new_use",
                "변경할 용도",
                "New use",
                F.CHOICE,
                choices=[
                    ("neighbourhood_1", "제1종 근린생활시설", "Class 1 neighbourhood facility"),
                    ("neighbourhood_2", "제2종 근린생활시설", "Class 2 neighbourhood facility"),
                    ("office", "업무시설", "Office"),
                    ("residential", "단독주택", "Detached house"),
                ],
            ),
            _field("floor_area", "변경 부분 면적(㎡)", "Area changed (m²)", F.NUMBER, min_value=1, max_value=100000),
            _field("reason", "변경 사유", "Reason", F.LONG_TEXT, max_length=1000),
        ],
        "needs": [
            _need("resident_abstract", ["name", "address"], "P-BLDG-USE", "신고인 확인", "Identity of the reporter"),
            _need(
                "building_ledger",
                [
                    "building_id",
                    "address",
                    "main_use",
                    "floors_above",
                    "total_floor_area_m2",
                    "violation",
                    "owner_name",
                ],
                "P-BLDG-USE",
                "현재 용도, 면적, 위반 여부와 소유자 확인",
                "Current use, area, violations and owner",
                subject_field="building_id",
                others=_tenant_declaration("건축물", "building"),
            ),
            _need(
                "land_use_plan",
                ["pnu", "zoning", "districts", "restrictions"],
                "P-BLDG-USE",
                "용도지역에서 허용되는 용도인지 확인",
                "Whether the zoning allows the new use",
                subject_field="pnu",
            ),
        ],
    },
    {
        "slug": "land-transaction-permit",
        "category": "land",
        "processing_days": 15,
        "fee": 0,
        "routing": "district",
        "name_ko": "토지거래계약 허가 신청",
        "name_en": "Land transaction permit",
        "description_ko": "토지거래허가구역 안의 토지를 사고팔기 전에 계약 허가를 받습니다.",
        "description_en": "Obtain a permit before buying or selling land in a land transaction permit zone.",
        "fields": [
            PNU_FIELD,
            _field("price", "계약 예정 금액(원)", "Intended price (KRW)", F.NUMBER, min_value=1),
            _field("counterparty", "상대방 성명", "Name of the other party"),
            _field(
                "purpose",
                "이용 목적",
                "Intended use",
                F.CHOICE,
                choices=[
                    ("home", "자기 거주용 주택", "Own home"),
                    ("farm", "농업 경영", "Farming"),
                    ("business", "사업 용도", "Business"),
                ],
            ),
        ],
        "needs": [
            _need(
                "land_register",
                ["pnu", "address", "land_category", "area_m2", "owner_name"],
                "P-LAND-DEAL",
                "토지의 지목, 면적과 소유자 확인",
                "Category, area and owner of the land",
                subject_field="pnu",
                others=LAND_DEAL_BASIS,
            ),
            _need(
                "real_estate_register",
                ["pnu", "owner_name", "ownership_share", "mortgages"],
                "P-LAND-DEAL",
                "권리관계 확인",
                "Rights on the land",
                subject_field="pnu",
                others=LAND_DEAL_BASIS,
            ),
            _need(
                "land_use_plan",
                ["pnu", "zoning", "restrictions"],
                "P-LAND-DEAL",
                "이용 규제 확인",
                "Restrictions on use",
                subject_field="pnu",
            ),
            _need(
                "resident_abstract",
                ["name", "address", "address_history"],
                "P-LAND-DEAL",
                "신청인 거주 요건 확인",
                "Residence requirement of the applicant",
            ),
            _need(
                "local_tax_certificate",
                ["name", "has_arrears"],
                "P-LAND-DEAL",
                "지방세 체납 여부 확인",
                "Local tax arrears",
            ),
            _need(
                "tax_payment_certificate",
                ["name", "has_arrears"],
                "P-LAND-DEAL",
                "국세 체납 여부 확인",
                "National tax arrears",
            ),
        ],
    },
    {
        "slug": "restaurant-business-report",
        "category": "business",
        "processing_days": 3,
        "fee": 28000,
        "fee_refundable": True,
        "fee_exemptions": [LIVELIHOOD_EXEMPTION],
        "routing": "district",
        "name_ko": "일반음식점 영업신고",
        "name_en": "Restaurant business report",
        "description_ko": "일반음식점을 열기 전에 영업 신고를 합니다. 건축물 용도와 납세 여부는 포털이 확인합니다.",
        "description_en": "Report a restaurant before you open it. The portal checks the building's use and your "
        "tax status.",
        "notes_ko": "위생교육 이수증은 별도로 확인합니다.",
        "notes_en": "The food hygiene training is checked separately.",
        "fields": [
            _field("trade_name", "상호", "Trade name", max_length=60),
            BUILDING_FIELD,
            _field("floor_area", "영업장 면적(㎡)", "Floor area (m²)", F.NUMBER, min_value=1, max_value=10000),
            _field("hygiene_training_date", "위생교육 이수일", "Hygiene training date", F.DATE),
            _field("opening_date", "영업 개시 예정일", "Planned opening", F.DATE),
        ],
        "needs": [
            _need(
                "building_ledger",
                ["building_id", "address", "main_use", "violation"],
                "P-RESTAURANT",
                "영업장 건축물의 용도와 위반 여부 확인",
                "Use and violations of the building",
                subject_field="building_id",
                others=_tenant_declaration("영업장 건축물", "building of the restaurant"),
            ),
            _need("resident_abstract", ["name", "address"], "P-RESTAURANT", "영업자 확인", "Identity of the operator"),
            _need(
                "tax_payment_certificate",
                ["name", "has_arrears"],
                "P-RESTAURANT",
                "국세 체납 여부 확인",
                "National tax arrears",
            ),
            _need(
                "local_tax_certificate",
                ["name", "has_arrears"],
                "P-RESTAURANT",
                "지방세 체납 여부 확인",
                "Local tax arrears",
            ),
        ],
    },
    {
        "slug": "basic-pension",
        "category": "welfare",
        "processing_days": 30,
        "fee": 0,
        "routing": "district",
        "name_ko": "기초연금 신청",
        "name_en": "Basic pension application",
        "description_ko": "만 65세 이상으로 소득인정액이 선정기준액 이하인 분이 기초연금을 신청합니다.",
        "description_en": "People aged 65 or over whose recognised income is below the threshold apply for the "
        "basic pension.",
        "notes_ko": "소득과 재산 정보는 동의하신 경우에만 조회합니다. 동의하지 않으면 해당 서류를 직접 올려 주세요.",
        "notes_en": "Income and property are fetched only with your consent. Otherwise upload the documents yourself.",
        "fields": [
            _field("pension_account", "연금 받을 계좌", "Account for the pension", F.BANK_ACCOUNT),
            _field(
                "marital_status",
                "혼인 상태",
                "Marital status",
                F.CHOICE,
                choices=[
                    ("single", "미혼", "Single"),
                    ("married", "기혼", "Married"),
                    ("widowed", "사별", "Widowed"),
                    ("divorced", "이혼", "Divorced"),
                ],
            ),
            _field(
                "spouse_receives",
                "배우자도 기초연금을 받고 있습니까?",
                "Does your spouse receive the basic pension?",
                F.YES_NO,
            ),
            _field(
                "property_pnu",
                "소유 토지 고유번호(있는 경우)",
                "Parcel number of land you own (if any)",
                required=False,
                pattern=PNU_PATTERN,
            ),
        ],
        "needs": [
            _need(
                "resident_copy", ["name", "address", "household_members"], "P-PENSION", "세대 구성 확인", "Household"
            ),
            _need("family_relation", ["name", "spouse"], "P-PENSION", "배우자 확인", "Spouse", consent=True),
            _need(
                "income_certificate",
                ["name", "tax_year", "total_income"],
                "P-PENSION",
                "소득인정액 산정",
                "Recognised income",
                consent=True,
            ),
            _need(
                "health_insurance_eligibility",
                ["name", "insured_type", "employer_name"],
                "P-PENSION",
                "근로 여부 확인",
                "Employment",
                consent=True,
            ),
            _need(
                "land_register",
                ["pnu", "area_m2", "official_land_price", "owner_name"],
                "P-PENSION",
                "재산 산정",
                "Property",
                consent=True,
                subject_field="property_pnu",
            ),
        ],
    },
    {
        "slug": "passport-issuance",
        "category": "travel",
        "processing_days": 4,
        "fee": 53000,
        "fee_refundable": True,
        "fee_exemptions": [LIVELIHOOD_EXEMPTION],
        "routing": "fixed",
        "name_ko": "여권 발급 신청",
        "name_en": "Passport issuance",
        "description_ko": "복수여권(10년) 또는 단수여권을 신청합니다. 사진은 방문 수령 때 확인합니다.",
        "description_en": "Apply for a multiple-entry (10-year) or single-entry passport. The photo is checked when "
        "you collect it.",
        "fields": [
            _field(
                "passport_type",
                "여권 종류",
                "Kind of passport",
                F.CHOICE,
                choices=[
                    ("multiple", "복수여권(10년)", "Multiple entry (10 years)"),
                    ("single", "단수여권(1년)", "Single entry (1 year)"),
                ],
            ),
            _field(
                "pages", "면수", "Pages", F.CHOICE, choices=[("26", "26면", "26 pages"), ("58", "58면", "58 pages")]
            ),
            _field(
                "english_name",
                "영문 성명",
                "Name in Roman letters",
                help_ko="예: KIM MINWON",
                help_en="For example KIM MINWON",
                pattern=r"^[A-Z][A-Z ,-]{1,60}$",
            ),
        ],
        "needs": [
            _need("resident_abstract", ["name", "address"], "P-PASSPORT", "신청인 확인", "Identity of the applicant"),
            _need(
                "family_relation",
                ["name", "parents"],
                "P-PASSPORT",
                "가족관계 확인(미성년자 동의 확인)",
                "Family (consent for minors)",
                consent=True,
            ),
            _need(
                "military_service_record",
                ["name", "service_status"],
                "P-PASSPORT",
                "병역 의무 이행 여부 확인",
                "Military service status",
                consent=True,
            ),
        ],
    },
    {
        "slug": "moving-in-report",
        "category": "residence",
        "processing_days": 1,
        "fee": 0,
        "routing": "district",
        "name_ko": "전입신고",
        "name_en": "Moving-in report",
        "description_ko": "새 주소로 이사한 날부터 14일 안에 전입신고를 합니다.",
        "description_en": "Report your move within 14 days of moving to the new address.",
        "fields": [
            _field("new_address", "새 주소", "New address", F.ADDRESS),
            _field("move_date", "이사한 날", "Date of the move", F.DATE),
            _field(
                "household_action",
                "세대 구성",
                "Household",
                F.CHOICE,
                choices=[("new", "새 세대 구성", "New household"), ("join", "기존 세대에 합가", "Join a household")],
            ),
            _field("members", "함께 옮기는 사람 수", "People moving with you", F.NUMBER, min_value=0, max_value=20),
        ],
        "needs": [
            _need(
                "resident_copy",
                ["name", "address", "household_head_name", "household_members"],
                "P-MOVE-IN",
                "현재 세대 확인",
                "Current household",
            ),
            _need(
                "resident_abstract",
                ["name", "address", "move_in_date"],
                "P-MOVE-IN",
                "이전 주소 확인",
                "Previous address",
            ),
        ],
    },
    {
        "slug": "local-tax-refund",
        "category": "tax",
        "processing_days": 10,
        "fee": 0,
        "routing": "district",
        "name_ko": "지방세 환급금 청구",
        "name_en": "Local tax refund claim",
        "description_ko": "잘못 내거나 더 낸 지방세의 환급을 청구합니다.",
        "description_en": "Claim back local taxes paid twice or in excess.",
        "fields": [
            _field("refund_account", "환급 받을 계좌", "Account for the refund", F.BANK_ACCOUNT),
            _field(
                "tax_item",
                "세목",
                "Tax",
                F.CHOICE,
                choices=[
                    ("vehicle", "자동차세", "Vehicle tax"),
                    ("property", "재산세", "Property tax"),
                    ("resident", "주민세", "Resident tax"),
                ],
            ),
            _field("reason", "청구 사유", "Reason", F.LONG_TEXT, required=False, max_length=1000),
        ],
        "needs": [
            _need(
                "local_tax_refunds",
                ["name", "refund_count", "refund_total", "refunds"],
                "P-TAX-REFUND",
                "환급 대상 금액 확인",
                "Amounts to refund",
            ),
            _need("resident_abstract", ["name", "address"], "P-TAX-REFUND", "청구인 확인", "Identity of the claimant"),
            _need(
                "local_tax_certificate",
                ["name", "has_arrears", "arrears_amount"],
                "P-TAX-REFUND",
                "체납액 충당 여부 확인",
                "Arrears to offset",
            ),
        ],
    },
]


@transaction.atomic
def demo_use(*, petition_type: PetitionType, item, purpose_code: str, fields, consent: bool):
    """The approved use a demo requirement names (of the fixed office's using agency), made with an
    equivalent one for every other office a district-routed type may go to (sharing.hub.demo)."""
    from sharing.hub import demo as hub_demo

    offices = [petition_type.handling_office] if petition_type.handling_office else []
    if petition_type.routing == PetitionType.Routing.DISTRICT:
        others = Office.objects.exclude(district_code="")
        if petition_type.handling_office_id is not None:
            others = others.exclude(pk=petition_type.handling_office_id)
        offices += list(others.filter(using_agency__isnull=False).select_related("using_agency").order_by("code"))
    uses = [
        hub_demo.use_ensure(
            using_agency=office.using_agency,
            item=item,
            purpose_code=purpose_code,
            fields=fields,
            consent_required=consent,
        )
        for office in offices
        if office is not None and office.using_agency is not None
    ]
    return uses[0] if uses and offices[0].using_agency_id == uses[0].using_agency_id else None


def petition_types_seed() -> int:
    from sharing.hub.demo import using_agencies_seed

    using_agencies_seed()
    fallback = (
        Office.objects.filter(code="jongno").select_related("using_agency").first()
        or Office.objects.select_related("using_agency").order_by("pk").first()
    )
    items = {item.code: item for item in InformationItem.objects.all()}
    created_count = 0
    for spec in PETITION_TYPES:
        petition_type, created = PetitionType.objects.get_or_create(
            slug=spec["slug"],
            defaults={
                key: spec[key]
                for key in (
                    "name_ko",
                    "name_en",
                    "description_ko",
                    "description_en",
                    "category",
                    "processing_days",
                    "fee",
                    "routing",
                )
            }
            | {"notes_ko": spec.get("notes_ko", ""), "notes_en": spec.get("notes_en", ""), "handling_office": fallback}
            | {key: spec[key] for key in ("fee_at_filing", "fee_refundable") if key in spec},
        )
        if not created:
            continue  # edited in the admin since: leave it alone
        created_count += 1
        for order, field in enumerate(spec["fields"]):
            FormField.objects.create(petition_type=petition_type, order=order, **field)
        for order, need in enumerate(spec["needs"]):
            item = items[need["item"]]
            consent = item.consent_required if need["consent"] is None else need["consent"]
            RequiredInformation.objects.create(
                petition_type=petition_type,
                item=item,
                fields=need["fields"],
                purpose_code=need["purpose_code"],
                purpose_ko=need["purpose_ko"],
                purpose_en=need["purpose_en"],
                legal_basis=item.legal_basis,
                legal_basis_en=item.legal_basis_en,
                consent_required=consent,
                approved_use=demo_use(
                    petition_type=petition_type,
                    item=item,
                    purpose_code=need["purpose_code"],
                    fields=need["fields"],
                    consent=consent,
                ),
                subject_source="form_field" if need["subject_field"] else "applicant",
                subject_field_key=need["subject_field"],
                order=order,
                **need["others"],
            )
        for order, exemption in enumerate(spec.get("fee_exemptions", [])):
            if exemption["item"] in items:
                created_exemption = FeeExemption.objects.create(
                    petition_type=petition_type, order=order, **{**exemption, "item": items[exemption["item"]]}
                )
                # Its eligibility is fetched with the applicant's consent, under a use like any fetch.
                demo_use(
                    petition_type=petition_type,
                    item=created_exemption.item,
                    purpose_code=created_exemption.purpose_code,
                    fields=created_exemption.fetched_fields(),
                    consent=True,
                )
    return created_count


def demo_citizens_link() -> int:
    """Links the demo citizens the identity provider offers (the sandbox's: its demo people)."""
    from .identity import get_provider, resident_link_set

    linked = 0
    for username, record in get_provider().demo_records():
        user = User.objects.filter(username=username).first()
        if user is None or hasattr(user, "resident_link"):
            continue
        resident_link_set(user=user, record=record)
        linked += 1
    return linked


def demo_delegation_seed() -> int:
    """The demo delegation (portal.demo.DEMO_DELEGATION): every type, for a year, consent given.
    Made once: a run finding one in force (or revoked by someone trying the demo) adds none."""
    import datetime

    from portal.demo import DEMO_DELEGATION

    from .calendar import local_today
    from .delegation_services import delegation_grant
    from .models import Delegation

    principal = User.objects.filter(username=DEMO_DELEGATION["principal"]).first()
    delegate = User.objects.filter(username=DEMO_DELEGATION["delegate"]).first()
    if principal is None or delegate is None or not hasattr(principal, "resident_link"):
        return 0
    if Delegation.objects.filter(principal=principal, delegate=delegate).exists():
        return 0
    delegation_grant(
        principal=principal,
        identifier=delegate.username,
        petition_types=[],
        all_types=True,
        valid_until=local_today() + datetime.timedelta(days=365),
        consent_given=True,
    )
    return 1


def seed(*, stdout=None, **options) -> None:
    types = petition_types_seed()
    linked = demo_citizens_link()
    delegations = demo_delegation_seed()
    if stdout:
        stdout.write(f"  petition types: {types} new, demo citizens linked: {linked}, delegations: {delegations} new")
