import datetime

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from petitions import services
from petitions.errors import PetitionError
from petitions.models import FormField, Petition, PetitionType, PetitionUpload, ReceiptCounter, TimelineEvent
from petitions.workflow import petition_transition
from sharing.crypto import subject_hash
from sharing.documents.models import DocumentRequest, EDocument
from sharing.models import FetchRequest
from tests.petitions.conftest import BUILDING_ID, pdf_bytes
from tests.petitions.helpers import file_building_use_change

S = Petition.Status
pytestmark = pytest.mark.django_db


def test_submit_files_the_petition_in_one_go(
    demo_types, linked_citizen, queued_fetches, queued_renders, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        petition = file_building_use_change(linked_citizen)
    petition.refresh_from_db()
    year = petition.submitted_at.year
    assert petition.receipt_no == f"{year}-0000001"
    assert petition.office.code == "jongno"  # the applicant's district 11110
    assert petition.status == S.COLLECTING
    assert petition.due_date > petition.submitted_at.date()
    assert [(e.from_status, e.to_status) for e in petition.timeline.all()] == [
        (S.DRAFT, S.SUBMITTED),
        (S.SUBMITTED, S.COLLECTING),
    ]
    fetches = {f.item.code: f for f in FetchRequest.objects.filter(case_ref=petition.receipt_no)}
    assert set(fetches) == {"resident_abstract", "building_ledger", "land_use_plan"}
    assert fetches["building_ledger"].subject_hash == subject_hash(BUILDING_ID)
    assert fetches["resident_abstract"].subject_hash == subject_hash("900101-1234567")
    assert fetches["building_ledger"].fields == [
        "building_id",
        "address",
        "main_use",
        "floors_above",
        "total_floor_area_m2",
        "violation",
        "owner_name",
    ]
    assert sorted(queued_fetches) == sorted(f.pk for f in fetches.values())
    receipt = DocumentRequest.objects.get(case_ref=petition.receipt_no, kind="receipt")
    assert receipt.context["fetched_items"][0]["name"]
    assert queued_renders == [receipt.pk]
    assert len(mail.outbox) == 1 and petition.receipt_no in mail.outbox[0].subject


def test_receipt_numbers_are_sequential_per_year(demo_types, linked_citizen):
    first = file_building_use_change(linked_citizen)
    second = file_building_use_change(linked_citizen)
    assert int(second.receipt_no[-7:]) == int(first.receipt_no[-7:]) + 1
    assert ReceiptCounter.objects.get(year=int(first.receipt_no[:4])).last == 2


def test_a_failed_submission_gives_its_number_back(demo_types, linked_citizen, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("agency catalogue broken")

    monkeypatch.setattr("sharing.services.fetch_requests_create", boom)
    with pytest.raises(RuntimeError):
        file_building_use_change(linked_citizen)
    monkeypatch.undo()
    assert not Petition.objects.exclude(status=S.DRAFT).exists()
    assert not ReceiptCounter.objects.filter(last__gt=0).exists()


def test_replayed_submit_creates_one_petition(demo_types, linked_citizen):
    petition = file_building_use_change(linked_citizen)
    again = services.petition_submit(petition=petition, actor=linked_citizen, submit_token=petition.submit_token)
    assert again.pk == petition.pk and again.receipt_no == petition.receipt_no
    assert Petition.objects.filter(applicant=linked_citizen).count() == 1
    assert TimelineEvent.objects.filter(petition=petition, to_status=S.SUBMITTED).count() == 1
    assert FetchRequest.objects.filter(case_ref=petition.receipt_no).count() == 3


def test_submit_with_a_stale_token_is_refused(demo_types, linked_citizen):
    petition_type = PetitionType.objects.get(slug="moving-in-report")
    draft = services.petition_draft_start(petition_type=petition_type, applicant=linked_citizen)
    with pytest.raises(PetitionError):
        services.petition_submit(
            petition=draft, actor=linked_citizen, submit_token="00000000-0000-0000-0000-000000000000"
        )


def test_submit_refuses_missing_answers(demo_types, linked_citizen):
    petition_type = PetitionType.objects.get(slug="moving-in-report")
    draft = services.petition_draft_start(petition_type=petition_type, applicant=linked_citizen)
    with pytest.raises(PetitionError) as caught:
        services.petition_submit(petition=draft, actor=linked_citizen, submit_token=draft.submit_token)
    assert "새 주소" in str(caught.value.message)
    draft.refresh_from_db()
    assert draft.status == S.DRAFT and draft.receipt_no is None


def test_due_date_skips_chuseok(demo_types, linked_citizen, monkeypatch):
    # Filed on Wednesday 2026-09-23: Chuseok is Thursday to Saturday, so ten working days end on 2026-10-13
    # (Monday 5 October and Friday 9 October are holidays too).
    monkeypatch.setattr("petitions.services.local_today", lambda: datetime.date(2026, 9, 23))
    petition = file_building_use_change(linked_citizen)
    assert petition.due_date == datetime.date(2026, 10, 13)


def test_editing_a_type_never_changes_a_filed_petition(demo_types, linked_citizen):
    petition = file_building_use_change(linked_citizen)
    petition_type = petition.petition_type
    before = petition.type_snapshot
    FormField.objects.filter(petition_type=petition_type, key="reason").update(label_ko="바뀐 이름")
    petition_type.required_information.all().delete()
    PetitionType.objects.filter(pk=petition_type.pk).update(version=petition_type.version + 1, processing_days=99)

    petition.refresh_from_db()
    assert petition.type_snapshot == before
    assert petition.type_version == 1
    assert {f["key"]: f["label_ko"] for f in before["fields"]}["reason"] == "변경 사유"
    assert len(before["required_information"]) == 3
    assert before["processing_days"] == 10


def _pension_draft(user, *, consents, files=None):
    petition_type = PetitionType.objects.get(slug="basic-pension")
    draft = services.petition_draft_start(petition_type=petition_type, applicant=user)
    services.petition_draft_update_answers(
        petition=draft,
        answers={
            "pension_account": {"bank": "kb", "number": "123-456-789012"},
            "marital_status": "married",
            "spouse_receives": "no",
            "property_pnu": "1111010100109410000",
        },
    )
    services.petition_draft_update_consents(petition=draft, consents=consents, files=files or {})
    draft.refresh_from_db()
    return draft


def test_declined_consent_turns_the_item_into_an_upload(demo_types, linked_citizen):
    upload = SimpleUploadedFile("income.pdf", pdf_bytes(), content_type="application/pdf")
    draft = _pension_draft(
        linked_citizen,
        consents={
            "family_relation": True,
            "income_certificate": False,
            "health_insurance_eligibility": True,
            "land_register": True,
        },
        files={"income_certificate": upload},
    )
    petition = services.petition_submit(petition=draft, actor=linked_citizen, submit_token=draft.submit_token)

    fetched = set(FetchRequest.objects.filter(case_ref=petition.receipt_no).values_list("item__code", flat=True))
    assert "income_certificate" not in fetched
    assert fetched == {"resident_copy", "family_relation", "health_insurance_eligibility", "land_register"}
    stored = PetitionUpload.objects.get(petition=petition, reference="income_certificate")
    document = EDocument.objects.get(pk=stored.document_id)
    assert document.case_ref == petition.receipt_no and document.kind == "attachment"


def test_declined_consent_without_an_upload_cannot_be_filed(demo_types, linked_citizen):
    draft = _pension_draft(
        linked_citizen,
        consents={
            "family_relation": True,
            "income_certificate": False,
            "health_insurance_eligibility": True,
            "land_register": True,
        },
    )
    with pytest.raises(PetitionError):
        services.petition_submit(petition=draft, actor=linked_citizen, submit_token=draft.submit_token)


def test_settled_fetches_move_the_petition_to_review(demo_types, linked_citizen):
    from sharing.signals import case_fetches_settled

    petition = file_building_use_change(linked_citizen)
    case_fetches_settled.send(sender=None, case_ref=petition.receipt_no)
    petition.refresh_from_db()
    assert petition.status == S.UNDER_REVIEW
    # Sent again (a re-fetch settles later): nothing changes, nothing breaks.
    case_fetches_settled.send(sender=None, case_ref=petition.receipt_no)
    petition.refresh_from_db()
    assert petition.status == S.UNDER_REVIEW


def test_supplement_round_trip_keeps_both_versions(
    demo_types, linked_citizen, official, django_capture_on_commit_callbacks
):
    petition = file_building_use_change(linked_citizen)
    petition_transition(petition=petition, to=S.UNDER_REVIEW)
    with django_capture_on_commit_callbacks(execute=True):
        supplement = services.supplement_request(
            petition=petition,
            actor=official,
            message="면적을 확인해 주세요.",
            field_keys=["floor_area"],
            documents_requested=True,
        )
    assert len(mail.outbox) == 1
    assert "면적을 확인해 주세요." in mail.outbox[0].body
    document = SimpleUploadedFile("plan.pdf", pdf_bytes(), content_type="application/pdf")
    services.supplement_respond(
        supplement=supplement,
        actor=linked_citizen,
        answers={"floor_area": 95, "reason": "not asked for"},
        documents=[document],
        note="정정합니다.",
    )
    supplement.refresh_from_db()
    petition.refresh_from_db()
    assert supplement.previous_values == {"floor_area": 120}
    assert supplement.new_values == {"floor_area": 95}
    assert petition.data["floor_area"] == 95
    assert petition.data["reason"] != "not asked for"
    assert petition.status == S.SUPPLEMENT_SUBMITTED
    assert supplement.uploads.count() == 1
    with pytest.raises(PetitionError):
        services.supplement_respond(supplement=supplement, actor=linked_citizen, answers={})


def test_supplement_request_refuses_unknown_fields(demo_types, linked_citizen, official):
    petition = file_building_use_change(linked_citizen)
    petition_transition(petition=petition, to=S.UNDER_REVIEW)
    with pytest.raises(PetitionError):
        services.supplement_request(petition=petition, actor=official, message="?", field_keys=["nope"])


def test_withdrawal_before_and_after_a_decision(demo_types, linked_citizen):
    petition = file_building_use_change(linked_citizen)
    services.petition_withdraw(petition=petition, actor=linked_citizen, reason="이사 계획 변경")
    petition.refresh_from_db()
    assert petition.status == S.WITHDRAWN
    with pytest.raises(PetitionError):
        services.petition_withdraw(petition=petition, actor=linked_citizen)


def test_district_routing_falls_back_to_the_fixed_office(demo_types, citizen):
    from petitions.identity import ResidentRecord, resident_link_set

    resident_link_set(
        user=citizen,
        record=ResidentRecord(
            name="박부산", rrn="800101-1000000", phone="010-1", address="부산", district_code="26350"
        ),
    )
    petition = file_building_use_change(citizen)
    assert petition.office == PetitionType.objects.get(slug="building-use-change").handling_office


def test_decision_mail_is_in_the_citizens_language(demo_types, linked_citizen, django_capture_on_commit_callbacks):
    linked_citizen.preferred_language = "en"
    linked_citizen.save()
    petition = file_building_use_change(linked_citizen)
    petition_transition(petition=petition, to=S.UNDER_REVIEW)
    with django_capture_on_commit_callbacks(execute=True):
        petition_transition(petition=petition, to=S.APPROVED, note="Approved as asked.")
    assert len(mail.outbox) == 1
    assert "Approved" in mail.outbox[0].subject
    assert "Building use change report" in mail.outbox[0].body
