"""The citizen's notification settings page, the listing on the petition's pages (citizen and
official), who may see them, their query counts and their languages; the tracker's notice."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from petitions.models import Representation
from petitions.notifications import petition_case_refs
from portal.notifications import services
from portal.notifications.models import Notification, NotificationPreference
from sharing.sandbox.models import SandboxMessage
from tests.conftest import login_verified
from tests.petitions.helpers import file_building_use_change
from tests.petitions.test_delegation import _client, _draft_for, _grant, _submit

pytestmark = pytest.mark.django_db
URL = "/account/notifications/"
KO_CONSENT = "휴대전화 번호로"
EN_CONSENT = "I agree that the Civil Petition Portal sends notifications"


# --- The settings page ------------------------------------------------------------------------


def test_the_settings_page_is_the_signed_in_citizens_own(client, official_client, citizen_client):
    assert client.get(URL).status_code == 302 and "/account/login/" in client.get(URL)["Location"]
    assert client.post(URL, {"email": "on"}).status_code == 302
    assert official_client.get(URL).status_code == 404  # officials' notifications are unchanged
    assert official_client.post(URL, {"email": "on"}).status_code == 404
    assert not NotificationPreference.objects.exists()
    page = citizen_client.get(URL)
    assert page.status_code == 200 and page.context["form"]["email"].value() is True


def test_another_citizen_never_sees_ones_phone_or_notifications(citizen, other_citizen, citizen_client, messaging):
    services.preferences_update(user=other_citizen, email=True, sms=True, kakao=False, phone="010-9876-5432")
    services.notify(recipient=other_citizen, kind="submitted", dedupe_key="x", text="다른 사람의 알림")
    page = citizen_client.get(URL)
    body = page.content.decode()
    assert "010-9876-5432" not in body and page.context["notifications"] == []


def test_turning_kakaotalk_on_needs_a_phone_and_the_consent(citizen, citizen_client):
    refused = citizen_client.post(URL, {"email": "on", "kakao": "on"})
    assert refused.status_code == 400
    assert set(refused.context["form"].errors) == {"phone", "phone_consent"}
    bad = citizen_client.post(URL, {"kakao": "on", "phone": "02-123-4567", "phone_consent": "on"})
    assert bad.status_code == 400 and "phone" in bad.context["form"].errors
    nothing = citizen_client.post(URL, {})
    assert nothing.status_code == 400 and nothing.context["form"].non_field_errors()
    assert not NotificationPreference.objects.exists()

    saved = citizen_client.post(URL, {"kakao": "on", "phone": "010-2345-6789", "phone_consent": "on"})
    assert saved.status_code == 302
    preference = NotificationPreference.objects.get(user=citizen)
    assert (preference.email, preference.sms, preference.kakao) == (False, False, True)
    assert preference.phone == "010-2345-6789" and preference.phone_consented_at is not None
    page = citizen_client.get(URL)
    assert page.context["form"]["kakao"].value() and page.context["form"]["phone_consent"].value()

    # Both phone channels off: the consent is withdrawn.
    assert citizen_client.post(URL, {"email": "on", "phone": "010-2345-6789"}).status_code == 302
    preference.refresh_from_db()
    assert preference.phone_consented_at is None and not preference.kakao and preference.email


def test_sms_and_kakaotalk_are_not_offered_without_a_provider(citizen, citizen_client, settings):
    settings.NOTIFICATION_CHANNELS = {"email": "email", "sms": "", "kakao": ""}
    page = citizen_client.get(URL)
    assert set(page.context["form"].fields) == {"email"}
    assert citizen_client.post(URL, {"email": "on", "kakao": "on", "phone": "010-2345-6789"}).status_code == 302
    assert not NotificationPreference.objects.get(user=citizen).kakao


def test_the_consent_is_worded_in_korean_and_in_english(citizen_client):
    korean = citizen_client.get(URL).content.decode()
    assert KO_CONSENT in korean and "알림 설정" in korean and "카카오톡" in korean
    citizen_client.cookies["django_language"] = "en"
    english = citizen_client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert EN_CONSENT in english and "Notification settings" in english


# --- The petition's pages ---------------------------------------------------------------------


@pytest.fixture
def filed(demo_types, linked_citizen, messaging, django_capture_on_commit_callbacks):
    """A petition of citizen-a, who chose e-mail and KakaoTalk, with its receipt notified."""
    services.preferences_update(user=linked_citizen, email=True, sms=False, kakao=True, phone="010-2345-6789")
    with django_capture_on_commit_callbacks(execute=True):
        petition = file_building_use_change(linked_citizen)
    return petition


def test_the_receipt_is_notified_on_the_chosen_channels_and_listed(filed, linked_client):
    rows = Notification.objects.filter(case_ref=filed.receipt_no)
    assert {(n.kind, n.channel, n.status) for n in rows} == {
        ("submitted", "email", "sent"),
        ("submitted", "kakao", "sent"),
    }
    talk = SandboxMessage.objects.get()
    assert filed.receipt_no in talk.text and talk.variables["receipt_no"] == filed.receipt_no
    assert talk.template_code == "PORTAL_SUBMITTED_V1" and "/my/petitions/" in talk.variables["link"]
    assert "900101-1234567" not in talk.text and "900101" not in rows.get(channel="email").text
    assert mail.outbox[0].to == ["a@example.org"]  # the address given on the petition

    page = linked_client.get(reverse("petitions:my_detail", args=[filed.receipt_no]))
    listed = page.context["notifications"]
    assert {n.channel for n in listed} == {"email", "kakao"}
    body = page.content.decode()
    assert "민원 접수" in body and "카카오톡" in body and "발송됨" in body


def test_the_official_of_the_office_sees_every_notification_of_the_petition(filed, office, official):
    from petitions.models import Petition

    Petition.objects.filter(pk=filed.pk).update(status=Petition.Status.UNDER_REVIEW)
    client = login_verified(Client(), official)
    page = client.get(reverse("officer:review", args=[filed.receipt_no]))
    assert page.status_code == 200
    assert {n.channel for n in page.context["notifications"]} == {"email", "kakao"}
    assert "보낸 알림" in page.content.decode()


def test_outsiders_do_not_see_the_petitions_notifications(filed, other_citizen, other_official, client):
    other = Client()
    other.force_login(other_citizen, backend="django.contrib.auth.backends.ModelBackend")
    detail = reverse("petitions:my_detail", args=[filed.receipt_no])
    review = reverse("officer:review", args=[filed.receipt_no])
    assert other.get(detail).status_code == 404
    assert login_verified(Client(), other_official).get(review).status_code in (403, 404)
    assert client.get(detail).status_code == 302 and client.get(review).status_code in (302, 404)


def test_the_listing_costs_the_same_queries_however_many_notifications(
    filed, linked_citizen, linked_client, django_assert_max_num_queries
):
    url = reverse("petitions:my_detail", args=[filed.receipt_no])
    with django_assert_max_num_queries(40) as few:
        assert linked_client.get(url).status_code == 200
    for index in range(15):
        services.notify(
            recipient=linked_citizen, kind="decided", dedupe_key=f"more-{index}", case_ref=filed.receipt_no, text="x"
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = linked_client.get(url)
    assert len(page.context["notifications"]) > 15

    settings_page = reverse("notification_preferences")
    with django_assert_max_num_queries(20) as one:
        assert linked_client.get(settings_page).status_code == 200
    for index in range(15):
        services.notify(recipient=linked_citizen, kind="decided", dedupe_key=f"again-{index}", text="x")
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert linked_client.get(settings_page).status_code == 200


def test_a_decision_reaches_the_phone_in_the_citizens_language(
    filed, linked_citizen, messaging, django_capture_on_commit_callbacks
):
    from petitions.models import Petition
    from petitions.workflow import petition_transition

    linked_citizen.preferred_language = "en"
    linked_citizen.save(update_fields=["preferred_language"])
    petition = Petition.objects.get(pk=filed.pk)
    petition_transition(petition=petition, to=Petition.Status.UNDER_REVIEW)
    with django_capture_on_commit_callbacks(execute=True):
        petition_transition(petition=petition, to=Petition.Status.APPROVED, note="OK")
    talk = SandboxMessage.objects.filter(variables__status__isnull=False).order_by("-id").first()
    assert "has been decided: Approved" in talk.text and talk.template_code == "PORTAL_DECIDED_V1"
    assert Notification.objects.filter(case_ref=filed.receipt_no, kind="decided", status="sent").count() == 2


def test_a_consent_request_to_the_principal_is_listed_to_them_only(
    demo_types, linked_other_citizen, linked_citizen, messaging, django_capture_on_commit_callbacks
):
    principal, delegate = linked_other_citizen, linked_citizen
    draft = _draft_for(_grant(principal, delegate, consent=False), delegate)
    with django_capture_on_commit_callbacks(execute=True):
        _client(delegate).post(
            reverse("petitions:wizard_consent_request", args=["building-use-change", draft.public_id])
        )
    row = Notification.objects.get(kind="consent_requested")
    assert row.recipient == principal and row.case_ref == str(draft.public_id) and row.status == "sent"
    representation = Representation.objects.get(petition=draft)
    _client(principal).post(
        reverse("petitions:delegation_consent_answer", args=[representation.pk]), {"answer": "agree"}
    )
    draft.refresh_from_db()
    petition = _submit(draft, delegate)
    assert petition_case_refs(petition) == [petition.receipt_no, str(petition.public_id)]
    detail = reverse("petitions:my_detail", args=[petition.receipt_no])
    assert [n.kind for n in _client(principal).get(detail).context["notifications"]] == ["consent_requested"]
    assert "consent_requested" not in [n.kind for n in _client(delegate).get(detail).context["notifications"]]


# --- The tracker's notice ---------------------------------------------------------------------


def test_the_answer_to_a_privacy_question_goes_through_the_chosen_channels(
    linked_citizen, catalogue, office, official, messaging, django_capture_on_commit_callbacks
):
    from sharing import audit, crypto
    from sharing.tracker.models import PrivacyInquiry
    from sharing.tracker.notifications import privacy_inquiry_notify_send
    from tests.factories import CITIZEN1

    services.preferences_update(user=linked_citizen, email=False, sms=True, kakao=False, phone="010-2345-6789")
    entry = audit.log_personal_data_access(
        action="viewed",
        subject_hash=crypto.subject_hash(CITIZEN1.rrn),
        case_ref="2026-0000001",
        office=office,
        actor=official,
        item_code="resident_abstract",
        fields=["name"],
        purpose="P-PARKING",
    )
    inquiry = PrivacyInquiry.objects.create(
        citizen=linked_citizen, entry=entry, office=office, message="왜?", status="answered", answer="확인"
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert privacy_inquiry_notify_send(inquiry_id=inquiry.pk, event="answered") == 1
        assert privacy_inquiry_notify_send(inquiry_id=inquiry.pk, event="answered") == 0
    row = Notification.objects.get()
    assert (row.kind, row.channel, row.status, row.case_ref) == (
        "inquiry_answered",
        "sms",
        "sent",
        f"inquiry:{inquiry.public_id}",
    )
    assert "답변" in SandboxMessage.objects.get().text and not mail.outbox


def test_a_phone_newly_set_gets_a_first_message_on_the_phone_only(
    citizen, citizen_client, messaging, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        citizen_client.post(URL, {"email": "on", "kakao": "on", "phone": "010-2345-6789", "phone_consent": "on"})
    [row] = Notification.objects.all()
    assert (row.kind, row.channel, row.status) == ("channels_confirmed", "kakao", "sent")
    assert "알림을 받습니다" in SandboxMessage.objects.get().text and not mail.outbox
    # Saving the same choice again sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        citizen_client.post(URL, {"email": "on", "kakao": "on", "phone": "010-2345-6789", "phone_consent": "on"})
    assert Notification.objects.count() == 1
    page = citizen_client.get(URL)
    assert [n.kind for n in page.context["notifications"]] == ["channels_confirmed"]


def test_the_demo_citizen_has_kakaotalk_on_and_a_first_message_queued(db):
    from portal.demo import seed as accounts_seed
    from portal.notifications.demo import seed

    accounts_seed()
    seed()
    seed()  # idempotent
    preference = NotificationPreference.objects.get(user__username="citizen1")
    assert preference.kakao and preference.email and preference.phone == "010-2345-6789"
    assert list(Notification.objects.values_list("kind", "channel")) == [("channels_confirmed", "kakao")]


def test_the_officers_listing_costs_the_same_queries_however_many_notifications(
    filed, linked_citizen, official, django_assert_max_num_queries
):
    from petitions.models import Petition

    Petition.objects.filter(pk=filed.pk).update(status=Petition.Status.UNDER_REVIEW)
    client = login_verified(Client(), official)
    url = reverse("officer:review", args=[filed.receipt_no])
    with django_assert_max_num_queries(80) as few:
        assert client.get(url).status_code == 200
    for index in range(15):
        services.notify(
            recipient=linked_citizen, kind="decided", dedupe_key=f"more-{index}", case_ref=filed.receipt_no, text="x"
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url)
    assert len(page.context["notifications"]) > 15
