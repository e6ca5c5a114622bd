"""Rows written before texts were kept in both languages are carried over by the migrations:
notes the portal wrote become message keys, titles and legal bases get their English."""

import importlib

import pytest
from django.apps import apps
from django.utils.translation import override

from petitions.models import InternalNote, PetitionUpload, RequiredInformation, TimelineEvent
from sharing.documents.models import DocumentRequest, EDocument
from sharing.documents.titles import legacy_title
from sharing.models import InformationItem
from tests.officer.factories import OfficerPetitionFactory

pytestmark = pytest.mark.django_db

petitions_0005 = importlib.import_module("petitions.migrations.0005_english_texts")
sharing_0004 = importlib.import_module("sharing.migrations.0004_english_texts")
documents_0003 = importlib.import_module("sharing.documents.migrations.0003_english_titles")


def test_notes_written_as_text_become_messages_in_the_readers_language(demo_types, office, official):
    petition = OfficerPetitionFactory(petition_type__handling_office=office)
    collected_en = TimelineEvent.objects.create(
        petition=petition, to_status="under_review", note="All information has been collected."
    )
    collected_ko = TimelineEvent.objects.create(
        petition=petition, to_status="under_review", note="필요한 정보를 모두 받았습니다."
    )
    written = TimelineEvent.objects.create(petition=petition, to_status="rejected", note="서류가 맞지 않습니다.")
    refetch = InternalNote.objects.create(
        petition=petition,
        author=official,
        kind="refetch",
        text="박담당 님이 행정안전부에 ‘주민등록표 초본’을(를) 다시 요청했습니다.",
    )
    assigned = InternalNote.objects.create(
        petition=petition, author=official, kind="assignment", text="Choi assigned this petition to Park."
    )

    petitions_0005.notes_as_messages(apps, None)

    for event in (collected_en, collected_ko):
        event.refresh_from_db()
        assert event.note_key == "information_collected" and event.note == "필요한 정보를 모두 받았습니다."
        with override("en"):
            assert event.note_text == "All information has been collected."
    written.refresh_from_db()
    assert written.note_key == "" and written.note_text == "서류가 맞지 않습니다."
    refetch.refresh_from_db()
    assert refetch.text_key == "refetch"
    with override("en"):
        assert (
            refetch.text_shown
            == "박담당 asked Ministry of the Interior and Safety again for “Resident registration abstract”."
        )
    with override("ko"):
        assert refetch.text_shown == "박담당 님이 행정안전부에 ‘주민등록표 초본’을(를) 다시 요청했습니다."
    assigned.refresh_from_db()
    assert (assigned.text_key, assigned.text_params) == ("assigned", {"actor": "Choi", "name": "Park"})
    with override("ko"):
        assert assigned.text_shown == "Choi 님이 이 민원을 Park 님에게 배정했습니다."


def test_titles_and_legal_bases_get_their_english(demo_types, office):
    item = InformationItem.objects.get(code="resident_abstract")
    InformationItem.objects.filter(pk=item.pk).update(legal_basis_en="")
    RequiredInformation.objects.filter(item=item).update(legal_basis_en="")
    petition = OfficerPetitionFactory(petition_type__handling_office=office)
    upload = PetitionUpload.objects.create(
        petition=petition, purpose="declined_item", reference="resident_abstract", title="주민등록표 초본"
    )
    request = DocumentRequest.objects.create(
        kind="receipt",
        title="Receipt 2026-0000042",
        case_ref="2026-0000042",
        owner=petition.applicant,
        issuing_office=office,
        template_name="documents/receipt.html",
        language="en",
        idempotency_key="old-receipt",
    )

    sharing_0004.fill_english_legal_bases(apps, None)
    petitions_0005.english_titles_and_bases(apps, None)
    documents_0003.fill_english_titles(apps, None)

    item.refresh_from_db()
    assert item.legal_basis_en == "Resident Registration Act, Article 29; Electronic Government Act, Article 36"
    assert {m.legal_basis_en for m in RequiredInformation.objects.filter(item=item)} == {item.legal_basis_en}
    upload.refresh_from_db()
    assert upload.title_en == "Resident registration abstract"
    request.refresh_from_db()
    assert (request.title, request.title_en) == ("접수증 2026-0000042", "Receipt 2026-0000042")


def test_documents_issued_before_keep_their_row_and_read_in_the_readers_language():
    """Issued e-documents are immutable: a title the portal wrote is recognised when shown."""
    document = EDocument(title="처리결과 통지서 2026-0000007", title_en=None, case_ref="2026-0000007")
    with override("en"):
        assert document.display_title == "Result notice 2026-0000007"
        assert legacy_title("floor-plan.pdf", case_ref="2026-0000007") == "floor-plan.pdf"
    with override("ko"):
        assert document.display_title == "처리결과 통지서 2026-0000007"
    assert (
        EDocument(title="접수증 2026-0000007", title_en="", case_ref="2026-0000007").title_in("en")
        == "접수증 2026-0000007"
    )  # no English title: Korean


def test_issued_documents_stay_immutable_below_the_orm_after_the_title_column(office, citizen, isolated_media):
    """The new column is added without rebuilding the table, so the database's guard against
    changing an issued document (sharing/documents/migrations/0002) is still there."""
    from django.db import DatabaseError, connection, transaction

    from tests.documents.factories import issued_document

    document = issued_document(owner=citizen, office=office)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE documents_edocument SET title_en = 'Changed' WHERE id = %s", [document.pk])
