import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from petitions import services
from petitions.models import Petition, PetitionType, SupplementRequest
from petitions.workflow import petition_transition
from sharing.models import FetchRequest
from tests.petitions.conftest import pdf_bytes
from tests.petitions.helpers import BUILDING_USE_ANSWERS, file_building_use_change

S = Petition.Status
pytestmark = pytest.mark.django_db


def test_catalogue_lists_searches_and_filters(demo_types, client):
    response = client.get(reverse("petitions:catalogue"))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('class="petitions-card"') == 8
    assert "건축물 용도변경 신고" in body

    response = client.get(reverse("petitions:catalogue"), {"q": "여권"})
    assert response.content.decode().count('class="petitions-card"') == 1
    response = client.get(reverse("petitions:catalogue"), {"category": "welfare"})
    assert "기초연금 신청" in response.content.decode()
    assert "여권 발급 신청" not in response.content.decode()
    assert client.get(reverse("petitions:catalogue"), {"category": "<script>"}).status_code == 200


def test_type_page_says_which_documents_are_not_needed(demo_types, client):
    response = client.get(reverse("petitions:type_detail", args=["building-use-change"]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "건축물대장 등본" in body  # the document it replaces
    assert "국토교통부" in body  # the owning agency
    assert "건축법 제38조" in body  # legal basis
    assert "현재 용도, 면적, 위반 여부와 소유자 확인" in body  # purpose
    assert "주용도" in body  # a fetched field
    assert client.get(reverse("petitions:type_detail", args=["no-such-type"])).status_code == 404


def test_wizard_needs_identity_first(demo_types, citizen_client):
    response = citizen_client.get(reverse("petitions:wizard_start", args=["building-use-change"]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("petitions:identity"))


def _step(petition, step):
    return reverse("petitions:wizard_step", args=[petition.petition_type.slug, petition.public_id, step])


def test_wizard_end_to_end_with_resume_after_logout(demo_types, linked_client, linked_citizen):
    start = reverse("petitions:wizard_start", args=["building-use-change"])
    assert linked_client.get(start).status_code == 200
    response = linked_client.post(start)
    petition = Petition.objects.get(applicant=linked_citizen, status=S.DRAFT)
    assert response["Location"] == _step(petition, "applicant")

    page = linked_client.get(_step(petition, "applicant")).content.decode()
    assert "900101-1******" in page and "900101-1234567" not in page
    response = linked_client.post(
        _step(petition, "applicant"),
        {"phone": "010-1234-5678", "email": "kim@example.org", "address": "서울특별시 종로구 자하문로 10"},
    )
    assert response["Location"] == _step(petition, "form")

    # Bad input: translated messages, nothing lost.
    response = linked_client.post(
        _step(petition, "form"), {**BUILDING_USE_ANSWERS, "building_id": "x", "floor_area": "0"}
    )
    assert response.status_code == 200
    assert "형식" in response.content.decode() or "expected form" in response.content.decode()

    # Log out and back in: the draft is listed and resumes where it stopped.
    linked_client.logout()
    client = Client()
    client.force_login(linked_citizen, backend="django.contrib.auth.backends.ModelBackend")
    listing = client.get(reverse("petitions:my_list")).content.decode()
    assert _step(petition, "form") in listing
    assert client.get(_step(petition, "review")).status_code == 302  # not reached yet

    response = client.post(_step(petition, "form"), BUILDING_USE_ANSWERS)
    assert response["Location"] == _step(petition, "review")  # no consent item in this type
    review = client.get(_step(petition, "review"))
    assert "1층을 소매점으로 바꾸려 합니다." in review.content.decode()
    token = review.context["form"].initial["submit_token"]

    response = client.post(_step(petition, "review"), {"submit_token": token, "confirm": "on"})
    petition.refresh_from_db()
    assert petition.status == S.COLLECTING
    assert response["Location"] == reverse("petitions:my_detail", args=[petition.receipt_no])
    # A double click: the second post lands on the same petition.
    again = client.post(_step(petition, "review"), {"submit_token": token, "confirm": "on"})
    assert again["Location"] == reverse("petitions:my_detail", args=[petition.receipt_no])
    assert Petition.objects.filter(applicant=linked_citizen).count() == 1

    detail = client.get(reverse("petitions:my_detail", args=[petition.receipt_no]))
    body = detail.content.decode()
    assert detail.status_code == 200
    assert petition.receipt_no in body
    assert "hx-get" in body and reverse("petitions:my_progress", args=[petition.receipt_no]) in body


def test_consent_step_declining_requires_an_upload(demo_types, linked_client, linked_citizen):
    petition_type = PetitionType.objects.get(slug="passport-issuance")
    draft = services.petition_draft_start(petition_type=petition_type, applicant=linked_citizen)
    services.petition_draft_update_answers(
        petition=draft, answers={"passport_type": "multiple", "pages": "26", "english_name": "KIM MINWON"}
    )
    url = _step(draft, "consent")
    page = linked_client.get(url).content.decode()
    assert "병적증명서" in page and "병역법 제76조" in page

    response = linked_client.post(
        url, {"consent_family_relation": "agree", "consent_military_service_record": "decline"}
    )
    assert response.status_code == 200
    assert "upload the document instead" in response.content.decode() or "올려" in response.content.decode()

    upload = SimpleUploadedFile("military.pdf", pdf_bytes(), content_type="application/pdf")
    response = linked_client.post(
        url,
        {
            "consent_family_relation": "agree",
            "consent_military_service_record": "decline",
            "upload_military_service_record": upload,
        },
    )
    assert response["Location"] == _step(draft, "review")
    draft.refresh_from_db()
    assert draft.consents == {"family_relation": True, "military_service_record": False}
    assert draft.uploads.get().reference == "military_service_record"

    bad = SimpleUploadedFile("evil.pdf", b"MZ not a pdf", content_type="application/pdf")
    response = linked_client.post(
        url,
        {
            "consent_family_relation": "agree",
            "consent_military_service_record": "decline",
            "upload_military_service_record": bad,
        },
    )
    assert response.status_code == 200


@pytest.fixture
def filed(demo_types, linked_citizen, official):
    petition = file_building_use_change(linked_citizen)
    petition_transition(petition=petition, to=S.UNDER_REVIEW)
    services.supplement_request(petition=petition, actor=official, message="면적 확인", field_keys=["floor_area"])
    return petition


def test_another_citizen_gets_404_everywhere(filed, linked_other_citizen):
    draft = services.petition_draft_start(petition_type=filed.petition_type, applicant=filed.applicant)
    client = Client()
    client.force_login(linked_other_citizen, backend="django.contrib.auth.backends.ModelBackend")
    no = filed.receipt_no
    for name in ("my_detail", "my_progress", "my_withdraw", "my_supplement"):
        assert client.get(reverse(f"petitions:{name}", args=[no])).status_code == 404, name
        assert client.post(reverse(f"petitions:{name}", args=[no]), {"confirm": "on"}).status_code in (404, 405), name
    for step in ("applicant", "form", "consent", "review"):
        assert client.get(_step(draft, step)).status_code == 404
        assert client.post(_step(draft, step), {}).status_code == 404
    assert (
        client.post(reverse("petitions:wizard_discard", args=[draft.petition_type.slug, draft.public_id])).status_code
        == 404
    )
    filed.refresh_from_db()
    assert filed.status == S.SUPPLEMENT_REQUESTED
    assert Petition.objects.filter(pk=draft.pk).exists()


def test_signed_out_visitors_are_sent_to_log_in(filed, client):
    response = client.get(reverse("petitions:my_detail", args=[filed.receipt_no]))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_supplement_answer_through_the_page(filed, linked_client):
    url = reverse("petitions:my_supplement", args=[filed.receipt_no])
    page = linked_client.get(url)
    assert "면적 확인" in page.content.decode()
    response = linked_client.post(url, {"floor_area": "abc"})
    assert response.status_code == 200
    response = linked_client.post(url, {"floor_area": "95", "note": "정정"})
    assert response.status_code == 302
    supplement = SupplementRequest.objects.get(petition=filed)
    assert (supplement.previous_values, supplement.new_values) == ({"floor_area": 120}, {"floor_area": 95})
    detail = linked_client.get(reverse("petitions:my_detail", args=[filed.receipt_no])).content.decode()
    assert "변경 부분 면적(㎡): 120 → 95" in detail


def test_withdrawal_needs_confirmation(filed, linked_client):
    url = reverse("petitions:my_withdraw", args=[filed.receipt_no])
    assert linked_client.post(url, {}).status_code == 200
    filed.refresh_from_db()
    assert filed.status == S.SUPPLEMENT_REQUESTED
    assert linked_client.post(url, {"confirm": "on", "reason": "필요 없어짐"}).status_code == 302
    filed.refresh_from_db()
    assert filed.status == S.WITHDRAWN


def test_progress_fragment_words_and_polling_stops(demo_types, linked_citizen, linked_client):
    petition = file_building_use_change(linked_citizen)
    url = reverse("petitions:my_progress", args=[petition.receipt_no])
    body = linked_client.get(url).content.decode()
    assert 'hx-trigger="every 3s"' in body
    assert "0 of 3" in body or "3개 중 0" in body or "0" in body

    from django.utils import timezone

    from sharing.signals import case_fetches_settled

    FetchRequest.objects.filter(case_ref=petition.receipt_no).update(state="fetched", fetched_at=timezone.now())
    case_fetches_settled.send(sender=None, case_ref=petition.receipt_no)
    body = linked_client.get(url).content.decode()
    assert "hx-trigger" not in body
    assert "국토교통부" in body


def _file_many(user, n):
    for _ in range(n):
        file_building_use_change(user)


def test_list_queries_do_not_grow(demo_types, linked_citizen, linked_client, django_assert_max_num_queries):
    _file_many(linked_citizen, 2)
    url = reverse("petitions:my_list")
    with django_assert_max_num_queries(12) as few:
        assert linked_client.get(url).status_code == 200
    _file_many(linked_citizen, 6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert linked_client.get(url).status_code == 200


def test_detail_queries_do_not_grow_with_fetches(
    demo_types, linked_citizen, linked_client, django_assert_max_num_queries
):
    small = file_building_use_change(linked_citizen)
    big = services.petition_submit(
        petition=_pension_with_everything(linked_citizen),
        actor=linked_citizen,
        submit_token=Petition.objects.get(applicant=linked_citizen, status=S.DRAFT).submit_token,
    )
    assert (
        FetchRequest.objects.filter(case_ref=big.receipt_no).count()
        > FetchRequest.objects.filter(case_ref=small.receipt_no).count()
    )
    with django_assert_max_num_queries(30) as baseline:
        assert linked_client.get(reverse("petitions:my_detail", args=[small.receipt_no])).status_code == 200
    with django_assert_max_num_queries(len(baseline.captured_queries)):
        assert linked_client.get(reverse("petitions:my_detail", args=[big.receipt_no])).status_code == 200


def _pension_with_everything(user):
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
    services.petition_draft_update_consents(
        petition=draft,
        consents={
            "family_relation": True,
            "income_certificate": True,
            "health_insurance_eligibility": True,
            "land_register": True,
        },
    )
    draft.refresh_from_db()
    return draft


def test_officials_do_not_use_citizen_pages(demo_types, official_client):
    assert official_client.get(reverse("petitions:my_list")).status_code == 404


def test_citizen_uploads_the_document_when_a_fetch_failed(
    demo_types, linked_citizen, linked_client, linked_other_citizen
):
    from sharing.documents.models import EDocument

    petition = file_building_use_change(linked_citizen)
    other = file_building_use_change(linked_other_citizen)
    failed = FetchRequest.objects.get(case_ref=petition.receipt_no, item__code="building_ledger")
    FetchRequest.objects.filter(pk=failed.pk).update(state="failed", error_code="subject_not_found")
    pending = FetchRequest.objects.get(case_ref=petition.receipt_no, item__code="land_use_plan")
    detail = reverse("petitions:my_detail", args=[petition.receipt_no])
    url = reverse("petitions:my_fetch_upload", args=[petition.receipt_no, failed.pk])
    assert url in linked_client.get(detail).content.decode()

    # Another case's fetch, or the fetch of a petition that is not yours: 404.
    foreign = FetchRequest.objects.filter(case_ref=other.receipt_no).first()
    upload = lambda: SimpleUploadedFile("ledger.pdf", pdf_bytes(), content_type="application/pdf")  # noqa: E731
    assert (
        linked_client.post(
            reverse("petitions:my_fetch_upload", args=[petition.receipt_no, foreign.pk]), {"document": upload()}
        ).status_code
        == 404
    )
    assert (
        linked_client.post(
            reverse("petitions:my_fetch_upload", args=[other.receipt_no, foreign.pk]), {"document": upload()}
        ).status_code
        == 404
    )

    # Nothing to upload for an item still being fetched.
    linked_client.post(
        reverse("petitions:my_fetch_upload", args=[petition.receipt_no, pending.pk]), {"document": upload()}
    )
    assert not petition.uploads.exists()

    response = linked_client.post(url, {"document": upload()})
    assert response.status_code == 302
    stored = petition.uploads.get()
    assert stored.reference == "building_ledger"
    assert EDocument.objects.get(pk=stored.document_id).case_ref == petition.receipt_no
    page = linked_client.get(detail).content.decode()
    assert url not in page


def test_submitting_with_missing_answers_says_what_is_missing(demo_types, linked_client, linked_citizen):
    petition_type = PetitionType.objects.get(slug="moving-in-report")
    draft = services.petition_draft_start(petition_type=petition_type, applicant=linked_citizen)
    services.petition_draft_update_step(petition=draft, next_step="review")
    url = _step(draft, "review")
    response = linked_client.post(url, {"submit_token": str(draft.submit_token), "confirm": "on"}, follow=True)
    assert response.status_code == 200
    assert "‘새 주소’을(를) 입력하지 않았습니다." in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == S.DRAFT


def test_my_petitions_come_in_pages_newest_first(demo_types, linked_citizen, linked_client, monkeypatch):
    monkeypatch.setattr("petitions.selectors.MY_PETITIONS_PAGE_SIZE", 2)
    _file_many(linked_citizen, 3)
    newest_first = list(
        Petition.objects.filter(applicant=linked_citizen)
        .exclude(status=S.DRAFT)
        .order_by("-submitted_at", "-id")
        .values_list("receipt_no", flat=True)
    )
    url = reverse("petitions:my_list")
    first = linked_client.get(url).content.decode()
    assert newest_first[0] in first and newest_first[1] in first and newest_first[2] not in first
    assert "?page=2" in first and 'aria-current="page"' in first
    second = linked_client.get(url, {"page": 2}).content.decode()
    assert newest_first[2] in second and newest_first[0] not in second and "?page=1" in second
    # A page number that is not one, or past the end, shows a page instead of failing.
    assert linked_client.get(url, {"page": "abc"}).status_code == 200
    assert newest_first[2] in linked_client.get(url, {"page": 99}).content.decode()


def test_my_petitions_escape_what_people_and_translations_write(linked_citizen, linked_client, office, monkeypatch):
    """A petition type's name and a translated text that hold markup show as text in the list."""
    from django.core.cache import caches
    from django.utils import timezone

    from petitions.templatetags import petitions_tags
    from tests.petitions.factories import PetitionFactory

    PetitionFactory(
        applicant=linked_citizen,
        petition_type__handling_office=office,
        petition_type__name_ko="<script>alert('type')</script>",
        submitted_at=timezone.now(),
    )
    real_gettext = petitions_tags._

    def gettext(message):
        if message == "Nothing to do: we are collecting the information for you.":
            return "<script>alert('translated')</script>"
        return real_gettext(message)

    monkeypatch.setattr(petitions_tags, "_", gettext)
    caches["fragments"].clear()
    content = linked_client.get(reverse("petitions:my_list")).content.decode()
    assert "<script>alert" not in content
    assert "&lt;script&gt;alert(&#x27;type&#x27;)&lt;/script&gt;" in content
    assert "&lt;script&gt;alert(&#x27;translated&#x27;)&lt;/script&gt;" in content
