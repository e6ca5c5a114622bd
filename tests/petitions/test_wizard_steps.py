"""The filing wizard's step indicator, first step and consent errors (issues 13 and 14)."""

import re

import pytest
from django.urls import reverse

from petitions import services
from petitions.models import PetitionType


def _step(petition, step):
    return reverse("petitions:wizard_step", args=[petition.petition_type.slug, petition.public_id, step])


def _draft(citizen, slug, *, answers=None):
    draft = services.petition_draft_start(petition_type=PetitionType.objects.get(slug=slug), applicant=citizen)
    services.petition_draft_update_applicant(
        petition=draft, phone="010-1234-5678", email="a@example.org", address="서울특별시 종로구 자하문로 10"
    )
    if answers is not None:
        services.petition_draft_update_answers(petition=draft, answers=answers)
    draft.refresh_from_db()
    return draft


def _steps(html: str) -> list[str]:
    indicator = re.search(r'<ol class="krds-step-wrap petitions-steps">(.*?)</ol>', html, re.S)
    assert indicator is not None
    return [re.sub(r"<[^>]+>", "", t).strip() for t in re.findall(r'class="step-tit"[^>]*>(.*?)</', indicator.group(1))]


def test_the_start_page_has_a_heading_and_the_types_steps(demo_types, linked_client):
    page = linked_client.get(reverse("petitions:wizard_start", args=["passport-issuance"])).content.decode()
    assert re.search(r"<h1[^>]*>\s*신청 안내\s*</h1>", page)
    assert _steps(page) == ["신청 안내", "신청인", "신청 내용", "정보 조회 동의", "확인 및 신청"]
    assert "전체 5단계 중 1단계: 신청 안내" in page


def test_a_type_without_consent_has_no_consent_step_and_no_gap(demo_types, linked_client, linked_citizen):
    page = linked_client.get(reverse("petitions:wizard_start", args=["building-use-change"])).content.decode()
    assert _steps(page) == ["신청 안내", "신청인", "신청 내용", "확인 및 신청"]
    assert "전체 4단계 중 1단계: 신청 안내" in page
    assert "정보 조회 동의" not in page

    from tests.petitions.helpers import BUILDING_USE_ANSWERS

    draft = _draft(linked_citizen, "building-use-change")
    response = linked_client.post(_step(draft, "form"), BUILDING_USE_ANSWERS)
    assert response["Location"] == _step(draft, "review")
    review = linked_client.get(_step(draft, "review")).content.decode()
    assert "전체 4단계 중 4단계: 확인 및 신청" in review
    assert _steps(review) == ["신청 안내", "신청인", "신청 내용", "확인 및 신청"]


def test_every_step_link_of_a_draft_answers_200(demo_types, linked_client, linked_citizen):
    draft = _draft(
        linked_citizen,
        "passport-issuance",
        answers={"passport_type": "multiple", "pages": "26", "english_name": "KIM MINWON"},
    )
    page = linked_client.get(_step(draft, "consent")).content.decode()
    indicator = re.search(r'<nav aria-label="신청 단계"[^>]*>(.*?)</nav>', page, re.S).group(1)
    links = re.findall(r'<a href="([^"]+)" class="step-tit"', indicator)
    assert links == [_step(draft, "notes"), _step(draft, "applicant"), _step(draft, "form")]
    for link in links:
        assert linked_client.get(link).status_code == 200, link
    notes = linked_client.get(_step(draft, "notes")).content.decode()
    assert re.search(r"<h1[^>]*>\s*신청 안내\s*</h1>", notes)
    assert f'href="{_step(draft, "applicant")}"' in notes  # on to the next step, not a new draft


def test_the_notes_step_of_someone_elses_draft_is_404(demo_types, linked_citizen, linked_other_citizen):
    from django.test import Client

    draft = _draft(linked_citizen, "passport-issuance")
    other = Client()
    other.force_login(linked_other_citizen, backend="django.contrib.auth.backends.ModelBackend")
    assert other.get(_step(draft, "notes")).status_code == 404


def test_consent_errors_are_tied_to_the_radios_and_summarised(demo_types, linked_client, linked_citizen):
    draft = _draft(
        linked_citizen,
        "passport-issuance",
        answers={"passport_type": "multiple", "pages": "26", "english_name": "KIM MINWON"},
    )
    response = linked_client.post(_step(draft, "consent"), {"consent_family_relation": ""})  # nothing chosen
    assert response.status_code == 200
    page = response.content.decode()
    summary = re.search(
        r'<div class="krds-critical-alert form-errors" tabindex="-1" data-error-summary.*?</div>', page, re.S
    ).group(0)
    assert 'href="#id_consent_family_relation_0"' in summary
    assert 'href="#id_consent_military_service_record_0"' in summary
    for code in ("family_relation", "military_service_record"):
        error_id = f"id_consent_{code}_error"
        # The error is styled as one (KRDS styles .form-hint-invalid inside .form-group).
        assert re.search(
            rf'<div class="form-group petitions-consent-choice">.*?<p class="form-hint-invalid" id="{error_id}">',
            page,
            re.S,
        )
        for radio in re.findall(rf'<input type="radio" name="consent_{code}"[^>]*>', page):
            assert 'aria-invalid="true"' in radio and f'aria-describedby="{error_id}"' in radio
        assert re.search(
            rf'role="radiogroup" aria-labelledby="id_consent_{code}_question" aria-required="true" '
            rf'aria-invalid="true" aria-describedby="{error_id}"',
            page,
        )


def test_crispy_forms_summarise_their_errors_and_mark_choice_fields(demo_types, linked_client, linked_citizen):
    draft = _draft(linked_citizen, "passport-issuance")
    page = linked_client.post(_step(draft, "form"), {"english_name": "kim"}).content.decode()
    assert "data-error-summary" in page
    assert 'href="#id_passport_type_0"' in page and 'href="#id_english_name"' in page
    for radio in re.findall(r'<input type="radio" name="passport_type"[^>]*>', page):
        assert 'aria-invalid="true"' in radio and 'aria-describedby="id_passport_type_error"' in radio


@pytest.mark.parametrize("slug", ["passport-issuance", "building-use-change"])
def test_the_start_page_says_only_the_steps_of_the_type(demo_types, linked_client, slug):
    page = linked_client.get(reverse("petitions:wizard_start", args=[slug])).content.decode()
    says_consent = "동의가 필요한 정보의 조회 동의 여부를 선택합니다." in page
    assert says_consent == (slug == "passport-issuance")
