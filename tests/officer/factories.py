"""Petitions as the officer workspace sees them: filed, routed to an office, with fetched data."""

import json
import uuid

import factory
from django.utils import timezone

from petitions.calendar import add_working_days, local_today
from petitions.models import InternalNote, Petition
from sharing import crypto
from sharing.models import FetchedData, FetchRequest
from tests.petitions.factories import PetitionFactory
from tests.sharing.factories import AgencyFactory, FetchRequestFactory, ItemFieldFactory

RRN = "900101-1234567"
RESIDENT_VALUES = {"name": "김민원", "rrn": RRN, "address": "서울특별시 종로구 자하문로 10"}
LAND_VALUES = {"pnu": "1111010100109410000", "land_category": "대", "area_m2": 165.3}


def resident_item():
    agency = AgencyFactory(code="mois", name_ko="행정안전부", name_en="Ministry of the Interior and Safety")
    fields = [
        ("name", "성명", "Name", "personal"),
        ("rrn", "주민등록번호", "Resident registration number", "unique_id"),
        ("address", "주소", "Address", "personal"),
        ("move_in_date", "전입일", "Move-in date", "personal"),
    ]
    for order, (key, ko, en, sensitivity) in enumerate(fields):
        field = ItemFieldFactory(
            item__code="resident_abstract",
            item__agency=agency,
            item__name_ko="주민등록표 초본",
            item__name_en="Resident registration abstract",
            key=key,
            label_ko=ko,
            label_en=en,
            sensitivity=sensitivity,
            order=order,
        )
    return field.item


def land_item():
    agency = AgencyFactory(code="molit", name_ko="국토교통부", name_en="Ministry of Land")
    fields = [
        ("pnu", "고유번호", "PNU", "ordinary"),
        ("land_category", "지목", "Land category", "ordinary"),
        ("area_m2", "면적", "Area", "ordinary"),
        ("owner_name", "소유자", "Owner", "personal"),
    ]
    for order, (key, ko, en, sensitivity) in enumerate(fields):
        field = ItemFieldFactory(
            item__code="land_register",
            item__agency=agency,
            item__name_ko="토지대장",
            item__name_en="Land register",
            item__subject_kind="parcel",
            key=key,
            label_ko=ko,
            label_en=en,
            sensitivity=sensitivity,
            order=order,
        )
    return field.item


def _mapping(code, name_ko, name_en, fields, labels, agency_ko, subject_kind="person"):
    return {
        "item_code": code,
        "item_name_ko": name_ko,
        "item_name_en": name_en,
        "replaces_ko": "",
        "replaces_en": "",
        "agency_code": "",
        "agency_name_ko": agency_ko,
        "agency_name_en": agency_ko,
        "subject_kind": subject_kind,
        "fields": fields,
        "field_labels": labels,
        "purpose_code": "P-TEST",
        "purpose_ko": "신고 내용 확인",
        "purpose_en": "Checking the report",
        "legal_basis": "건축법 제19조",
        "consent_required": False,
        "subject_source": "applicant",
        "subject_field_key": "",
    }


def snapshot() -> dict:
    return {
        "version": 1,
        "slug": "officer-test",
        "name_ko": "시험 용도변경 신고",
        "name_en": "Test use change report",
        "processing_days": 10,
        "fee": 0,
        "fields": [
            {
                "key": "reason",
                "label_ko": "변경 사유",
                "label_en": "Reason",
                "help_ko": "",
                "help_en": "",
                "type": "long_text",
                "required": True,
                "choices": [],
                "min_value": None,
                "max_value": None,
                "max_length": None,
                "pattern": "",
            },
            {
                "key": "floor_area",
                "label_ko": "면적",
                "label_en": "Area",
                "help_ko": "",
                "help_en": "",
                "type": "number",
                "required": True,
                "choices": [],
                "min_value": 1,
                "max_value": None,
                "max_length": None,
                "pattern": "",
            },
        ],
        "required_information": [
            _mapping(
                "resident_abstract",
                "주민등록표 초본",
                "Resident registration abstract",
                ["name", "rrn", "address"],
                {
                    "name": ["성명", "Name"],
                    "rrn": ["주민등록번호", "Resident registration number"],
                    "address": ["주소", "Address"],
                },
                "행정안전부",
            ),
            _mapping(
                "land_register",
                "토지대장",
                "Land register",
                ["pnu", "land_category", "area_m2"],
                {"pnu": ["고유번호", "PNU"], "land_category": ["지목", "Land category"], "area_m2": ["면적", "Area"]},
                "국토교통부",
                subject_kind="parcel",
            ),
        ],
    }


class OfficerPetitionFactory(PetitionFactory):
    """A filed petition under review in the office "jongno", due in ten working days."""

    status = Petition.Status.UNDER_REVIEW
    type_snapshot = factory.LazyAttribute(lambda _petition: snapshot())
    data = factory.LazyFunction(lambda: {"reason": "1층을 소매점으로 바꾸려 합니다.", "floor_area": 120})
    applicant_details = factory.LazyFunction(
        lambda: {
            "name": "김민원",
            "phone": "010-1234-5678",
            "email": "citizen@example.org",
            "address": "서울특별시 종로구 자하문로 10",
        }
    )
    submitted_at = factory.LazyFunction(timezone.now)
    due_date = factory.LazyFunction(lambda: add_working_days(local_today(), 10))


def fetched(petition, item, values: dict, *, subject=RRN) -> FetchRequest:
    """A fetch of the case that has arrived, stored as the sharing backbone stores it."""
    txn_id = str(uuid.uuid4())
    fetched_at = timezone.now()
    fetch = FetchRequestFactory.create(
        case_ref=petition.receipt_no,
        item=item,
        office=petition.office,
        fields=list(values),
        state="fetched",
        fetched_at=fetched_at,
        txn_id=txn_id,
        purpose_code="P-TEST",
        subject_kind=item.subject_kind,
        subject_encrypted=crypto.encrypt_text(subject),
        subject_hash=crypto.subject_hash(subject),
    )
    FetchedData.objects.create(
        fetch_request=fetch,
        agency=item.agency,
        txn_id=txn_id,
        fetched_at=fetched_at,
        fields=list(values),
        payload_encrypted=crypto.encrypt_text(json.dumps(values, ensure_ascii=False)),
    )
    return fetch


def failed(petition, item, *, code="timeout", state="failed") -> FetchRequest:
    return FetchRequestFactory.create(
        case_ref=petition.receipt_no,
        item=item,
        office=petition.office,
        fields=["pnu"],
        state=state,
        error_code=code,
        purpose_code="P-TEST",
        subject_kind=item.subject_kind,
    )


class InternalNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InternalNote

    petition = factory.SubFactory(OfficerPetitionFactory)
    author = factory.SelfAttribute("petition.assigned_to")
    text = "확인 중"
