"""Demo data: refund-claim petition types for every refund-holding agency (the petitions demo
has the local tax one), filed from refund inquiries (petitions.refund_claims). Idempotent; runs
after the catalogue, petitions and tracker steps."""

from __future__ import annotations

from django.db import transaction

from portal.models import Office
from sharing.models import InformationItem

from .models import FormField, PetitionType, RequiredInformation

F = FormField.Type

REFUND_ACCOUNT = {
    "key": "refund_account",
    "label_ko": "환급 받을 계좌",
    "label_en": "Account for the refund",
    "type": F.BANK_ACCOUNT,
    "required": True,
}
REASON = {
    "key": "reason",
    "label_ko": "청구 사유",
    "label_en": "Reason",
    "type": F.LONG_TEXT,
    "required": False,
    "max_length": 1000,
}

CLAIM_TYPES = [
    {
        "slug": "national-tax-refund",
        "item": "national_tax_refunds",
        "purpose": "P-TAX-REFUND",
        "name_ko": "국세 환급금 지급 청구",
        "name_en": "National tax refund claim",
        "description_ko": "국세청이 보유한 미환급 국세(환급금, 장려금 등)의 지급을 청구합니다.",
        "description_en": "Claim national taxes the National Tax Service owes you (refunds, unpaid credits).",
        "purpose_ko": "환급 대상 금액 확인",
        "purpose_en": "Amounts to refund",
    },
    {
        "slug": "health-insurance-premium-refund",
        "item": "premium_refunds",
        "purpose": "P-REFUND-CLAIM",
        "name_ko": "건강보험료 환급금 지급 청구",
        "name_en": "Health insurance premium refund claim",
        "description_ko": "과오납한 건강보험료와 본인부담상한액 초과금의 지급을 청구합니다.",
        "description_en": "Claim premiums paid in excess and co-payments above the annual ceiling.",
        "purpose_ko": "환급 대상 금액 확인",
        "purpose_en": "Amounts to refund",
    },
    {
        "slug": "national-pension-refund",
        "item": "pension_refunds",
        "purpose": "P-REFUND-CLAIM",
        "name_ko": "국민연금 미지급금 지급 청구",
        "name_en": "National pension refund claim",
        "description_ko": "과오납한 연금보험료와 받지 않은 반환일시금의 지급을 청구합니다.",
        "description_en": "Claim pension contributions paid in excess and lump sums not yet collected.",
        "purpose_ko": "지급 대상 금액 확인",
        "purpose_en": "Amounts to pay",
    },
]


@transaction.atomic
def refund_claim_types_seed() -> int:
    from sharing.hub.demo import using_agencies_seed

    from .demo import demo_use

    using_agencies_seed()
    fallback = (
        Office.objects.filter(code="jongno").first() or Office.objects.exclude(code="portal").order_by("pk").first()
    )
    items = {item.code: item for item in InformationItem.objects.filter(code__in=[t["item"] for t in CLAIM_TYPES])}
    created_count = 0
    for spec in CLAIM_TYPES:
        item = items.get(spec["item"])
        if item is None:
            continue
        petition_type, created = PetitionType.objects.get_or_create(
            slug=spec["slug"],
            defaults={
                "name_ko": spec["name_ko"],
                "name_en": spec["name_en"],
                "description_ko": spec["description_ko"],
                "description_en": spec["description_en"],
                "category": "tax",
                "processing_days": 10,
                "fee": 0,
                "routing": PetitionType.Routing.DISTRICT,
                "handling_office": fallback,
            },
        )
        if not created:
            continue  # edited in the admin since: leave it alone
        created_count += 1
        for order, field in enumerate((REFUND_ACCOUNT, REASON)):
            FormField.objects.create(petition_type=petition_type, order=order, **field)
        fields = ["name", "refund_count", "refund_total", "refunds"]
        RequiredInformation.objects.create(
            petition_type=petition_type,
            item=item,
            fields=fields,
            approved_use=demo_use(
                petition_type=petition_type, item=item, purpose_code=spec["purpose"], fields=fields, consent=False
            ),
            purpose_code=spec["purpose"],
            purpose_ko=spec["purpose_ko"],
            purpose_en=spec["purpose_en"],
            legal_basis=item.legal_basis,
            legal_basis_en=item.legal_basis_en,
            consent_required=False,
            subject_source="applicant",
        )
    return created_count


def seed(*, stdout=None, **options) -> None:
    types = refund_claim_types_seed()
    if stdout:
        stdout.write(f"  refund-claim petition types: {types} new")
