"""Every text a person reads exists in both languages, data included.

The demo catalogue is filed through in full (a petition with an upload, a supplement, a re-fetch,
an approval and its documents), then each page a citizen or an official reads is rendered in
English and its text checked for Hangul, and in Korean for the Korean texts. Personal data (names,
addresses) and what people typed are not translated and are kept out of the check: the test
types English where it types, and takes the applicant's Korean name and address out of the text.
"""

import html
import json
import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from petitions import officer_services, services
from petitions.demo import PETITION_TYPES
from petitions.models import InternalNote, Petition, PetitionType, TimelineEvent
from sharing import crypto
from sharing.documents.models import DocumentRequest, EDocument
from sharing.documents.services import document_render
from sharing.models import FetchedData, FetchRequest
from tests.conftest import login_verified
from tests.factories import CITIZEN1
from tests.petitions.conftest import pdf_bytes
from tests.petitions.helpers import BUILDING_USE_ANSWERS

pytestmark = pytest.mark.django_db
S = Petition.Status

HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]+")
# A Korean registration plate has a Hangul syllable in it whatever the language (``12가3456``).
PLATE = re.compile(r"\d{2,3}[\uac00-\ud7a3]\d{4}")
SWITCHER = re.compile(r'<form[^>]*class="portal-language-switcher".*?</form>', re.S)
READ_ATTRIBUTES = re.compile(r'\s(?:alt|title|aria-label|placeholder)="([^"]*)"')
PERSONAL = [CITIZEN1.name, CITIZEN1.address]

ENGLISH_ANSWERS = {**BUILDING_USE_ANSWERS, "reason": "Turning the ground floor into a shop."}


def readable_text(page: str) -> str:
    """What a person reads on the page: its text and the attributes read out, without the
    language switcher (which names 한국어 on purpose) and without the applicant's personal data."""
    page = SWITCHER.sub("", page)
    attributes = " ".join(READ_ATTRIBUTES.findall(page))
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", page) + " " + attributes)
    for value in PERSONAL:
        text = text.replace(value, " ")
    return PLATE.sub(" ", text)


def assert_no_hangul(response, where: str) -> None:
    assert response.status_code == 200, where
    text = readable_text(response.content.decode())
    found = sorted({match.group(0) for match in HANGUL.finditer(text)})
    context = [text[max(0, m.start() - 60) : m.end() + 60].strip() for m in HANGUL.finditer(text)][:5]
    assert not found, f"{where}: Korean in the English page: {found}\n" + "\n---\n".join(context)


def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def korean(client: Client) -> Client:
    client.cookies["django_language"] = "ko"
    return client


def settle(petition: Petition) -> None:
    """Every pending fetch of the case arrives, with values a test can read in any language."""
    for fetch in FetchRequest.objects.filter(case_ref=petition.receipt_no, state__in=FetchRequest.PENDING_STATES):
        values = {key: f"value of {key}" for key in fetch.fields}
        fetch.state = FetchRequest.State.FETCHED
        fetch.fetched_at = timezone.now()
        fetch.txn_id = str(uuid.uuid4())
        fetch.subject_encrypted = crypto.encrypt_text("900101-1234567")
        fetch.save()
        FetchedData.objects.update_or_create(
            fetch_request=fetch,
            defaults={
                "agency": fetch.item.agency,
                "txn_id": fetch.txn_id,
                "fetched_at": fetch.fetched_at,
                "fields": list(values),
                "payload_encrypted": crypto.encrypt_text(json.dumps(values)),
            },
        )
    services.petition_fetches_settled(case_ref=petition.case_ref)


def render_documents() -> None:
    for request in DocumentRequest.objects.filter(state=DocumentRequest.State.PENDING):
        document_render(document_request_id=request.pk)


@pytest.fixture
def people(linked_citizen, official):
    linked_citizen.full_name = "Kim Minwon"
    linked_citizen.save(update_fields=["full_name"])
    official.full_name = "Park Officer"
    official.save(update_fields=["full_name"])
    return {"citizen": linked_citizen, "official": official}


@pytest.fixture
def decided(demo_types, people, isolated_media):
    """A building use change filed in Korean, fetched, re-fetched, supplemented (a corrected area
    and use, a document) and approved, with its receipt, notices and attachments issued."""
    citizen, official = people["citizen"], people["official"]
    petition_type = PetitionType.objects.get(slug="building-use-change")
    draft = services.petition_draft_start(petition_type=petition_type, applicant=citizen)
    services.petition_draft_update_applicant(
        petition=draft, phone="010-1234-5678", email="a@example.org", address=CITIZEN1.address
    )
    services.petition_draft_update_answers(petition=draft, answers=ENGLISH_ANSWERS)
    draft.refresh_from_db()
    petition = services.petition_submit(petition=draft, actor=citizen, submit_token=draft.submit_token)
    settle(petition)
    officer_services.petition_claim(petition=petition, actor=official)
    item_code = petition.type_snapshot["required_information"][0]["item_code"]
    officer_services.petition_refetch(petition=petition, item_code=item_code, actor=official)
    settle(petition)
    petition.refresh_from_db()
    officer_services.petition_supplement_request(
        petition=petition,
        actor=official,
        message="Please check the floor area and the new use.",
        field_keys=["floor_area", "new_use"],
        documents_requested=True,
        due_date=timezone.localdate() + timezone.timedelta(days=10),
    )
    supplement = petition.supplements.get()
    services.supplement_respond(
        supplement=supplement,
        actor=citizen,
        answers={"floor_area": 130, "new_use": "neighbourhood_2"},
        documents=[SimpleUploadedFile("floor-plan.pdf", pdf_bytes(), content_type="application/pdf")],
        note="Corrected.",
    )
    petition.refresh_from_db()
    officer_services.petition_approve(petition=petition, actor=official, decision="Approved as reported.")
    render_documents()
    petition.refresh_from_db()
    return petition


