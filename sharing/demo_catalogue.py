"""The demo catalogue of public information: agencies, items, fields and purposes.

Pure data, shared by the two sides that must agree on it without importing each other:
the portal's catalogue loader (``sharing.demo``) and the sandbox agencies
(``sharing.sandbox``), which serve exactly these items and grant these purposes.

Field types: string, date, integer, boolean, list, object.
Sensitivity: ordinary, personal, unique_id (masked on screen unless revealed with a reason).
"""

from __future__ import annotations

# Purpose codes (이용 목적) of the demo petition types and services.
PURPOSES = {
    "P-PARKING": ("거주자 우선주차 신청 심사", "Resident priority parking permit review"),
    "P-BLDG-USE": ("건축물 용도변경 신고 심사", "Building use change report review"),
    "P-LAND-DEAL": ("토지거래계약 허가 심사", "Land transaction permit review"),
    "P-RESTAURANT": ("일반음식점 영업신고 심사", "Restaurant business report review"),
    "P-PENSION": ("기초연금 수급자격 확인", "Basic pension eligibility check"),
    "P-PASSPORT": ("여권 발급 심사", "Passport issuance review"),
    "P-MOVE-IN": ("전입신고 확인", "Moving-in report check"),
    "P-TAX-REFUND": ("지방세 환급 청구 심사", "Local tax refund claim review"),
    "P-REFUND-INQUIRY": ("본인 요청에 의한 미환급금 조회", "Un-refunded money inquiry requested by the citizen"),
    "P-REFUND-CLAIM": ("환급금 지급 청구 심사", "Refund claim review"),
}

AGENCIES = [
    # code, Korean name, English name
    ("mois", "행정안전부", "Ministry of the Interior and Safety"),
    ("scourt", "법원행정처", "National Court Administration"),
    ("molit", "국토교통부", "Ministry of Land, Infrastructure and Transport"),
    ("nts", "국세청", "National Tax Service"),
    ("nhis", "국민건강보험공단", "National Health Insurance Service"),
    ("mma", "병무청", "Military Manpower Administration"),
    ("nps", "국민연금공단", "National Pension Service"),
]


def _f(key, ko, en, type_="string", sensitivity="personal"):
    return {"key": key, "label_ko": ko, "label_en": en, "type": type_, "sensitivity": sensitivity}


NAME = _f("name", "성명", "Name")
RRN = _f("rrn", "주민등록번호", "Resident registration number", sensitivity="unique_id")
ADDRESS = _f("address", "주소", "Address")


def _refund_fields():
    return [
        NAME,
        _f("refund_count", "미환급 건수", "Number of refunds", "integer", "ordinary"),
        _f("refund_total", "미환급 총액(원)", "Total to refund (KRW)", "integer", "personal"),
        _f("refunds", "미환급 내역", "Refunds", "list", "personal"),
    ]


