"""Who viewed my information: a citizen sees every entry about them and nothing about anyone else;
a concern goes to the office's privacy officer, whose answer reaches the citizen."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sharing import audit, crypto
from sharing.models import AccessLogEntry
from sharing.tracker.models import PrivacyInquiry
from tests.conftest import login_verified
from tests.factories import CITIZEN1, CITIZEN2, OfficialFactory
from tests.tracker.factories import PrivacyOfficerFactory

URL = "/my/data-access/"


def log(
    rrn,
    *,
    office=None,
    actor=None,
    action="viewed",
    item_code="resident_abstract",
    case_ref="2026-0000001",
    fields=("name", "address"),
    purpose="P-PARKING",
    detail="",
):
    return audit.log_personal_data_access(
        action=action,
        subject_hash=crypto.subject_hash(rrn),
        case_ref=case_ref,
        office=office,
        actor=actor,
        item_code=item_code,
        fields=list(fields),
        purpose=purpose,
        detail=detail,
    )


@pytest.fixture
def entries(catalogue, office, other_office, official):
    """Five entries about citizen 1 (two offices, two agencies), two about citizen 2."""
    mine = [
        log(CITIZEN1.rrn, office=office, action="fetched", item_code="resident_abstract", case_ref="2026-0000001"),
        log(CITIZEN1.rrn, office=office, actor=official, item_code="resident_abstract", case_ref="2026-0000001"),
        log(
            CITIZEN1.rrn,
            office=office,
            actor=official,
            action="revealed",
            item_code="vehicle_registration",
            fields=("owner_rrn",),
            case_ref="2026-0000001",
            detail="revealed owner_rrn: identity check",
        ),
        log(
            CITIZEN1.rrn,
            office=other_office,
            action="fetched",
            item_code="tax_payment_certificate",
            case_ref="2026-0000007",
            purpose="P-LAND-DEAL",
        ),
        log(
            CITIZEN1.rrn,
            office=other_office,
            actor=official,
            action="downloaded",
            item_code="",
            case_ref="2026-0000007",
            fields=(),
            purpose="attachment",
        ),
    ]
    theirs = [
        log(CITIZEN2.rrn, office=other_office, action="fetched", item_code="resident_copy", case_ref="2026-0000009"),
        log(CITIZEN2.rrn, office=other_office, actor=official, item_code="resident_copy", case_ref="2026-0000009"),
    ]
    return mine, theirs


def test_the_citizen_sees_their_entries_newest_first_with_names(linked_client, entries, official):
    mine, _theirs = entries
    response = linked_client.get(URL)
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row.entry.sequence for row in rows] == [entry.sequence for entry in reversed(mine)]
    html = response.content.decode()
    assert "주민등록표 초본" in html and "행정안전부" in html  # item and owning agency
    assert "성명" in html and "주소" in html  # field labels
    assert "거주자 우선주차 신청 심사" in html  # the purpose's name
    assert official.display_name in html and official.staff_number in html
    assert "2026-0000009" not in html
    assert "no-store" in response["Cache-Control"]


def test_another_citizens_entries_are_never_shown_whatever_the_url(linked_client, other_client, entries):
    mine, theirs = entries
    # Their case reference in the filter: not a choice, nothing of theirs.
    response = linked_client.get(URL, {"case_ref": "2026-0000009"})
    assert response.status_code == 400
    assert all(row.entry.subject_hash == crypto.subject_hash(CITIZEN1.rrn) for row in response.context["rows"])
    # Their entry by number: 404 on the concern page, for reading and for posting.
    for entry in theirs:
        assert linked_client.get(reverse("tracker:concern", args=[entry.sequence])).status_code == 404
        assert (
            linked_client.post(reverse("tracker:concern", args=[entry.sequence]), {"message": "?"}).status_code == 404
        )
    assert linked_client.get(reverse("tracker:concern", args=[999999])).status_code == 404
    assert PrivacyInquiry.objects.count() == 0
    # And the other citizen sees only theirs.
    response = other_client.get(URL)
    assert {row.entry.sequence for row in response.context["rows"]} == {entry.sequence for entry in theirs}


def test_unverified_citizens_officials_and_strangers_see_nothing(citizen_client, official_client, entries):
    response = citizen_client.get(URL)
    assert response.status_code == 200
    assert "rows" not in response.context and "/my/identity/" in response.content.decode()
    assert official_client.get(URL).status_code == 404
    response = Client().get(URL)
    assert response.status_code == 302 and "/account/login/" in response["Location"]


def test_filters_by_agency_period_and_petition(linked_client, entries):
    mine, _theirs = entries
    response = linked_client.get(URL, {"agency": "nts"})
    assert [row.entry.item_code for row in response.context["rows"]] == ["tax_payment_certificate"]
    response = linked_client.get(URL, {"case_ref": "2026-0000007"})
    assert {row.entry.sequence for row in response.context["rows"]} == {mine[3].sequence, mine[4].sequence}
    today = timezone.localdate()
    response = linked_client.get(URL, {"date_from": (today + datetime.timedelta(days=1)).isoformat()})
    assert response.status_code == 200 and response.context["rows"] == []
    response = linked_client.get(URL, {"date_from": today.isoformat(), "date_to": today.isoformat()})
    assert len(response.context["rows"]) == 5
    response = linked_client.get(
        URL, {"date_from": today.isoformat(), "date_to": (today - datetime.timedelta(days=3)).isoformat()}
    )
    assert response.status_code == 400
    response = linked_client.get(URL, {"date_from": "not-a-date", "page": "x"})
    assert response.status_code == 400


def test_pages_are_paginated_with_constant_queries(linked_client, catalogue, office, official):
    def count_queries(page=1) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert linked_client.get(URL, {"page": page}).status_code == 200
        return len(queries)

    for _ in range(3):
        log(CITIZEN1.rrn, office=office, actor=official)
    few = count_queries()
    for index in range(60):
        log(
            CITIZEN1.rrn,
            office=office,
            actor=official if index % 2 else None,
            item_code=["resident_abstract", "tax_payment_certificate", "land_register"][index % 3],
            case_ref=f"2026-{index:07d}",
        )
    many = count_queries()
    assert many == few
    assert count_queries(page=3) == few
    response = linked_client.get(URL, {"page": 4})
    assert response.context["page"].number == 4 and len(response.context["rows"]) == 3
    assert response.context["page"].paginator.num_pages == 4


def test_a_concern_is_answered_by_the_privacy_officer_and_the_citizen_is_notified(
    linked_client, linked_citizen, entries, office, django_capture_on_commit_callbacks
):
    mine, _theirs = entries
    officer = PrivacyOfficerFactory(office=office, user=OfficialFactory(email="privacy@jongno.example.go.kr")).user
    linked_citizen.preferred_language = "en"
    linked_citizen.save()

    url = reverse("tracker:concern", args=[mine[2].sequence])
    response = linked_client.get(url)
    assert response.status_code == 200 and "identity check" not in response.content.decode()
    assert linked_client.post(url, {"message": ""}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = linked_client.post(url, {"message": "왜 제 주민등록번호를 열람했나요?"})
    assert response.status_code == 302
    inquiry = PrivacyInquiry.objects.get()
    assert inquiry.office == office and inquiry.entry == mine[2] and inquiry.citizen == linked_citizen
    assert [m.to for m in mail.outbox] == [["privacy@jongno.example.go.kr"]]
    assert CITIZEN1.rrn not in mail.outbox[0].body and "주민등록번호를 열람" not in mail.outbox[0].body

    # The privacy officer answers behind the second factor.
    detail = reverse("tracker:privacy_inquiry", args=[inquiry.public_id])
    unverified = Client()
    unverified.force_login(officer, backend="django.contrib.auth.backends.ModelBackend")
    assert unverified.get(detail).status_code == 302  # to the second factor
    client = login_verified(Client(), officer)
    listing = client.get(reverse("tracker:privacy_inquiries"))
    assert inquiry in listing.context["inquiries"]
    assert client.get(detail).status_code == 200
    assert client.post(detail, {"answer": ""}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(detail, {"answer": "신원 확인을 위해 열람했습니다. 기록은 보존됩니다."})
    assert response.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.status == "answered" and inquiry.answered_by == officer
    answered_mail = mail.outbox[-1]
    assert answered_mail.to == [linked_citizen.email]
    assert "answered" in answered_mail.subject  # in the citizen's language (English)
    # A second answer is refused.
    assert client.post(detail, {"answer": "again"}).status_code == 400

    # The citizen sees that there is an answer, then reads it.
    page = linked_client.get(URL)
    assert page.context["unread_answers"] == 1
    inquiries = linked_client.get(reverse("tracker:my_inquiries"))
    assert "신원 확인을 위해 열람했습니다" in inquiries.content.decode()
    assert linked_client.get(URL).context["unread_answers"] == 0


def test_an_official_who_is_not_the_offices_privacy_officer_cannot_see_the_inquiry(
    linked_client, entries, office, other_office, other_official
):
    mine, _theirs = entries
    PrivacyOfficerFactory(office=office)
    PrivacyOfficerFactory(office=other_office, user=other_official)  # privacy officer elsewhere
    linked_client.post(reverse("tracker:concern", args=[mine[0].sequence]), {"message": "?"})
    inquiry = PrivacyInquiry.objects.get()
    client = login_verified(Client(), other_official)
    assert client.get(reverse("tracker:privacy_inquiry", args=[inquiry.public_id])).status_code == 404
    assert client.post(reverse("tracker:privacy_inquiry", args=[inquiry.public_id]), {"answer": "x"}).status_code == 404
    assert inquiry not in client.get(reverse("tracker:privacy_inquiries")).context["inquiries"]


def test_entries_are_never_written_by_the_tracker(linked_client, entries):
    before = AccessLogEntry.objects.count()
    linked_client.get(URL)
    linked_client.get(URL, {"agency": "mois"})
    assert AccessLogEntry.objects.count() == before


# --- Words, never codes ----------------------------------------------------------------------


def _table_text(html: str) -> str:
    import re

    table = html[html.index("<table") : html.index("</table>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", table))


def _every_kind_of_entry(office, official):
    """One entry per (action, item, purpose) the producers write (see sharing/tracker/labels.py)."""
    from sharing.documents.models import Kind

    rrn = CITIZEN1.rrn
    written = [
        # sharing/services.py: fetches and reads of catalogue items, for a catalogue purpose
        log(
            rrn,
            office=office,
            action="fetched",
            item_code="vehicle_registration",
            fields=("owner_rrn", "owner_name"),
            purpose="P-PARKING",
        ),
        log(rrn, office=office, actor=official, action="viewed", item_code="resident_abstract", purpose="P-PASSPORT"),
        log(
            rrn,
            office=office,
            actor=official,
            action="revealed",
            item_code="vehicle_registration",
            fields=("owner_rrn",),
            purpose="P-PARKING",
        ),
        # sharing/tracker/services.py: the citizen's own refund inquiry
        log(rrn, office=office, action="fetched", item_code="tax_refunds", fields=(), purpose="P-REFUND-INQUIRY"),
    ]
    for kind in Kind.values:
        # sharing/documents/services.py document_open, and the retention job's deletions
        written.append(
            log(
                rrn,
                office=office,
                actor=official,
                action="downloaded",
                item_code=f"edocument:{kind}",
                fields=(),
                purpose="edocument_download",
            )
        )
        written.append(
            log(rrn, office=office, action="deleted", item_code=f"edocument:{kind}", fields=(), purpose="retention")
        )
    # portal/retention.py: the rest of its deletions
    written += [
        log(
            rrn,
            office=office,
            action="deleted",
            item_code="resident_abstract",
            fields=("name", "address"),
            purpose="retention",
        ),
        log(rrn, office=office, action="deleted", item_code="upload", fields=(), purpose="retention"),
        log(
            rrn,
            action="deleted",
            item_code="draft",
            case_ref="",
            fields=("floor_area", "shop_name"),
            purpose="retention",
        ),
        log(
            rrn,
            action="deleted",
            item_code="identity_challenge",
            case_ref="",
            fields=("name", "rrn"),
            purpose="retention",
        ),
    ]
    return written


@pytest.mark.parametrize("language", ["ko", "en"])
def test_every_kind_of_entry_is_shown_in_words_not_codes(linked_client, catalogue, office, official, language):
    from sharing.documents.models import Kind

    entries = _every_kind_of_entry(office, official)
    assert {entry.action for entry in entries} == {"fetched", "viewed", "revealed", "downloaded", "deleted"}
    linked_client.post("/i18n/setlang/", {"language": language, "next": URL})
    pages = [linked_client.get(URL)]
    assert pages[0].status_code == 200
    while pages[-1].context["page"].has_next():
        pages.append(linked_client.get(URL, {"page": pages[-1].context["page"].next_page_number()}))
    text = " ".join(_table_text(page.content.decode()) for page in pages)
    assert sum(len(page.context["rows"]) for page in pages) == len(entries)
    codes = {entry.item_code for entry in entries} | {entry.purpose for entry in entries}
    codes |= {"owner_rrn", "owner_name", "floor_area", "shop_name", "rrn", "edocument", "_download"}
    codes |= set(Kind.values)
    if language == "en":  # "draft", "upload", "retention" are English words too: only the code-shaped ones
        codes = {code for code in codes if any(mark in code for mark in ":_-")}
    assert [code for code in sorted(codes) if code in text] == []
    if language == "ko":
        assert "처리결과 통지서" in text and "전자문서" in text and "보존기간" in text
        assert "소유자 주민등록번호" in text and "주민등록번호" in text
    else:
        assert "Result notice (e-document)" in text and "retention period" in text


def test_every_code_a_producer_writes_has_words():
    """A new literal item code in a call that writes the access log needs words in labels.py."""
    import pathlib
    import re

    from sharing.tracker import labels

    root = pathlib.Path(__file__).resolve().parents[2]
    literals = set()
    for folder in ("portal", "petitions", "sharing"):
        for path in (root / folder).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            if "log_personal_data_access" not in source:
                continue
            literals |= set(re.findall(r'item_code="([^"]+)"', source))
            literals |= {
                f"edocument:{kind}"
                for kind in re.findall(r'item_code=f"edocument:\{[^}]+\}"', source) and labels.Kind.values
            }
            literals |= set(re.findall(r'purpose="([^"]+)"', source))
    assert {"upload", "draft", "identity_challenge", "edocument_download"} <= literals
    unnamed = literals - set(labels.PORTAL_ITEMS) - set(labels.PORTAL_PURPOSES)
    assert unnamed == set()


def test_the_concern_page_describes_a_portal_entry_in_words(linked_client, catalogue, office, official):
    entry = log(
        CITIZEN1.rrn,
        office=office,
        actor=official,
        action="downloaded",
        item_code="edocument:result_notice",
        fields=(),
        purpose="edocument_download",
    )
    html = linked_client.get(reverse("tracker:concern", args=[entry.sequence])).content.decode()
    assert "edocument" not in html and "처리결과 통지서 (전자문서)" in html
