"""Officials' look-ups (열람) and citizens' online consents, from outside: the pages, the access
log the citizen reads, consent, masking and reveal, access control and the purge. Expected
values are written by hand."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from sharing import crypto
from sharing.hub import services_lookups as services
from sharing.hub.errors import NotAllowed, UseRefused
from sharing.hub.models import ConsentGrant, Lookup
from sharing.hub.subjects import InvalidSubject, subject_clean
from sharing.models import AccessLogEntry, FetchedData, FetchRequest
from tests.conftest import login_verified
from tests.factories import CITIZEN1, CITIZEN2, MembershipFactory, OfficialFactory

pytestmark = pytest.mark.django_db

DATA_ACCESS = "/my/data-access/"


def _new_url(use):
    return reverse("hub:lookup_new", args=[use.public_id])


def _post_lookup(client, use, **overrides):
    data = {"subject": CITIZEN1.rrn, "case_reference": "", "reason": "우선주차 신청 거주 확인"}
    data.update(overrides)
    return client.post(_new_url(use), data)


def _png(name="consent.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def _entries(rrn=CITIZEN1.rrn, **filters):
    return list(AccessLogEntry.objects.filter(subject_hash=crypto.subject_hash(rrn), **filters).order_by("sequence"))


# --- a look-up, from the official's form to the citizen's page ------------------------------


def test_a_lookup_is_answered_on_the_next_page_and_reaches_the_citizens_page(
    lookup_client, lookup_official, lookup_office, parking_use, agency_answers, linked_client
):
    response = _post_lookup(lookup_client, parking_use, case_reference="주차-2026-118")
    lookup = Lookup.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("hub:lookup_detail", args=[lookup.public_id])
    assert lookup.reference == f"L-{timezone.localdate():%Y}-{lookup.pk:07d}"
    assert lookup.official == lookup_official and lookup.office == lookup_office
    assert lookup.case_reference == "주차-2026-118"
    assert CITIZEN1.rrn not in lookup.subject_encrypted
    assert lookup.subject_hash == crypto.subject_hash(CITIZEN1.rrn)
    # The fetch went through the normal path under the use, at once, for the approved fields only.
    fetch = lookup.fetch_request
    assert fetch.case_ref == lookup.reference and fetch.approved_use == parking_use
    assert fetch.state == "fetched" and fetch.requested_by == lookup_official
    assert [r.fields for r in agency_answers.requests] == [("name", "address", "move_in_date", "address_history")]

    looked_up = _entries(action="looked_up")
    assert len(looked_up) == 1
    entry = looked_up[0]
    assert entry.case_ref == lookup.reference
    assert entry.office == lookup_office and entry.actor == lookup_official
    assert entry.affair_code == "LOCAL-PARKING-01" and entry.legal_basis == "주차장법 제10조"
    assert entry.item_code == "resident_abstract" and entry.purpose == "P-PARKING"
    assert "우선주차 신청 거주 확인" in entry.detail and "주차-2026-118" in entry.detail

    page = linked_client.get(DATA_ACCESS)
    text = page.content.decode()
    assert page.status_code == 200
    assert "공무원 열람" in text  # the action, in words
    assert "종로구 주차관리과" in text  # the office
    assert "박공무" in text  # the official
    assert "주민등록표 초본" in text and "거주자 우선주차 신청 심사" in text  # item and purpose in words
    assert lookup.reference in text
    assert "looked_up" not in text.replace("tracker-action-looked_up", "")


def test_the_lookup_entry_is_in_words_in_english_too(lookup_client, parking_use, agency_answers, linked_client):
    _post_lookup(lookup_client, parking_use)
    linked_client.post("/i18n/setlang/", {"language": "en", "next": DATA_ACCESS})
    text = linked_client.get(DATA_ACCESS).content.decode()
    assert "Looked up by an official" in text
    assert "Jongno Parking Division" in text
    assert "Resident registration abstract" in text


def test_the_lookup_reaches_only_the_subjects_page(lookup_client, parking_use, agency_answers, linked_other_citizen):
    _post_lookup(lookup_client, parking_use)
    other = Client()
    other.force_login(linked_other_citizen, backend="django.contrib.auth.backends.ModelBackend")
    assert "공무원 열람" not in other.get(DATA_ACCESS).content.decode()
    assert _entries(rrn=CITIZEN2.rrn) == []


# --- the answer: approved fields only, masked, revealed one by one with a reason -------------


def test_the_answer_shows_the_approved_fields_masked(lookup_client, parking_use, agency_answers):
    _post_lookup(lookup_client, parking_use)
    lookup = Lookup.objects.get()
    page = lookup_client.get(reverse("hub:lookup_detail", args=[lookup.public_id]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    for clear in (CITIZEN1.name, CITIZEN1.address, "2019-04-02", "월드컵로", CITIZEN1.rrn):
        assert clear not in text
    assert "김**" in text  # 김민원, its first half
    assert "900101-1******" in text  # the subject, masked
    # Only the approved fields: the use has no RRN field.
    labels = [f.label for f in page.context["answer"].fields]
    assert labels == ["성명", "주소", "전입일", "주소 변동 이력"]
    viewed = _entries(action="viewed")
    assert len(viewed) == 1 and viewed[0].affair_code == "LOCAL-PARKING-01"
    assert viewed[0].legal_basis == "주차장법 제10조"


def test_a_reveal_shows_one_field_and_is_logged_with_the_reason(lookup_client, parking_use, agency_answers):
    _post_lookup(lookup_client, parking_use)
    lookup = Lookup.objects.get()
    url = reverse("hub:lookup_reveal", args=[lookup.public_id])
    page = lookup_client.post(url, {"field": "address", "reason": "거주지 실사 대상 확인"})
    text = page.content.decode()
    assert page.status_code == 200
    assert CITIZEN1.address in text
    assert CITIZEN1.name not in text  # the other fields stay masked
    revealed = _entries(action="revealed")
    assert len(revealed) == 1
    assert revealed[0].detail == "revealed address: 거주지 실사 대상 확인"
    assert revealed[0].affair_code == "LOCAL-PARKING-01" and revealed[0].actor == lookup.official

    history = lookup_client.post(url, {"field": "address_history", "reason": "이전 주소 확인"}).content.decode()
    assert "서울특별시 마포구 월드컵로 1" in history


def test_a_reveal_needs_a_reason_and_an_approved_field(lookup_client, parking_use, agency_answers):
    _post_lookup(lookup_client, parking_use)
    lookup = Lookup.objects.get()
    url = reverse("hub:lookup_reveal", args=[lookup.public_id])
    with translation.override("ko"):
        no_reason = lookup_client.post(url, {"field": "address", "reason": "  "})
    assert no_reason.status_code == 400
    assert "가려진 값을 보려면 사유를 입력하세요." in no_reason.content.decode()
    not_approved = lookup_client.post(url, {"field": "rrn", "reason": "확인"})
    assert not_approved.status_code == 400
    assert CITIZEN1.rrn not in not_approved.content.decode()
    assert _entries(action="revealed") == []


# --- consent ---------------------------------------------------------------------------------


def _grant(linked_client, use, expires_on=None):
    expires_on = expires_on or timezone.localdate() + datetime.timedelta(days=30)
    return linked_client.post(
        reverse("hub:consents"), {"use": str(use.public_id), "expires_on": expires_on.isoformat()}
    )


def test_a_use_needing_consent_refuses_a_lookup_without_it(lookup_client, consent_use, agency_answers):
    with translation.override("ko"):
        response = _post_lookup(lookup_client, consent_use)
    assert response.status_code == 400
    assert "동의" in response.content.decode()
    online = _post_lookup(lookup_client, consent_use, consent_basis="online")
    assert online.status_code == 400
    assert Lookup.objects.count() == 0 and FetchRequest.objects.count() == 0
    assert agency_answers.requests == [] and _entries() == []


def test_the_service_refuses_without_consent_with_the_use_check_code(
    lookup_official, lookup_office, consent_use, agency_answers
):
    with pytest.raises(UseRefused) as refused:
        services.lookup_create(
            official=lookup_official, office=lookup_office, use=consent_use, subject=CITIZEN1.rrn, reason="조사"
        )
    assert refused.value.code == "use_consent"


def test_a_citizens_online_consent_lets_the_lookup_through(
    lookup_client, consent_use, agency_answers, linked_client, linked_citizen
):
    granted = _grant(linked_client, consent_use)
    assert granted.status_code == 302
    grant = ConsentGrant.objects.get()
    assert grant.citizen == linked_citizen and grant.subject_hash == crypto.subject_hash(CITIZEN1.rrn)
    assert grant.affair_code == "LOCAL-WELFARE-02"
    response = _post_lookup(lookup_client, consent_use, consent_basis="online")
    assert response.status_code == 302
    lookup = Lookup.objects.get()
    assert lookup.consent_basis == "online" and lookup.consent_grant == grant
    assert "consent: online consent" in _entries(action="looked_up")[0].detail


def test_a_withdrawn_or_expired_consent_no_longer_counts(lookup_client, consent_use, agency_answers, linked_client):
    _grant(linked_client, consent_use)
    grant = ConsentGrant.objects.get()
    withdrawn = linked_client.post(reverse("hub:consent_withdraw", args=[grant.public_id]))
    assert withdrawn.status_code == 302
    grant.refresh_from_db()
    assert grant.withdrawn_at is not None
    assert _post_lookup(lookup_client, consent_use, consent_basis="online").status_code == 400

    _grant(linked_client, consent_use)
    ConsentGrant.objects.filter(withdrawn_at__isnull=True).update(
        granted_at=timezone.now() - datetime.timedelta(days=10), expires_at=timezone.now() - datetime.timedelta(days=1)
    )
    assert _post_lookup(lookup_client, consent_use, consent_basis="online").status_code == 400
    assert Lookup.objects.count() == 0


def test_a_consent_for_another_affair_or_person_does_not_count(
    lookup_client, consent_use, parking_use, agency_answers, linked_other_citizen
):
    other = Client()
    other.force_login(linked_other_citizen, backend="django.contrib.auth.backends.ModelBackend")
    assert _grant(other, consent_use).status_code == 302  # citizen 2 consents; the look-up is about citizen 1
    assert _post_lookup(lookup_client, consent_use, consent_basis="online").status_code == 400


def test_a_signed_paper_consent_lets_the_lookup_through(lookup_client, consent_use, agency_answers):
    response = lookup_client.post(
        _new_url(consent_use),
        {"subject": CITIZEN1.rrn, "reason": "긴급복지 현장 확인", "consent_basis": "paper", "consent_scan": _png()},
    )
    assert response.status_code == 302
    lookup = Lookup.objects.get()
    assert lookup.consent_basis == "paper" and lookup.consent_document is not None
    assert lookup.consent_document.case_ref == lookup.reference


def test_a_paper_consent_must_be_attached_and_be_a_real_scan(lookup_client, consent_use, agency_answers):
    missing = lookup_client.post(
        _new_url(consent_use), {"subject": CITIZEN1.rrn, "reason": "확인", "consent_basis": "paper"}
    )
    assert missing.status_code == 400
    fake = SimpleUploadedFile("consent.png", b"MZ\x90\x00 not an image", content_type="image/png")
    bad = lookup_client.post(
        _new_url(consent_use),
        {"subject": CITIZEN1.rrn, "reason": "확인", "consent_basis": "paper", "consent_scan": fake},
    )
    assert bad.status_code == 400
    assert Lookup.objects.count() == 0 and FetchRequest.objects.count() == 0


def test_citizens_grant_only_for_uses_needing_consent_and_with_a_future_date(consent_use, parking_use, linked_client):
    page = linked_client.get(reverse("hub:consents"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "긴급복지 지원 조사" in text and "거주자 우선주차 관리" not in text
    assert _grant(linked_client, parking_use).status_code == 400
    assert _grant(linked_client, consent_use, expires_on=timezone.localdate()).status_code == 400
    past_the_use = consent_use.valid_until + datetime.timedelta(days=1)
    assert _grant(linked_client, consent_use, expires_on=past_the_use).status_code == 400
    assert ConsentGrant.objects.count() == 0


def test_a_citizen_without_a_confirmed_identity_cannot_grant(consent_use, citizen_client):
    page = citizen_client.get(reverse("hub:consents"))
    assert page.status_code == 200 and "본인 확인" in page.content.decode()
    response = citizen_client.post(
        reverse("hub:consents"), {"use": str(consent_use.public_id), "expires_on": "2030-01-01"}
    )
    assert response.status_code == 404
    assert ConsentGrant.objects.count() == 0


def test_a_citizen_cannot_withdraw_someone_elses_consent(consent_use, linked_client, linked_other_citizen):
    _grant(linked_client, consent_use)
    grant = ConsentGrant.objects.get()
    other = Client()
    other.force_login(linked_other_citizen, backend="django.contrib.auth.backends.ModelBackend")
    assert other.post(reverse("hub:consent_withdraw", args=[grant.public_id])).status_code == 404
    grant.refresh_from_db()
    assert grant.withdrawn_at is None


# --- access control --------------------------------------------------------------------------


def test_lookup_pages_refuse_everyone_but_the_verified_official(
    lookup_client, lookup_official, lookup_office, parking_use, agency_answers, citizen_client, other_agency_setup
):
    _post_lookup(lookup_client, parking_use)
    lookup = Lookup.objects.get()
    urls = [
        reverse("hub:lookup_index"),
        _new_url(parking_use),
        reverse("hub:lookup_detail", args=[lookup.public_id]),
    ]
    unverified = Client()
    unverified.force_login(lookup_official, backend="django.contrib.auth.backends.ModelBackend")
    colleague = OfficialFactory(username="colleague")
    MembershipFactory(office=lookup_office, user=colleague)
    outsiders = {
        "other agency": login_verified(Client(), other_agency_setup["official"]),
        "colleague": login_verified(Client(), colleague),
    }
    before = AccessLogEntry.objects.count()
    for url in urls:
        anonymous = Client().get(url)
        assert anonymous.status_code == 302 and anonymous["Location"].startswith("/account/login/")
        assert citizen_client.get(url).status_code == 404
        second_factor = unverified.get(url)
        assert second_factor.status_code == 302
        assert second_factor["Location"].startswith(reverse("two_factor_verify"))
    for who, client in outsiders.items():
        assert client.get(reverse("hub:lookup_detail", args=[lookup.public_id])).status_code == 404, who
        assert (
            client.post(reverse("hub:lookup_reveal", args=[lookup.public_id]), {"field": "name", "reason": "x"})
        ).status_code == 404, who
    # A colleague of the same office may look up under the use, but not read this look-up.
    assert outsiders["colleague"].get(_new_url(parking_use)).status_code == 200
    assert outsiders["other agency"].get(_new_url(parking_use)).status_code == 404
    assert AccessLogEntry.objects.count() == before


def test_an_official_cannot_look_up_under_another_agencys_use(
    lookup_client, other_agency_setup, agency_answers, lookup_official, lookup_office
):
    foreign = other_agency_setup["use"]
    assert lookup_client.get(_new_url(foreign)).status_code == 404
    assert _post_lookup(lookup_client, foreign).status_code == 404
    assert lookup_client.get("/hub/lookups/new/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert lookup_client.get("/hub/lookups/00000000-0000-0000-0000-000000000000/").status_code == 404
    with pytest.raises(NotAllowed):
        services.lookup_create(
            official=lookup_official, office=lookup_office, use=foreign, subject=CITIZEN1.rrn, reason="조사"
        )
    assert Lookup.objects.count() == 0 and agency_answers.requests == []


def test_a_suspended_use_is_not_offered_and_refuses(lookup_client, parking_use, agency_answers):
    parking_use.status = "suspended"
    parking_use.save()
    assert "거주자 우선주차 관리" not in lookup_client.get(reverse("hub:lookup_index")).content.decode()
    assert _post_lookup(lookup_client, parking_use).status_code == 404
    assert Lookup.objects.count() == 0


# --- bad subjects -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "subject",
    ["123", "901301-1234567", "900132-1234567", "90010112345678", "abcdef-ghijklm", "900101-12345 67 8"],
)
def test_a_malformed_subject_gets_a_translated_400(lookup_client, parking_use, agency_answers, subject):
    lookup_client.post("/i18n/setlang/", {"language": "ko", "next": "/"})
    response = _post_lookup(lookup_client, parking_use, subject=subject)
    assert response.status_code == 400
    assert "올바른" in response.content.decode()
    lookup_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = _post_lookup(lookup_client, parking_use, subject=subject)
    assert english.status_code == 400 and "This is not a valid" in english.content.decode()
    assert Lookup.objects.count() == 0 and agency_answers.requests == []


def test_subjects_have_one_spelling():
    assert subject_clean("person", " 9001011234567 ") == "900101-1234567"
    assert subject_clean("person", "000229-3123456") == "000229-3123456"  # 2000-02-29
    assert subject_clean("business", "1234567890") == "123-45-67890"
    assert subject_clean("vehicle", "12가 3456") == "12가3456"
    assert subject_clean("parcel", "1111010100100010000") == "1111010100100010000"
    for kind, bad in [
        ("person", "010229-3123456"),  # 2001-02-29 does not exist
        ("business", "123-45-6789"),
        ("vehicle", "12A3456"),
        ("parcel", "11110101001000100"),
        ("building", "-"),
    ]:
        with pytest.raises(InvalidSubject):
            subject_clean(kind, bad)


def test_a_reason_is_required(lookup_client, parking_use, agency_answers):
    response = _post_lookup(lookup_client, parking_use, reason="")
    assert response.status_code == 400
    assert Lookup.objects.count() == 0


# --- query counts -----------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_pages_read_a_constant_number_of_queries(lookup_client, parking_use, consent_use, agency_answers):
    _post_lookup(lookup_client, parking_use)
    index = reverse("hub:lookup_index")
    first = Lookup.objects.get()
    detail = reverse("hub:lookup_detail", args=[first.public_id])
    one_index, one_detail = _queries(lookup_client, index), _queries(lookup_client, detail)
    for n in range(4):
        _post_lookup(lookup_client, parking_use, subject=f"8{n}0101-1234567")
    assert _queries(lookup_client, index) == one_index
    assert _queries(lookup_client, detail) == one_detail


def test_the_consent_page_reads_a_constant_number_of_queries(consent_use, linked_client):
    url = reverse("hub:consents")
    _grant(linked_client, consent_use)
    one = _queries(linked_client, url)
    for _n in range(3):
        _grant(linked_client, consent_use)
    assert _queries(linked_client, url) == one


# --- kept for the session, or for the retention period with a case reference -----------------


def test_a_lookup_without_case_reference_is_purged_at_logout(lookup_client, parking_use, agency_answers, linked_client):
    _post_lookup(lookup_client, parking_use)
    _post_lookup(lookup_client, parking_use, case_reference="주차-2026-1", subject=CITIZEN2.rrn)
    unattached, attached = Lookup.objects.get(case_reference=""), Lookup.objects.get(case_reference="주차-2026-1")
    lookup_client.post(reverse("logout"))
    unattached.refresh_from_db()
    attached.refresh_from_db()
    assert unattached.is_purged and unattached.subject_encrypted == ""
    assert not FetchedData.objects.filter(fetch_request_id=unattached.fetch_request_id).exists()
    assert FetchRequest.objects.get(pk=unattached.fetch_request_id).subject_encrypted == ""
    assert not attached.is_purged
    assert FetchedData.objects.filter(fetch_request_id=attached.fetch_request_id).exists()
    deleted = _entries(action="deleted")
    assert len(deleted) == 1 and deleted[0].case_ref == unattached.reference
    assert "공무원 열람" in linked_client.get(DATA_ACCESS).content.decode()


def test_the_periodic_task_purges_after_the_short_ttl_and_the_retention_period(
    lookup_client, parking_use, agency_answers, settings
):
    from portal.retention import retention_purge
    from sharing.hub.tasks import lookups_purge

    settings.LOOKUP_UNATTACHED_SECONDS = 3600
    settings.RETENTION_LOOKUP_DAYS = 30
    _post_lookup(lookup_client, parking_use)
    _post_lookup(lookup_client, parking_use, case_reference="주차-2026-7", subject=CITIZEN2.rrn)
    unattached, attached = Lookup.objects.get(case_reference=""), Lookup.objects.get(case_reference="주차-2026-7")
    assert lookups_purge() == 0  # nothing is due yet
    Lookup.objects.filter(pk=unattached.pk).update(kept_until=timezone.now() - datetime.timedelta(seconds=1))
    assert lookups_purge.delay().get() == 1
    unattached.refresh_from_db()
    attached.refresh_from_db()
    assert unattached.is_purged and not attached.is_purged
    page = lookup_client.get(reverse("hub:lookup_detail", args=[unattached.public_id]))
    assert page.status_code == 200 and page.context["answer"].state == "purged"

    # The daily retention job purges the attached one once its period is over, and only then.
    assert retention_purge(now=timezone.now() + datetime.timedelta(days=29)).lookups == 0
    report = retention_purge(now=timezone.now() + datetime.timedelta(days=31))
    assert report.lookups == 1
    attached.refresh_from_db()
    assert attached.is_purged
    assert retention_purge(now=timezone.now() + datetime.timedelta(days=32)).lookups == 0  # idempotent


def test_kept_until_follows_the_settings(lookup_official, lookup_office, parking_use, agency_answers, settings):
    settings.LOOKUP_UNATTACHED_SECONDS = 1800
    settings.RETENTION_LOOKUP_DAYS = 10
    before = timezone.now()
    session = services.lookup_create(
        official=lookup_official, office=lookup_office, use=parking_use, subject=CITIZEN1.rrn, reason="확인"
    )
    kept = services.lookup_create(
        official=lookup_official,
        office=lookup_office,
        use=parking_use,
        subject=CITIZEN2.rrn,
        reason="확인",
        case_reference="A-1",
    )
    assert (
        before + datetime.timedelta(seconds=1800)
        <= session.kept_until
        <= timezone.now() + datetime.timedelta(seconds=1800)
    )
    assert kept.kept_until - kept.created_at == datetime.timedelta(days=10)


def test_a_paper_consent_scan_goes_with_the_purge(lookup_client, lookup_official, consent_use, agency_answers):
    from sharing.documents.models import EDocument

    lookup_client.post(
        _new_url(consent_use),
        {"subject": CITIZEN1.rrn, "reason": "현장 확인", "consent_basis": "paper", "consent_scan": _png()},
    )
    lookup = Lookup.objects.get()
    document_id = lookup.consent_document_id
    assert services.lookup_purge(lookup=lookup, why="test") is True
    assert not EDocument.objects.filter(pk=document_id).exists()
    assert services.lookup_purge(lookup=lookup, why="test") is False