ITEMS = [
    {
        "code": "resident_copy", "agency": "mois",
        "name_ko": "주민등록표 등본", "name_en": "Resident registration copy",
        "replaces_ko": "주민등록표 등본", "replaces_en": "Resident registration copy",
        "subject_kind": "person", "consent_required": False,
        "legal_basis": "주민등록법 제29조, 전자정부법 제36조",
        "legal_basis_en": "Resident Registration Act, Article 29; Electronic Government Act, Article 36",
        "fields": [
            NAME, RRN, ADDRESS,
            _f("household_head_name", "세대주 성명", "Head of household"),
            _f("relation_to_head", "세대주와의 관계", "Relation to the head of household", sensitivity="ordinary"),
            _f("household_members", "세대원", "Household members", "list"),
            _f("move_in_date", "전입일", "Move-in date", "date"),
        ],
        "purposes": ["P-PARKING", "P-PENSION", "P-MOVE-IN", "P-PASSPORT"],
    },
    {
        "code": "resident_abstract", "agency": "mois",
        "name_ko": "주민등록표 초본", "name_en": "Resident registration abstract",
        "replaces_ko": "주민등록표 초본", "replaces_en": "Resident registration abstract",
        "subject_kind": "person", "consent_required": False,
        "legal_basis": "주민등록법 제29조, 전자정부법 제36조",
        "legal_basis_en": "Resident Registration Act, Article 29; Electronic Government Act, Article 36",
        "fields": [
            NAME, RRN, ADDRESS,
            _f("move_in_date", "전입일", "Move-in date", "date"),
            _f("district_code", "행정구역코드", "District code", sensitivity="ordinary"),
            _f("address_history", "주소 변동 이력", "Address history", "list"),
        ],
        "purposes": ["P-PARKING", "P-BLDG-USE", "P-LAND-DEAL", "P-RESTAURANT", "P-PENSION", "P-PASSPORT",
                     "P-MOVE-IN", "P-TAX-REFUND"],
    },
    {
        "code": "local_tax_certificate", "agency": "mois",
        "name_ko": "지방세 납세증명서", "name_en": "Local tax payment certificate",
        "replaces_ko": "지방세 납세증명서", "replaces_en": "Local tax payment certificate",
        "subject_kind": "person", "consent_required": False,
        "legal_basis": "지방세징수법 제5조, 전자정부법 제36조",
        "legal_basis_en": "Local Tax Collection Act, Article 5; Electronic Government Act, Article 36",
        "fields": [
            NAME, RRN,
            _f("has_arrears", "체납 여부", "Has arrears", "boolean", "personal"),
            _f("arrears_amount", "체납액(원)", "Arrears (KRW)", "integer", "personal"),
        ],
        "purposes": ["P-LAND-DEAL", "P-RESTAURANT", "P-TAX-REFUND"],
    },
    {
        "code": "local_tax_refunds", "agency": "mois",
        "name_ko": "지방세 미환급금 내역", "name_en": "Local tax refunds",
        "replaces_ko": "지방세 환급금 확인서", "replaces_en": "Local tax refund statement",
        "subject_kind": "person", "consent_required": False,
        "legal_basis": "지방세기본법 제60조",
        "legal_basis_en": "Framework Act on Local Taxes, Article 60",
        "fields": _refund_fields(),
        "purposes": ["P-TAX-REFUND", "P-REFUND-INQUIRY"],
    },
    {
        "code": "family_relation", "agency": "scourt",
        "name_ko": "가족관계증명서", "name_en": "Family relation certificate",
        "replaces_ko": "가족관계증명서", "replaces_en": "Family relation certificate",
        "subject_kind": "person", "consent_required": True,
        "legal_basis": "가족관계의 등록 등에 관한 법률 제14조",
        "legal_basis_en": "Act on the Registration, etc. of Family Relationships, Article 14",
        "fields": [
            NAME, RRN,
            _f("parents", "부모", "Parents", "list"),
            _f("spouse", "배우자", "Spouse", "object"),
            _f("children", "자녀", "Children", "list"),
        ],
        "purposes": ["P-PENSION", "P-PASSPORT"],
    },
    {
        "code": "real_estate_register", "agency": "scourt",
        "name_ko": "부동산 등기사항증명서", "name_en": "Real estate register",
        "replaces_ko": "등기사항전부증명서", "replaces_en": "Certified copy of the real estate register",
        "subject_kind": "parcel", "consent_required": False,
        "legal_basis": "부동산등기법 제19조",
        "legal_basis_en": "Registration of Real Estate Act, Article 19",
        "fields": [
            _f("pnu", "고유번호(PNU)", "Parcel number (PNU)", sensitivity="ordinary"),
            _f("address", "소재지", "Location", sensitivity="ordinary"),
            _f("owner_name", "소유자", "Owner"),
            _f("ownership_share", "지분", "Share", sensitivity="ordinary"),
            _f("mortgages", "근저당권", "Mortgages", "list", "ordinary"),
        ],
        "purposes": ["P-LAND-DEAL", "P-PENSION", "P-BLDG-USE"],
    },
    {
        "code": "land_register", "agency": "molit",
        "name_ko": "토지대장", "name_en": "Land register",
        "replaces_ko": "토지대장 등본", "replaces_en": "Land register copy",
        "subject_kind": "parcel", "consent_required": False,
        "legal_basis": "공간정보의 구축 및 관리 등에 관한 법률 제71조",
        "legal_basis_en": "Act on the Establishment, Management, etc. of Spatial Data, Article 71",
        "fields": [
            _f("pnu", "고유번호(PNU)", "Parcel number (PNU)", sensitivity="ordinary"),
            _f("address", "소재지", "Location", sensitivity="ordinary"),
            _f("land_category", "지목", "Land category", sensitivity="ordinary"),
            _f("area_m2", "면적(㎡)", "Area (m²)", "integer", "ordinary"),
            _f("owner_name", "소유자", "Owner"),
            _f("official_land_price", "개별공시지가(원/㎡)", "Official land price (KRW/m²)", "integer", "ordinary"),
        ],
        "purposes": ["P-LAND-DEAL", "P-BLDG-USE", "P-PENSION"],
    },
    {
        "code": "building_ledger", "agency": "molit",
        "name_ko": "건축물대장", "name_en": "Building ledger",
        "replaces_ko": "건축물대장 등본", "replaces_en": "Building ledger copy",
        "subject_kind": "building", "consent_required": False,
        "legal_basis": "건축법 제38조",
        "legal_basis_en": "Building Act, Article 38",
        "fields": [
            _f("building_id", "건축물 관리번호", "Building id", sensitivity="ordinary"),
            _f("address", "대지위치", "Location", sensitivity="ordinary"),
            _f("main_use", "주용도", "Main use", sensitivity="ordinary"),
            _f("floors_above", "지상 층수", "Floors above ground", "integer", "ordinary"),
            _f("floors_below", "지하 층수", "Floors below ground", "integer", "ordinary"),
            _f("total_floor_area_m2", "연면적(㎡)", "Total floor area (m²)", "integer", "ordinary"),
            _f("approval_date", "사용승인일", "Use approval date", "date", "ordinary"),
            _f("violation", "위반건축물 여부", "Violating building", "boolean", "ordinary"),
            _f("owner_name", "소유자", "Owner"),
        ],
        "purposes": ["P-BLDG-USE", "P-RESTAURANT", "P-PENSION"],
    },
    {
        "code": "land_use_plan", "agency": "molit",
        "name_ko": "토지이용계획확인서", "name_en": "Land-use plan confirmation",
        "replaces_ko": "토지이용계획확인서", "replaces_en": "Land-use plan confirmation",
        "subject_kind": "parcel", "consent_required": False,
        "legal_basis": "토지이용규제 기본법 제10조",
        "legal_basis_en": "Framework Act on the Regulation of Land Use, Article 10",
        "fields": [
            _f("pnu", "고유번호(PNU)", "Parcel number (PNU)", sensitivity="ordinary"),
            _f("zoning", "용도지역", "Zoning", sensitivity="ordinary"),
            _f("districts", "용도지구·구역", "Districts and zones", "list", "ordinary"),
            _f("restrictions", "행위제한 내용", "Restrictions", "list", "ordinary"),
        ],
        "purposes": ["P-LAND-DEAL", "P-BLDG-USE", "P-RESTAURANT"],
    },
    {
        "code": "vehicle_registration", "agency": "molit",
        "name_ko": "자동차등록원부", "name_en": "Vehicle registration",
        "replaces_ko": "자동차등록원부 등본", "replaces_en": "Vehicle registration copy",
        "subject_kind": "vehicle", "consent_required": False,
        "legal_basis": "자동차관리법 제7조",
        "legal_basis_en": "Motor Vehicle Management Act, Article 7",
        "fields": [
            _f("plate", "자동차등록번호", "Registration plate", sensitivity="ordinary"),
            _f("model_name", "차명", "Model", sensitivity="ordinary"),
            _f("model_year", "연식", "Model year", "integer", "ordinary"),
            _f("owner_name", "소유자 성명", "Owner"),
            _f("owner_rrn", "소유자 주민등록번호", "Owner's RRN", sensitivity="unique_id"),
            _f("registered_address", "사용본거지", "Registered address"),
        ],
        "purposes": ["P-PARKING", "P-PENSION"],
    },
    {
        "code": "tax_payment_certificate", "agency": "nts",
        "name_ko": "국세 납세증명서", "name_en": "Tax payment certificate",
        "replaces_ko": "납세증명서", "replaces_en": "Tax payment certificate",
        "subject_kind": "person", "consent_required": False,
        "legal_basis": "국세징수법 제107조",
        "legal_basis_en": "National Tax Collection Act, Article 107",
        "fields": [
            NAME, RRN,
            _f("has_arrears", "체납 여부", "Has arrears", "boolean", "personal"),
            _f("arrears_amount", "체납액(원)", "Arrears (KRW)", "integer", "personal"),
        ],
        "purposes": ["P-LAND-DEAL", "P-RESTAURANT"],
    },
    {
        "code": "business_registration", "agency": "nts",
        "name_ko": "사업자등록증명", "name_en": "Business registration certificate",
        "replaces_ko": "사업자등록증명", "replaces_en": "Business registration certificate",
        "subject_kind": "person", "consent_required": False,
        "legal_basis": "부가가치세법 제8조",
        "legal_basis_en": "Value-Added Tax Act, Article 8",
        "fields": [
            _f("business_number", "사업자등록번호", "Business registration number", sensitivity="ordinary"),
            _f("trade_name", "상호", "Trade name", sensitivity="ordinary"),
            _f("business_type", "업태·종목", "Business type", sensitivity="ordinary"),
            _f("opened_on", "개업일", "Opened on", "date", "ordinary"),
            _f("status", "사업자 상태", "Status", sensitivity="ordinary"),
        ],
        "purposes": ["P-RESTAURANT"],
    },
    {
        "code": "income_certificate", "agency": "nts",
        "name_ko": "소득금액증명", "name_en": "Income certificate",
        "replaces_ko": "소득금액증명원", "replaces_en": "Certificate of income",
        "subject_kind": "person", "consent_required": True,
        "legal_basis": "기초연금법 제11조, 전자정부법 제36조",
        "legal_basis_en": "Basic Pension Act, Article 11; Electronic Government Act, Article 36",
        "fields": [
            NAME,
            _f("tax_year", "귀속연도", "Tax year", "integer", "ordinary"),
            _f("total_income", "소득금액(원)", "Income (KRW)", "integer", "personal"),
            _f("income_types", "소득 종류", "Kinds of income", "list", "personal"),
        ],
        "purposes": ["P-PENSION"],
    },
    {
        "code": "national_tax_refunds", "agency": "nts",
        "name_ko": "국세 미환급금 내역", "name_en": "National tax refunds",
        "replaces_ko": "국세 환급금 확인서", "replaces_en": "National tax refund statement",
        "subject_kind": "person", "consent_required": False,
        "legal_basis": "국세기본법 제51조",
        "legal_basis_en": "Framework Act on National Taxes, Article 51",
        "fields": _refund_fields(),
        "purposes": ["P-REFUND-INQUIRY", "P-TAX-REFUND"],
    },
    {
        "code": "health_insurance_eligibility", "agency": "nhis",
        "name_ko": "건강보험 자격득실확인서", "name_en": "Health insurance eligibility",
        "replaces_ko": "건강보험 자격득실확인서", "replaces_en": "Health insurance eligibility statement",
        "subject_kind": "person", "consent_required": True,
        "legal_basis": "국민건강보험법 제96조",
        "legal_basis_en": "National Health Insurance Act, Article 96",
        "fields": [
            NAME,
            _f("insured_type", "가입자 구분", "Kind of insured", sensitivity="personal"),
            _f("acquired_on", "자격 취득일", "Coverage since", "date"),
            _f("lost_on", "자격 상실일", "Coverage lost on", "date"),
            _f("employer_name", "사업장 명칭", "Employer"),
        ],
        "purposes": ["P-PENSION"],
    },
    {
        "code": "premium_refunds", "agency": "nhis",
        "name_ko": "건강보험료 환급금 내역", "name_en": "Health insurance premium refunds",
        "replaces_ko": "보험료 환급금 확인서", "replaces_en": "Premium refund statement",
        "subject_kind": "person", "consent_required": False,
        "legal_basis": "국민건강보험법 제86조",
        "legal_basis_en": "National Health Insurance Act, Article 86",
        "fields": _refund_fields(),
        "purposes": ["P-REFUND-INQUIRY", "P-REFUND-CLAIM"],
    },
    {
        "code": "pension_refunds", "agency": "nps",
        "name_ko": "국민연금 미지급금 내역", "name_en": "National pension refunds",
        "replaces_ko": "연금보험료 환급금 확인서", "replaces_en": "Pension contribution refund statement",
        "subject_kind": "person", "consent_required": False,
        "legal_basis": "국민연금법 제57조의2",
        "legal_basis_en": "National Pension Act, Article 57-2",
        "fields": _refund_fields(),
        "purposes": ["P-REFUND-INQUIRY", "P-REFUND-CLAIM"],
    },
    {
        "code": "military_service_record", "agency": "mma",
        "name_ko": "병적증명서", "name_en": "Military service record",
        "replaces_ko": "병적증명서", "replaces_en": "Military service certificate",
        "subject_kind": "person", "consent_required": True,
        "legal_basis": "병역법 제76조, 여권법 시행령 제6조",
        "legal_basis_en": "Military Service Act, Article 76; Enforcement Decree of the Passport Act, Article 6",
        "fields": [
            NAME,
            _f("service_status", "병역 사항", "Service status", sensitivity="personal"),
            _f("branch", "군별", "Branch", sensitivity="personal"),
            _f("enlisted_on", "입영일", "Enlisted on", "date"),
            _f("discharged_on", "전역일", "Discharged on", "date"),
            _f("discharge_type", "전역 사유", "Kind of discharge", sensitivity="personal"),
        ],
        "purposes": ["P-PASSPORT"],
    },
]

# Offices (portal.demo.OFFICES codes) that the sandbox agencies grant in the demo: every
# office may ask the fields above of each item for the item's purposes. Anything else is
# refused with 403 not_granted.
GRANTED_OFFICES = ["jongno", "jung", "mapo", "gangnam", "haeundae"]
# A refund-holding agency answers the citizen's own inquiry through this using office.
PORTAL_OFFICE_CODE = "portal"
