"""One date format everywhere, the units on the savings page, and the header every page shares
(issues 13 and 14)."""

import datetime
import re
from pathlib import Path

import pytest
from django.template import engines
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_templates_format_dates_only_through_the_portal_filters():
    """Django's ``date`` filter with a format of its own is how both 2026-12-6 and 2026-12-06 (and
    2026년 12월 6일) came to be shown; only the machine-readable ISO form ('c') stays allowed."""
    offenders = []
    for path in TEMPLATES.rglob("*"):
        if path.is_file() and path.suffix in {".html", ".txt"}:
            for match in re.finditer(r"\|\s*date(?::\s*(['\"])(.*?)\1)?", path.read_text(encoding="utf-8")):
                if match.group(2) != "c":
                    offenders.append(f"{path.relative_to(TEMPLATES)}: {match.group(0)}")
    assert offenders == []


@pytest.mark.parametrize("language", ["ko", "en"])
def test_dates_are_zero_padded_and_the_same_in_every_language(language):
    template = engines["django"].from_string(
        "{% load portal_dates %}{{ day|local_date }} {{ moment|local_datetime }} {{ moment|local_datetime_seconds }}"
    )
    moment = datetime.datetime(2026, 3, 6, 9, 5, 7, tzinfo=timezone.get_current_timezone())
    with translation.override(language):
        assert template.render({"day": datetime.date(2026, 3, 6), "moment": moment}) == (
            "2026-03-06 2026-03-06 09:05 2026-03-06 09:05:07"
        )


def test_a_draft_and_a_document_show_zero_padded_dates(citizen_client, citizen):
    from sharing.documents.models import EDocument  # noqa: F401 (the app is installed)

    template = engines["django"].from_string('{% include "documents/includes/document_link.html" %}')
    issued = datetime.datetime(2026, 12, 6, 9, 5, tzinfo=timezone.get_current_timezone())

    class Issued:
        public_id = "00000000-0000-0000-0000-000000000000"
        title = "접수증"
        media_type = "application/pdf"
        size = 1000
        issued_at = issued
        is_superseded = False
        display_code = "ABCD-EFGH"

        def get_kind_display(self):
            return "접수증"

    class Document:
        is_issued = True
        document = Issued()

    html = template.render({"document": Document()})
    assert "2026-12-06 09:05" in html and "2026-12-6" not in html


def test_the_savings_page_gives_every_figure_its_unit(client):
    page = client.get(reverse("tracker:stats")).content.decode()
    values = re.findall(r'<strong class="tracker-kpi-value">(.*?)</strong>', page, re.S)
    assert len(values) == 7
    for value in values[:2]:
        assert re.fullmatch(r"[\d,]+건", value.strip()), value
    assert values[2].strip().endswith("원") and values[3].strip().endswith("시간")
    assert values[4].strip().endswith("kg CO₂")
    headers = re.findall(r'<th scope="col">(.*?)</th>', page)
    assert "서류 1건당(원)" in headers and "합계(원)" in headers
    assert "신청 민원(건)" in headers and "제출하지 않은 서류(건)" in headers


def _pc_menu(html):
    return re.search(r'<ul class="gnb-menu">(.*?)</ul>', html, re.S).group(1)


def _mobile_menu(html):
    return re.search(r'<div id="mobile-nav".*?<button type="button" id="close-nav"', html, re.S).group(0)


def test_every_page_has_the_masthead_in_the_banner_a_favicon_and_an_all_menus_button(citizen_client):
    html = citizen_client.get(reverse("petitions:catalogue")).content.decode()
    header = re.search(r'<header id="krds-header">(.*?)</header>', html, re.S).group(1)
    assert 'id="krds-masthead"' in header
    assert re.search(r'<link rel="icon" href="[^"]+favicon[^"]*\.svg"', html)
    assert re.search(
        r'<button type="button" class="btn-navi all" aria-controls="mobile-nav" aria-expanded="false">'
        r"전체메뉴</button>",
        html,
    )


@pytest.mark.parametrize(
    "name, marked",
    [
        ("home", "홈"),
        ("petitions:catalogue", "민원"),
        ("petitions:my_list", "나의 민원"),
        ("tracker:stats", "공동이용 절감 효과"),
        ("petitions:identity", None),
    ],
)
def test_only_the_current_page_is_marked_in_both_menus(citizen_client, name, marked):
    html = citizen_client.get(reverse(name)).content.decode()
    pc = re.findall(r'<a [^>]*aria-current="page"[^>]*>(.*?)</a>', _pc_menu(html))
    assert pc == ([marked] if marked else [])
    assert len(re.findall(r'class="[^"]*\bactive\b', _pc_menu(html))) == len(pc)
    mobile = re.findall(r'<a [^>]*aria-current="page"[^>]*>(.*?)</a>', _mobile_menu(html))
    assert len(mobile) == (1 if marked or name == "petitions:identity" else 0)


def test_an_official_sees_the_workspace_marked(official_client):
    html = official_client.get(reverse("officer:workspace")).content.decode()
    assert re.findall(r'<a [^>]*aria-current="page"[^>]*>(.*?)</a>', _pc_menu(html)) == ["업무 화면"]


def test_the_language_switcher_appears_in_both_menus_without_duplicate_ids():
    html = Client().get(reverse("home")).content.decode()
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    assert html.count('data-testid="language-en"') == 1