def test_catalogue_and_every_type_page_read_in_english(demo_types, client):
    english(client)
    assert_no_hangul(client.get(reverse("petitions:catalogue")), "catalogue")
    for spec in PETITION_TYPES:
        assert_no_hangul(client.get(reverse("petitions:type_detail", args=[spec["slug"]])), spec["slug"])


def test_type_page_in_korean_shows_the_korean_texts(demo_types, client):
    body = korean(client).get(reverse("petitions:type_detail", args=["building-use-change"])).content.decode()
    assert "건축법 제38조" in body and "Building Act" not in body
    english_body = english(client).get(reverse("petitions:type_detail", args=["building-use-change"])).content.decode()
    assert "Building Act, Article 38" in english_body


def test_every_wizard_step_reads_in_english(demo_types, people, linked_client):
    english(linked_client)
    citizen = people["citizen"]
    for spec in PETITION_TYPES:
        slug = spec["slug"]
        assert_no_hangul(linked_client.get(reverse("petitions:wizard_start", args=[slug])), f"{slug} start")
        draft = services.petition_draft_start(petition_type=PetitionType.objects.get(slug=slug), applicant=citizen)
        services.petition_draft_update_applicant(
            petition=draft, phone="010-1234-5678", email="a@example.org", address=CITIZEN1.address
        )
        services.petition_draft_update_step(petition=draft, next_step="review")
        for step in ("applicant", "form", "consent", "review"):
            response = linked_client.get(
                reverse("petitions:wizard_step", args=[slug, draft.public_id, step]), follow=True
            )
            assert_no_hangul(response, f"{slug} {step}")


def test_consent_step_shows_the_legal_basis_in_the_readers_language(demo_types, people, linked_client):
    draft = services.petition_draft_start(
        petition_type=PetitionType.objects.get(slug="basic-pension"), applicant=people["citizen"]
    )
    services.petition_draft_update_step(petition=draft, next_step="review")
    url = reverse("petitions:wizard_step", args=["basic-pension", draft.public_id, "consent"])
    assert "Basic Pension Act, Article 11" in english(linked_client).get(url).content.decode()
    assert "기초연금법 제11조" in korean(linked_client).get(url).content.decode()


def test_my_petition_and_its_documents_read_in_english(decided, linked_client):
    english(linked_client)
    assert_no_hangul(linked_client.get(reverse("petitions:my_list")), "my petitions")
    detail = linked_client.get(reverse("petitions:my_detail", args=[decided.receipt_no]))
    assert_no_hangul(detail, "my petition")
    body = detail.content.decode()
    assert "All information has been collected." in body  # the timeline
    assert f"Receipt {decided.receipt_no}" in body and f"Result notice {decided.receipt_no}" in body
    assert f"Supplement notice {decided.receipt_no}" in body
    assert_no_hangul(linked_client.get(reverse("petitions:my_progress", args=[decided.receipt_no])), "progress")


def test_my_petition_in_korean_shows_the_korean_texts(decided, linked_client):
    body = korean(linked_client).get(reverse("petitions:my_detail", args=[decided.receipt_no])).content.decode()
    assert "필요한 정보를 모두 받았습니다." in body
    assert f"접수증 {decided.receipt_no}" in body and f"처리결과 통지서 {decided.receipt_no}" in body


def test_officer_review_and_queue_read_in_english(decided, official, people):
    client = english(login_verified(Client(), official))
    review = client.get(reverse("officer:review", args=[decided.receipt_no]))
    assert_no_hangul(review, "officer review")
    body = review.content.decode()
    assert "Park Officer took this petition." in body
    assert "asked Ministry of the Interior and Safety again for" in body
    assert f"Supplement to {decided.receipt_no}" in body  # the attachment's title
    assert_no_hangul(client.get(reverse("officer:workspace"), {"status": "all"}), "officer queue")

    korean_body = korean(client).get(reverse("officer:review", args=[decided.receipt_no])).content.decode()
    assert "Park Officer 님이 이 민원을 맡았습니다." in korean_body
    assert "행정안전부에" in korean_body
    assert f"{decided.receipt_no} 보완 서류" in korean_body


