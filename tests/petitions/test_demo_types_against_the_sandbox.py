"""citizen1 of the demo files every demo petition type, and every item is fetched from the
sandbox agencies over real HTTP (tasks run in the test process)."""

from petitions import services
from petitions.demo import PETITION_TYPES, demo_citizens_link, petition_types_seed
from petitions.models import Petition, PetitionType
from portal.models import User
from sharing.models import FetchRequest
from tests.petitions.helpers import fee_paid

S = Petition.Status


def _answers(person: dict) -> dict[str, dict]:
    account = {"bank": "kb", "number": "123-456-789012"}
    return {
        "resident-parking-permit": {"plate": person["plate"], "zone": "A", "period": "3"},
        "building-use-change": {
            "building_id": person["building_id"],
            "pnu": person["pnu"],
            "new_use": "neighbourhood_1",
            "floor_area": 85,
            "reason": "소매점으로 변경",
        },
        "land-transaction-permit": {
            "pnu": person["pnu"],
            "price": 500_000_000,
            "counterparty": "박토지",
            "purpose": "home",
        },
        "restaurant-business-report": {
            "trade_name": "자하문 국수",
            "building_id": person["building_id"],
            "floor_area": 80,
            "hygiene_training_date": "2026-11-02",
            "opening_date": "2026-12-01",
        },
        "basic-pension": {
            "pension_account": account,
            "marital_status": "married",
            "spouse_receives": "no",
            "property_pnu": person["pnu"],
        },
        "passport-issuance": {"passport_type": "multiple", "pages": "26", "english_name": "KIM MINWON"},
        "moving-in-report": {
            "new_address": "서울특별시 종로구 자하문로 40",
            "move_date": "2026-11-20",
            "household_action": "new",
            "members": 2,
        },
        "local-tax-refund": {"refund_account": account, "tax_item": "vehicle", "reason": ""},
    }


def test_citizen1_files_every_demo_type_and_everything_is_fetched(sandbox_agencies):
    from portal.demo import seed as portal_seed

    portal_seed()
    petition_types_seed()
    demo_citizens_link()
    citizen1 = User.objects.get(username="citizen1")
    person = sandbox_agencies.people[0]
    answers = _answers(person)
    assert set(answers) == {spec["slug"] for spec in PETITION_TYPES}

    for slug, values in answers.items():
        petition_type = PetitionType.objects.get(slug=slug)
        draft = services.petition_draft_start(petition_type=petition_type, applicant=citizen1)
        services.petition_draft_update_answers(petition=draft, answers=values)
        consents = {m.item.code: True for m in petition_type.required_information.filter(consent_required=True)}
        services.petition_draft_update_consents(petition=draft, consents=consents)
        draft.refresh_from_db()
        fee_paid(draft)
        filed = services.petition_submit(petition=draft, actor=citizen1, submit_token=draft.submit_token)

        fetches = list(FetchRequest.objects.filter(case_ref=filed.receipt_no))
        assert len(fetches) == petition_type.required_information.count(), slug
        assert {(f.item.code, f.state, f.error_code) for f in fetches} == {
            (f.item.code, "fetched", "") for f in fetches
        }, slug
        filed.refresh_from_db()
        assert filed.status == S.UNDER_REVIEW, slug
        assert filed.office.code == "jongno", slug
