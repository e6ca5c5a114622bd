"""The catalogue pages' content is cached per version of the catalogue: a second visit reads no
petition type, and any change to what the pages show is visible on the next visit."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from petitions import catalogue_cache
from petitions.models import FormField, PetitionType, RequiredInformation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    catalogue_cache._local.clear()
    yield
    cache.clear()
    catalogue_cache._local.clear()


def _petition_queries(client, url) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), sum("petitions_" in q["sql"] for q in queries.captured_queries)


def _without_tokens(html: str) -> str:
    """The page without its CSRF tokens (masked anew for every response)."""
    return re.sub(r'"X-CSRFToken": "[^"]+"|name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_catalogue_is_read_once_then_served_from_the_cache(demo_types, client):
    first, queries = _petition_queries(client, reverse("petitions:catalogue"))
    assert queries > 0
    again, queries = _petition_queries(client, reverse("petitions:catalogue"))
    assert queries == 0
    assert _without_tokens(again) == _without_tokens(first)
    # Another category or search is another entry.
    body, queries = _petition_queries(client, reverse("petitions:catalogue") + "?category=welfare")
    assert queries > 0 and "기초연금 신청" in body and "여권 발급 신청" not in body


def test_a_change_to_a_type_shows_at_once(demo_types, client):
    catalogue = reverse("petitions:catalogue")
    page = reverse("petitions:type_detail", args=["passport-issuance"])
    assert "여권 발급 신청" in client.get(catalogue).content.decode()
    assert "여권 발급 신청" in client.get(page).content.decode()

    passport = PetitionType.objects.get(slug="passport-issuance")
    passport.name_ko = "여권 발급 신청(개정)"
    passport.save()
    assert "여권 발급 신청(개정)" in client.get(catalogue).content.decode()
    assert "<title>여권 발급 신청(개정)" in client.get(page).content.decode()

    field = FormField.objects.filter(petition_type=passport).first()
    field.label_ko = "바뀐 항목 이름"
    field.save()
    assert "바뀐 항목 이름" in client.get(page).content.decode()

    RequiredInformation.objects.filter(petition_type=passport).first().delete()
    assert client.get(page).status_code == 200

    passport.active = False
    passport.save()
    assert "여권 발급 신청(개정)" not in client.get(catalogue).content.decode()
    assert client.get(page).status_code == 404


def test_the_language_is_part_of_the_entry(demo_types, client):
    korean = client.get(reverse("petitions:catalogue")).content.decode()
    client.cookies["django_language"] = "en"
    english = client.get(reverse("petitions:catalogue"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "여권 발급 신청" in korean
    assert "Passport issuance" in english and "여권 발급 신청" not in english


def test_every_cache_of_catalogue_content_is_kept_per_language(demo_types, linked_citizen, linked_client, official):
    """Korean, English, Korean again on each page whose catalogue content is cached (the type
    page, the wizard's snapshot of the type, the officer queue's type filter and its rendered
    form): a cached Korean entry is never shown to an English reader, nor the reverse."""
    from django.test import Client

    from petitions import services
    from tests.conftest import login_verified

    draft = services.petition_draft_start(
        petition_type=PetitionType.objects.get(slug="basic-pension"), applicant=linked_citizen
    )
    services.petition_draft_update_step(petition=draft, next_step="review")
    officer = login_verified(Client(), official)
    pages = [
        (
            linked_client,
            reverse("petitions:type_detail", args=["basic-pension"]),
            "기초연금법 제11조",
            "Basic Pension Act, Article 11",
        ),
        (
            linked_client,
            reverse("petitions:wizard_step", args=["basic-pension", draft.public_id, "consent"]),
            "기초연금법 제11조",
            "Basic Pension Act, Article 11",
        ),
        (
            linked_client,
            reverse("petitions:wizard_step", args=["basic-pension", draft.public_id, "review"]),
            "국민건강보험공단",
            "National Health Insurance Service",
        ),
        (officer, reverse("officer:workspace"), "기초연금 신청", "Basic pension application"),
    ]
    for language in ("ko", "en", "ko", "en"):
        for client, url, korean, english in pages:
            client.cookies["django_language"] = language
            body = client.get(url).content.decode()
            shown, hidden = (korean, english) if language == "ko" else (english, korean)
            assert shown in body and hidden not in body, (language, url)
