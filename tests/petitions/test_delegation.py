"""Filing for someone else (대리 신청): delegations granted, revoked, expired and scoped; the
principal's consent; a delegation letter the official accepts or refuses; who sees what; and
the principal's access log."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from petitions import delegation_services, officer_selectors, selectors, services
from petitions.calendar import local_today
from petitions.errors import PetitionError
from petitions.models import Delegation, Petition, PetitionType, Representation
from sharing.crypto import subject_hash
from sharing.models import AccessLogEntry, FetchRequest
from tests.conftest import login_verified
from tests.factories import CITIZEN1, CITIZEN2, CitizenFactory
from tests.petitions.conftest import pdf_bytes
from tests.petitions.helpers import BUILDING_USE_ANSWERS

S = Petition.Status
ELDER_RRN = "450101-2234567"


@pytest.fixture
def principal(linked_other_citizen):
    """이시민 (CITIZEN2, Gangnam-gu), who lets the linked citizen file for them."""
    return linked_other_citizen


@pytest.fixture
def delegate(linked_citizen):
    """김민원 (CITIZEN1, Jongno-gu)."""
    return linked_citizen


@pytest.fixture
def third_citizen(db):
    return CitizenFactory(username="citizen-c")


def _client(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _grant(principal, delegate, *, types=None, consent=True, days=30) -> Delegation:
    return delegation_services.delegation_grant(
        principal=principal,
        identifier=delegate.username,
        petition_types=list(types or []),
        all_types=types is None,
        valid_until=local_today() + datetime.timedelta(days=days),
        consent_given=consent,
    )


def _draft_for(delegation, delegate, slug="building-use-change") -> Petition:
    petition_type = PetitionType.objects.get(slug=slug)
    draft = services.petition_draft_start(petition_type=petition_type, applicant=delegate, delegation=delegation)
    services.petition_draft_update_applicant(
        petition=draft, phone="010-2345-6789", email="lee@example.org", address="서울특별시 강남구 테헤란로 20"
    )
    services.petition_draft_update_answers(petition=draft, answers=dict(BUILDING_USE_ANSWERS), next_step="review")
    draft.refresh_from_db()
    return draft


def _submit(draft, delegate) -> Petition:
    return services.petition_submit(petition=draft, actor=delegate, submit_token=draft.submit_token)


def _file_for(principal, delegate, **grant) -> Petition:
    delegation = _grant(principal, delegate, **grant)
    return _submit(_draft_for(delegation, delegate), delegate)


# --- Granting ------------------------------------------------------------------------------------


def test_granting_from_the_account_page_finds_the_delegate_without_saying_whether_they_exist(
    demo_types, principal, delegate
):
    client = _client(principal)
    page = reverse("petitions:delegations")
    assert client.get(page).status_code == 200
    until = (local_today() + datetime.timedelta(days=10)).isoformat()
    answers = {}
    for identifier in (delegate.email.upper(), "nobody-here@example.org"):
        response = client.post(page, {"identifier": identifier, "all_types": "on", "valid_until": until})
        assert response.status_code == 302
        answers[identifier] = [str(m) for m in get_messages(response.wsgi_request)]
    # The same words for an account and for no account, the identifier as typed only.
    existing, missing = answers.values()
    assert existing[-1].replace(delegate.email.upper(), "X") == missing[-1].replace("nobody-here@example.org", "X")
    body = client.get(page).content.decode()
    assert delegate.display_name not in body and delegate.username not in body
    held = Delegation.objects.get(delegate_identifier=delegate.email.upper())
    assert held.delegate == delegate and held.all_types and held.consent_given is False
    assert Delegation.objects.get(delegate_identifier="nobody-here@example.org").delegate is None
    # The delegate sees the grant they hold, with the principal's name.
    assert principal.display_name in _client(delegate).get(page).content.decode()


def test_a_grant_needs_a_type_a_future_end_and_someone_else(demo_types, principal, delegate):
    client = _client(principal)
    page = reverse("petitions:delegations")
    past = (local_today() - datetime.timedelta(days=1)).isoformat()
    response = client.post(page, {"identifier": delegate.username, "valid_until": past})
    assert response.status_code == 400
    assert "민원 종류" in response.content.decode()  # choose the types
    response = client.post(page, {"identifier": delegate.username, "all_types": "on", "valid_until": past})
    assert response.status_code == 400 and "지났습니다" in response.content.decode()
    response = client.post(
        page, {"identifier": principal.username, "all_types": "on", "valid_until": local_today().isoformat()}
    )
    assert response.status_code == 400
    assert not Delegation.objects.exists()


def test_granting_needs_a_confirmed_identity(demo_types, third_citizen, delegate):
    response = _client(third_citizen).post(
        reverse("petitions:delegations"),
        {"identifier": delegate.username, "all_types": "on", "valid_until": local_today().isoformat()},
    )
    assert response.status_code == 302 and reverse("petitions:identity") in response["Location"]
    assert not Delegation.objects.exists()


# --- Filing ----------------------------------------------------------------------------------------


def test_the_information_fetched_is_the_principals(demo_types, principal, delegate):
    petition = _file_for(principal, delegate)
    assert petition.applicant == delegate and petition.status == S.COLLECTING
    representation = petition.representation
    assert representation.principal == principal and representation.consent == Representation.Consent.IN_DELEGATION
    fetches = list(FetchRequest.objects.filter(case_ref=petition.receipt_no))
    assert fetches
    principal_hash = subject_hash(CITIZEN2.rrn)
    for fetch in fetches:
        assert fetch.applicant_hash == principal_hash
        if fetch.subject_kind == "person":
            assert fetch.subject_hash == principal_hash
    assert not FetchRequest.objects.filter(subject_hash=subject_hash(CITIZEN1.rrn)).exists()
    # Routed to the principal's district (Gangnam), not the delegate's (Jongno).
    assert petition.office.code == "gangnam"
    # The principal's name on the petition, their RRN only encrypted and masked.
    assert petition.applicant_details["name"] == CITIZEN2.name
    assert CITIZEN2.rrn not in representation.principal_rrn_encrypted
    assert representation.principal_rrn_masked == "920315-2******"


def test_a_revoked_delegation_stops_the_next_filing(demo_types, principal, delegate):
    delegation = _grant(principal, delegate)
    first = _submit(_draft_for(delegation, delegate), delegate)
    assert first.status == S.COLLECTING
    draft = _draft_for(delegation, delegate)
    # Revoked from the principal's page: at once.
    response = _client(principal).post(reverse("petitions:delegation_revoke", args=[delegation.pk]))
    assert response.status_code == 302
    with pytest.raises(PetitionError, match="철회"):
        _submit(draft, delegate)
    draft.refresh_from_db()
    assert draft.status == S.DRAFT
    delegation.refresh_from_db()
    with pytest.raises(PetitionError, match="철회"):
        _draft_for(delegation, delegate)
    # The start page no longer offers filing for them.
    start = reverse("petitions:wizard_start", args=["building-use-change"])
    assert principal.display_name not in _client(delegate).get(start).content.decode()
    response = _client(delegate).post(start, {"file_for": f"d{delegation.pk}"})
    assert response.status_code == 302
    assert Petition.objects.filter(applicant=delegate, representation__isnull=False).count() == 2  # no new one


def test_an_expired_delegation_stops_the_next_filing(demo_types, principal, delegate):
    delegation = _grant(principal, delegate)
    draft = _draft_for(delegation, delegate)
    Delegation.objects.filter(pk=delegation.pk).update(valid_until=local_today() - datetime.timedelta(days=1))
    with pytest.raises(PetitionError, match="만료"):
        _submit(draft, delegate)


def test_a_delegation_covers_only_its_petition_types(demo_types, principal, delegate):
    parking = PetitionType.objects.get(slug="resident-parking-permit")
    delegation = _grant(principal, delegate, types=[parking])
    with pytest.raises(PetitionError, match="포함하지"):
        _draft_for(delegation, delegate, slug="building-use-change")
    start = reverse("petitions:wizard_start", args=["building-use-change"])
    assert principal.display_name not in _client(delegate).get(start).content.decode()
    start = reverse("petitions:wizard_start", args=["resident-parking-permit"])
    assert principal.display_name in _client(delegate).get(start).content.decode()
    # A type removed from a delegation after the draft was started stops its submission.
    draft = services.petition_draft_start(petition_type=parking, applicant=delegate, delegation=delegation)
    delegation.petition_types.clear()
    draft.refresh_from_db()
    with pytest.raises(PetitionError, match="포함하지"):
        _submit(draft, delegate)


def test_the_wizard_files_for_the_chosen_principal(demo_types, principal, delegate):
    delegation = _grant(principal, delegate)
    client = _client(delegate)
    start = reverse("petitions:wizard_start", args=["building-use-change"])
    assert principal.display_name in client.get(start).content.decode()
    response = client.post(start, {"file_for": f"d{delegation.pk}"})
    draft = Petition.objects.get(applicant=delegate, status=S.DRAFT)
    assert draft.representation.principal == principal
    page = client.get(response["Location"]).content.decode()
    assert "920315-2******" in page and CITIZEN2.rrn not in page
    # A forged choice: someone else's delegation is not offered, and starts nothing.
    other = _grant(principal, CitizenFactory(username="someone-else"))
    response = client.post(start, {"file_for": f"d{other.pk}"})
    assert Petition.objects.filter(applicant=delegate, status=S.DRAFT).count() == 1


def test_consent_asked_at_filing_is_answered_by_the_principal(
    demo_types, principal, delegate, third_citizen, django_capture_on_commit_callbacks
):
    delegation = _grant(principal, delegate, consent=False)
    draft = _draft_for(delegation, delegate)
    with pytest.raises(PetitionError, match="동의"):
        _submit(draft, delegate)
    review = reverse("petitions:wizard_step", args=["building-use-change", draft.public_id, "review"])
    assert "동의를 요청" in _client(delegate).get(review).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(delegate).post(
            reverse("petitions:wizard_consent_request", args=["building-use-change", draft.public_id])
        )
    assert response.status_code == 302
    representation = Representation.objects.get(petition=draft)
    assert representation.consent == Representation.Consent.REQUESTED
    # The principal is told by e-mail, in their language, with the page to answer on.
    assert [m.to for m in mail.outbox] == [[principal.email]]
    assert delegate.display_name in mail.outbox[0].subject and "/my/delegations/" in mail.outbox[0].body
    answer = reverse("petitions:delegation_consent_answer", args=[representation.pk])
    # Nobody else answers for the principal.
    assert _client(third_citizen).post(answer, {"answer": "agree"}).status_code == 404
    assert _client(delegate).post(answer, {"answer": "agree"}).status_code == 404
    page = _client(principal).get(reverse("petitions:delegations")).content.decode()
    assert delegate.display_name in page
    assert _client(principal).post(answer, {"answer": "agree"}).status_code == 302
    representation.refresh_from_db()
    assert representation.consent == Representation.Consent.GIVEN
    # Answered once: a replayed answer changes nothing.
    _client(principal).post(answer, {"answer": "refuse"})
    representation.refresh_from_db()
    assert representation.consent == Representation.Consent.GIVEN
    draft.refresh_from_db()
    assert _submit(draft, delegate).status == S.COLLECTING


def test_a_refused_consent_stops_the_filing(demo_types, principal, delegate):
    draft = _draft_for(_grant(principal, delegate, consent=False), delegate)
    representation = delegation_services.principal_consent_request(petition=draft, actor=delegate)
    delegation_services.principal_consent_answer(representation=representation, principal=principal, agree=False)
    draft.refresh_from_db()
    with pytest.raises(PetitionError):
        _submit(draft, delegate)
    assert not FetchRequest.objects.exists()


# --- Who sees what ------------------------------------------------------------------------------------


def test_principal_and_delegate_see_the_petition_and_its_documents_a_third_citizen_does_not(
    demo_types, principal, delegate, third_citizen, official, other_official
):
    from sharing.documents.models import DocumentRequest
    from sharing.documents.selectors import user_may_access

    own = services.petition_draft_start(
        petition_type=PetitionType.objects.get(slug="building-use-change"), applicant=principal
    )
    services.petition_draft_update_answers(petition=own, answers=dict(BUILDING_USE_ANSWERS))
    services.petition_draft_update_applicant(petition=own, phone="010-2345-6789", email="l@example.org", address="x")
    own.refresh_from_db()
    own = services.petition_submit(petition=own, actor=principal, submit_token=own.submit_token)
    petition = _file_for(principal, delegate)
    detail = reverse("petitions:my_detail", args=[petition.receipt_no])
    for user in (principal, delegate):
        response = _client(user).get(detail)
        assert response.status_code == 200
        assert "920315-2******" in response.content.decode()
    assert _client(third_citizen).get(detail).status_code == 404
    assert _client(official).get(detail).status_code == 404
    assert Client().get(detail).status_code == 302
    # The lists: the principal sees theirs and the one filed for them; the delegate only what they filed.
    principal_list = _client(principal).get(reverse("petitions:my_list")).content.decode()
    assert petition.receipt_no in principal_list and own.receipt_no in principal_list
    assert delegate.display_name in principal_list
    delegate_list = _client(delegate).get(reverse("petitions:my_list")).content.decode()
    assert petition.receipt_no in delegate_list and own.receipt_no not in delegate_list
    assert _client(delegate).get(reverse("petitions:my_detail", args=[own.receipt_no])).status_code == 404
    # The receipt: both parties may download it, nobody else.
    receipt = DocumentRequest.objects.get(case_ref=petition.receipt_no, kind="receipt")
    kwargs = {"owner_id": receipt.owner_id, "office_id": receipt.issuing_office_id, "case_ref": receipt.case_ref}
    assert user_may_access(delegate, **kwargs) and user_may_access(principal, **kwargs)
    assert not user_may_access(third_citizen, **kwargs)
    assert not user_may_access(official, **kwargs)  # Jongno: the petition is Gangnam's
    fragment = reverse("documents:request_status", args=[receipt.public_id])
    assert _client(principal).get(fragment).status_code == 200
    assert _client(third_citizen).get(fragment).status_code == 404


def test_the_official_sees_who_filed_for_whom(demo_types, principal, delegate, official, other_official):
    petition = _file_for(principal, delegate)
    gangnam = login_verified(Client(), other_official)
    review = gangnam.get(reverse("officer:review", args=[petition.receipt_no])).content.decode()
    assert "920315-2******" in review and delegate.display_name in review and CITIZEN2.rrn not in review
    queue = gangnam.get(reverse("officer:workspace")).content.decode()
    assert "대리" in queue
    # Another office's official: 404.
    jongno = login_verified(Client(), official)
    assert jongno.get(reverse("officer:review", args=[petition.receipt_no])).status_code == 404


def test_who_filed_for_whom_is_read_with_the_petition_not_one_query_each(
    demo_types, principal, delegate, other_official
):
    """The petition's pages name the filer and the principal: the selectors read the applicant
    and the representation (the official's also its delegation and principal) with the petition."""
    petition = _file_for(principal, delegate)
    for user in (principal, delegate):
        with CaptureQueriesContext(connection) as queries:
            found = selectors.petition_for_applicant(user=user, receipt_no=petition.receipt_no)
            shown = (found.pk, found.applicant.username, found.representation.principal_id)
        assert shown == (petition.pk, delegate.username, principal.pk)
        assert len(queries) == 2  # the petition with all of the above, its open supplements
        with CaptureQueriesContext(connection) as queries:
            page = selectors.petitions_page_for_applicant(user=user, page_number=1)
            listed = [(p.pk, p.applicant.username, p.representation.principal_id) for p in page]
        assert listed == [(petition.pk, delegate.username, principal.pk)]
        assert len(queries) == 2  # the count, the page (nothing waits for a supplement)
    with CaptureQueriesContext(connection) as queries:
        found = officer_selectors.petition_for_officer(user=other_official, receipt_no=petition.receipt_no)
        representation = found.representation
        shown = (found.applicant.username, representation.principal.username, representation.delegation.pk)
    assert shown == (delegate.username, principal.username, representation.delegation_id)
    assert representation.delegation_id is not None
    assert len(queries) == 1


# --- The access log ----------------------------------------------------------------------------------


def test_views_by_the_delegate_and_the_official_are_logged_against_the_principal(
    demo_types, principal, delegate, other_official
):
    petition = _file_for(principal, delegate)
    principal_hash = subject_hash(CITIZEN2.rrn)
    before = AccessLogEntry.objects.filter(subject_hash=principal_hash).count()
    _client(delegate).get(reverse("petitions:my_detail", args=[petition.receipt_no]))
    entry = AccessLogEntry.objects.filter(subject_hash=principal_hash).latest("sequence")
    assert entry.actor == delegate and entry.action == "viewed" and entry.case_ref == petition.receipt_no
    # The principal's own look is not an access by someone else.
    _client(principal).get(reverse("petitions:my_detail", args=[petition.receipt_no]))
    assert AccessLogEntry.objects.filter(subject_hash=principal_hash).count() == before + 1
    login_verified(Client(), other_official).get(reverse("officer:review", args=[petition.receipt_no]))
    assert AccessLogEntry.objects.filter(subject_hash=principal_hash, actor=other_official).exists()
    # Nothing about the petition is logged against the delegate.
    assert not AccessLogEntry.objects.filter(
        subject_hash=subject_hash(CITIZEN1.rrn), case_ref=petition.receipt_no
    ).exists()
    # The receipt names the principal: its downloads are logged against them.
    from sharing.documents.models import DocumentRequest

    assert DocumentRequest.objects.get(case_ref=petition.receipt_no, kind="receipt").subject_hash == principal_hash
    # The principal reads it on "who viewed my information", in words.
    page = _client(principal).get(reverse("tracker:data_access")).content.decode()
    assert delegate.display_name in page and "대리" in page


# --- A delegation letter ----------------------------------------------------------------------------


def _file_with_letter(client, delegate) -> Petition:
    start = reverse("petitions:wizard_start", args=["building-use-change"])
    response = client.post(start, {"file_for": "letter"})
    draft = Petition.objects.get(applicant=delegate, status=S.DRAFT)
    applicant = response["Location"]
    contact = {"phone": "010-1234-5678", "email": "kim@example.org", "address": "서울특별시 종로구 자하문로 10"}
    # Without the letter: refused with a message, nothing kept.
    response = client.post(applicant, {**contact, "principal_name": "박어르신", "principal_rrn": ELDER_RRN})
    assert response.status_code == 200 and "principal_rrn" not in response.content.decode()[:0]
    # A file that is not a PDF, JPEG or PNG: refused by the upload validation.
    bad = SimpleUploadedFile("letter.pdf", b"MZ not a pdf", content_type="application/pdf")
    named = {**contact, "principal_name": "박어르신", "principal_rrn": ELDER_RRN}
    response = client.post(applicant, {**named, "letter": bad})
    assert response.status_code == 200 and "PDF" in response.content.decode()
    letter = SimpleUploadedFile("letter.pdf", pdf_bytes(), content_type="application/pdf")
    response = client.post(
        applicant, {**contact, "principal_name": "박어르신", "principal_rrn": ELDER_RRN, "letter": letter}
    )
    assert response.status_code == 302
    services.petition_draft_update_answers(petition=draft, answers=dict(BUILDING_USE_ANSWERS), next_step="review")
    draft.refresh_from_db()
    return services.petition_submit(petition=draft, actor=delegate, submit_token=draft.submit_token)


def test_a_letter_is_accepted_before_anything_is_fetched(demo_types, delegate, official, other_official):
    petition = _file_with_letter(_client(delegate), delegate)
    assert petition.status == S.SUBMITTED
    assert not FetchRequest.objects.filter(case_ref=petition.receipt_no).exists()
    representation = petition.representation
    assert representation.principal is None and representation.principal_name == "박어르신"
    assert ELDER_RRN not in representation.principal_rrn_encrypted
    assert representation.principal_rrn_masked == "450101-2******"
    detail = _client(delegate).get(reverse("petitions:my_detail", args=[petition.receipt_no])).content.decode()
    assert "450101-2******" in detail and ELDER_RRN not in detail
    # Routed by the filer's district (the principal has no account): Jongno.
    assert petition.office.code == "jongno"
    accept = reverse("officer:letter_accept", args=[petition.receipt_no])
    # From outside: an official of another office, a citizen, an anonymous visitor.
    assert login_verified(Client(), other_official).post(accept).status_code == 404
    assert _client(delegate).post(accept).status_code == 404
    assert Client().post(accept).status_code in (302, 404)
    assert not FetchRequest.objects.filter(case_ref=petition.receipt_no).exists()
    jongno = login_verified(Client(), official)
    review = jongno.get(reverse("officer:review", args=[petition.receipt_no])).content.decode()
    assert "박어르신" in review and "450101-2******" in review and "위임장" in review
    # The letter names the principal: the official's download is logged against them.
    from sharing.documents.models import EDocument

    letter = EDocument.objects.get(case_ref=petition.receipt_no, kind="attachment")
    assert letter.subject_hash == subject_hash(ELDER_RRN)
    download = jongno.get(reverse("officer:attachment", args=[petition.receipt_no, letter.public_id]))
    assert download.status_code == 200
    assert AccessLogEntry.objects.filter(
        action="downloaded", subject_hash=subject_hash(ELDER_RRN), actor=official, case_ref=petition.receipt_no
    ).exists()
    assert jongno.post(accept).status_code == 302
    petition.refresh_from_db()
    assert petition.status == S.COLLECTING
    fetches = list(FetchRequest.objects.filter(case_ref=petition.receipt_no))
    assert fetches and all(f.applicant_hash == subject_hash(ELDER_RRN) for f in fetches)
    assert any(f.subject_hash == subject_hash(ELDER_RRN) for f in fetches)
    # Decided once: accepting again is refused with a message.
    response = jongno.post(accept)
    assert response.status_code == 400


def test_a_refused_letter_fetches_nothing(demo_types, delegate, official):
    petition = _file_with_letter(_client(delegate), delegate)
    jongno = login_verified(Client(), official)
    refuse = reverse("officer:letter_refuse", args=[petition.receipt_no])
    assert jongno.post(refuse, {"reason": ""}).status_code == 400
    assert jongno.post(refuse, {"reason": "서명이 없습니다"}).status_code == 302
    petition.refresh_from_db()
    assert petition.status == S.UNDER_REVIEW
    assert petition.representation.letter_state == Representation.LetterState.REFUSED
    assert not FetchRequest.objects.filter(case_ref=petition.receipt_no).exists()
    assert jongno.post(reverse("officer:letter_accept", args=[petition.receipt_no])).status_code == 400
    assert not FetchRequest.objects.filter(case_ref=petition.receipt_no).exists()
    detail = _client(delegate).get(reverse("petitions:my_detail", args=[petition.receipt_no])).content.decode()
    assert "서명이 없습니다" in detail


# --- Access control from outside -----------------------------------------------------------------------


def test_the_delegations_pages_refuse_everyone_else(demo_types, principal, delegate, third_citizen, official):
    delegation = _grant(principal, delegate)
    page = reverse("petitions:delegations")
    revoke = reverse("petitions:delegation_revoke", args=[delegation.pk])
    assert Client().get(page).status_code == 302
    assert Client().post(revoke).status_code == 302
    assert login_verified(Client(), official).get(page).status_code == 404
    assert login_verified(Client(), official).post(revoke).status_code == 404
    # Another citizen, and the delegate themselves, cannot revoke it; a forged id is a 404.
    assert _client(third_citizen).post(revoke).status_code == 404
    assert _client(delegate).post(revoke).status_code == 404
    assert _client(principal).post(reverse("petitions:delegation_revoke", args=[99999])).status_code == 404
    assert _client(principal).get(revoke).status_code == 405
    delegation.refresh_from_db()
    assert delegation.revoked_at is None
    # A third citizen's page shows nothing of theirs.
    body = _client(third_citizen).get(page).content.decode()
    assert principal.display_name not in body and delegate.username not in body
