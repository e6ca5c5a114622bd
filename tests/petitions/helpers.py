from petitions import services
from petitions.models import PetitionType

BUILDING_USE_ANSWERS = {
    "building_id": "11110-100000001",
    "pnu": "1111010100109410000",
    "new_use": "neighbourhood_1",
    "floor_area": 120,
    "reason": "1층을 소매점으로 바꾸려 합니다.",
}


def file_building_use_change(user, **overrides):
    petition_type = PetitionType.objects.get(slug="building-use-change")
    draft = services.petition_draft_start(petition_type=petition_type, applicant=user)
    services.petition_draft_update_applicant(
        petition=draft, phone="010-1234-5678", email="a@example.org", address="서울특별시 종로구 자하문로 10"
    )
    services.petition_draft_update_answers(petition=draft, answers={**BUILDING_USE_ANSWERS, **overrides})
    draft.refresh_from_db()
    return services.petition_submit(petition=draft, actor=user, submit_token=draft.submit_token)


def fee_paid(draft, *, payment_key: str | None = None):
    """The draft's fee, paid (as the payment provider would have confirmed it), when it has one."""
    import uuid

    from django.utils import timezone

    from petitions.models import Payment
    from petitions.payments.services import fee_due

    amount = fee_due(draft)
    if not amount:
        return None
    return Payment.objects.create(
        order_id=f"FEE-{uuid.uuid4().hex}",
        petition=draft,
        payer=draft.applicant,
        provider="sandbox",
        amount=amount,
        order_name="fee",
        status=Payment.Status.PAID,
        payment_key=payment_key or f"sbx_{uuid.uuid4().hex}",
        method="card",
        approved_at=timezone.now(),
    )