def test_documents_are_titled_in_both_languages_and_their_pdf_in_the_petitions(decided):
    receipt = EDocument.objects.get(case_ref=decided.receipt_no, kind="receipt")
    assert (receipt.title, receipt.title_en) == (f"접수증 {decided.receipt_no}", f"Receipt {decided.receipt_no}")
    assert receipt.title_in("en") == f"Receipt {decided.receipt_no}"
    assert receipt.title_in("ko") == f"접수증 {decided.receipt_no}"
    from pypdf import PdfReader

    with receipt.file.open("rb") as handle:
        metadata = PdfReader(handle).metadata
    assert metadata.title == f"접수증 {decided.receipt_no}"  # the petition was filed in Korean


def test_timeline_and_internal_notes_are_stored_as_messages(decided):
    event = TimelineEvent.objects.get(petition=decided, note_key="information_collected")
    assert event.note == "필요한 정보를 모두 받았습니다."
    refetch = InternalNote.objects.get(petition=decided, kind=InternalNote.Kind.REFETCH)
    assert refetch.text_key == "refetch"
    assert refetch.text_params["agency"] == {"ko": "행정안전부", "en": "Ministry of the Interior and Safety"}


def test_officials_supplement_history_shows_the_forms_labels_and_values(decided, official):
    """Not ``floor_area: 120 → 130``: the labels the citizen saw and the values as the form shows
    them (a number with its separators, a choice by its label), in the reader's language."""
    client = login_verified(Client(), official)
    body = english(client).get(reverse("officer:review", args=[decided.receipt_no])).content.decode()
    assert "Area changed (m²): 120 → 130" in body
    assert "New use: Class 1 neighbourhood facility → Class 2 neighbourhood facility" in body
    assert "floor_area:" not in body and "neighbourhood_2" not in body.replace('value="neighbourhood_2"', "")

    body = korean(client).get(reverse("officer:review", args=[decided.receipt_no])).content.decode()
    assert "변경 부분 면적(㎡): 120 → 130" in body
    assert "변경할 용도: 제1종 근린생활시설 → 제2종 근린생활시설" in body


def test_a_document_for_an_english_reader_has_its_english_title_in_the_pdf(office, citizen, isolated_media):
    from pypdf import PdfReader

    from sharing.documents.services import document_request

    request = document_request(
        kind="receipt",
        case_ref="2026-0000099",
        owner=citizen,
        issuing_office=office,
        template_name="documents/receipt.html",
        context={},
        language="en",
        title="접수증 2026-0000099",
        title_en="Receipt 2026-0000099",
        idempotency_key="test-english-receipt",
    )
    document = document_render(document_request_id=request.pk)
    with document.file.open("rb") as handle:
        reader = PdfReader(handle)
        assert reader.metadata.title == "Receipt 2026-0000099"
        assert "Receipt 2026-0000099" in reader.pages[0].extract_text()
    with override("ko"):
        assert document.display_title == "접수증 2026-0000099"


def test_the_admins_timeline_reads_in_the_admins_language(decided, admin_client_verified):
    url = reverse("admin:petitions_petition_change", args=[decided.pk])
    assert "All information has been collected." in english(admin_client_verified).get(url).content.decode()
    assert "필요한 정보를 모두 받았습니다." in korean(admin_client_verified).get(url).content.decode()


def test_officer_review_with_its_decision_forms_reads_in_english(demo_types, people, official, linked_client):
    """Before the decision: the fetched panels, the supplement form's list of answers and the
    other decision forms."""
    citizen = people["citizen"]
    draft = services.petition_draft_start(
        petition_type=PetitionType.objects.get(slug="building-use-change"), applicant=citizen
    )
    services.petition_draft_update_applicant(
        petition=draft, phone="010-1234-5678", email="a@example.org", address=CITIZEN1.address
    )
    services.petition_draft_update_answers(petition=draft, answers=ENGLISH_ANSWERS)
    draft.refresh_from_db()
    petition = services.petition_submit(petition=draft, actor=citizen, submit_token=draft.submit_token)
    settle(petition)
    officer_services.petition_claim(petition=petition, actor=official)
    client = english(login_verified(Client(), official))
    review = client.get(reverse("officer:review", args=[petition.receipt_no]))
    assert_no_hangul(review, "officer review before the decision")
    body = review.content.decode()
    assert "Area changed (m²)" in body and "Send the supplement request" in body
    assert "Current use, area, violations and owner" in body  # a purpose of the petition type

    officer_services.petition_supplement_request(
        petition=petition,
        actor=official,
        message="Please check the area.",
        field_keys=["floor_area", "new_use"],
        documents_requested=True,
        due_date=timezone.localdate() + timezone.timedelta(days=10),
    )
    english(linked_client)
    assert_no_hangul(
        linked_client.get(reverse("petitions:my_supplement", args=[petition.receipt_no])),
        "the citizen's supplement page",
    )
    assert_no_hangul(
        linked_client.get(reverse("petitions:my_detail", args=[petition.receipt_no])),
        "my petition with a supplement requested",
    )
    assert_no_hangul(linked_client.get(reverse("petitions:my_withdraw", args=[petition.receipt_no])), "withdrawal")
