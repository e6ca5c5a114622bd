"""The retention job: the clock is run forward (``now=``) and what remains is checked.

Petitions are filed, fetched and closed through the project's own services; the job then runs
as of later days: fetched information goes 30 days after closing, attachments after a year,
receipts after ten, drafts after 30 days untouched; open petitions keep everything; the access
log keeps everything and records every deletion; a second run changes nothing.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from portal.retention import purge_expired_data, retention_periods, retention_purge
from tests.conftest import login_verified
from tests.portal.test_settings import ROOT, _production_env

from .world import fetch_all


@pytest.fixture
def case(db, queued_fetches, queued_renders):
    from petitions import services
    from petitions.demo import petition_types_seed
    from petitions.identity import resident_link_set
    from petitions.models import IdentityChallenge, Petition
    from petitions.workflow import petition_transition
    from sharing.crypto import encrypt_text, subject_hash
    from sharing.demo import seed as catalogue_seed
    from sharing.documents.models import Kind
    from tests.documents.factories import issued_document
    from tests.factories import CITIZEN1, CitizenFactory, MembershipFactory, OfficeFactory, OfficialFactory
    from tests.petitions.helpers import file_building_use_change

    office = OfficeFactory(code="jongno", name_ko="종로구청", name_en="Jongno-gu Office", district_code="11110")
    catalogue_seed()
    petition_types_seed()
    citizen = CitizenFactory(username="retention-citizen")
    resident_link_set(user=citizen, record=CITIZEN1)
    official = MembershipFactory(office=office, user=OfficialFactory(username="retention-official")).user

    approved = file_building_use_change(citizen)
    fetch_all(approved.receipt_no)
    approved = Petition.objects.get(pk=approved.pk)
    # The move to review happens on commit (case_fetches_settled); these tests run in one transaction.
    petition_transition(petition=approved, to=Petition.Status.UNDER_REVIEW)
    petition_transition(petition=approved, to=Petition.Status.APPROVED, actor=official, note="적합")
    withdrawn = file_building_use_change(citizen, reason="취소할 신청")
    fetch_all(withdrawn.receipt_no, only=["land_use_plan"], refuse=["land_use_plan"])
    services.petition_withdraw(petition=withdrawn, actor=citizen, reason="다시 신청하겠습니다.")
    still_open = file_building_use_change(citizen, reason="검토 중인 신청")
    fetch_all(still_open.receipt_no)
    petition_transition(petition=Petition.objects.get(pk=still_open.pk), to=Petition.Status.UNDER_REVIEW)

    documents = {}
    for name, petition in (("approved", approved), ("withdrawn", withdrawn), ("open", still_open)):
        documents[f"{name} receipt"] = issued_document(owner=citizen, office=office, case_ref=petition.receipt_no)
        documents[f"{name} attachment"] = issued_document(
            owner=citizen,
            office=office,
            kind=Kind.ATTACHMENT,
            case_ref=petition.receipt_no,
            title="도면",
            subject_hash="",
        )
    old_draft = services.petition_draft_start(petition_type=approved.petition_type, applicant=citizen)
    services.petition_draft_update_answers(petition=old_draft, answers={"reason": "오래된 초안"})
    fresh_draft = services.petition_draft_start(petition_type=approved.petition_type, applicant=citizen)
    now = timezone.now()
    Petition.objects.filter(pk=old_draft.pk).update(updated_at=now - timedelta(days=40))
    challenge = IdentityChallenge.objects.create(
        user=CitizenFactory(username="retention-newcomer"),
        provider="sandbox",
        name="박새내",
        rrn_encrypted=encrypt_text("850505-1234567"),
        code_hash="x",
        expires_at=now - timedelta(days=2),
    )
    return {
        "citizen": citizen,
        "official": official,
        "office": office,
        "now": now,
        "approved": approved,
        "withdrawn": withdrawn,
        "open": still_open,
        "documents": documents,
        "old_draft": old_draft,
        "fresh_draft": fresh_draft,
        "challenge": challenge,
        "hash": subject_hash(CITIZEN1.rrn),
        "newcomer_hash": subject_hash("850505-1234567"),
    }


def _fetched(receipt_no):
    from sharing.models import FetchedData, FetchRequest

    return (
        FetchedData.objects.filter(fetch_request__case_ref=receipt_no).count(),
        FetchRequest.objects.filter(case_ref=receipt_no).exclude(subject_encrypted="").count(),
    )


def _deletions(**filters):
    from sharing.models import AccessLogEntry

    return list(AccessLogEntry.objects.filter(action="deleted", **filters).order_by("sequence"))


def _existing(documents: dict) -> set[str]:
    from sharing.documents.models import EDocument

    pks = set(EDocument.objects.values_list("pk", flat=True))
    return {name for name, document in documents.items() if document.pk in pks}


def test_the_clock_runs_forward_and_each_kind_of_data_goes_in_its_time(case, settings):
    from petitions.models import IdentityChallenge, Petition
    from sharing.audit import verify_chain
    from sharing.models import AccessLogEntry, FetchRequest

    assert (
        settings.RETENTION_FETCHED_DATA_DAYS,
        settings.RETENTION_ATTACHMENT_DAYS,
        settings.RETENTION_DRAFT_DAYS,
        settings.EDOCUMENT_RETENTION_DAYS,
    ) == (30, 365, 30, 3650)
    now, documents = case["now"], case["documents"]
    approved, withdrawn, still_open = case["approved"], case["withdrawn"], case["open"]
    assert _fetched(approved.receipt_no) == (3, 3) and _fetched(withdrawn.receipt_no) == (0, 3)
    log_before = AccessLogEntry.objects.count()

    # Day 1: only the draft untouched for 40 days and the expired identity check go.
    report = retention_purge(now=now + timedelta(days=1))
    assert (report.fetched_data, report.attachments, report.drafts, report.identity_challenges, report.edocuments) == (
        0,
        0,
        1,
        1,
        0,
    )
    assert not Petition.objects.filter(pk=case["old_draft"].pk).exists()
    assert Petition.objects.filter(pk=case["fresh_draft"].pk).exists()
    assert not IdentityChallenge.objects.filter(pk=case["challenge"].pk).exists()
    draft_entry, challenge_entry = _deletions()
    assert draft_entry.item_code == "draft" and draft_entry.subject_hash == case["hash"]
    assert draft_entry.fields == ["reason"] and draft_entry.actor is None
    assert challenge_entry.subject_hash == case["newcomer_hash"]

    # Day 29 after closing: nothing more.
    assert retention_purge(now=now + timedelta(days=29)).log_entries_written == 0

    # Day 31: the information fetched for the two closed petitions is gone; the open one keeps its own.
    report = retention_purge(now=now + timedelta(days=31))
    assert report.fetched_data == 6 and report.drafts == 1  # 3 + 3 fetches; the fresh draft is now 31 days old
    assert _fetched(approved.receipt_no) == (0, 0) and _fetched(withdrawn.receipt_no) == (0, 0)
    assert _fetched(still_open.receipt_no) == (3, 3)
    # What was fetched, when and from whom stays on record.
    assert FetchRequest.objects.filter(case_ref=approved.receipt_no, state="fetched").count() == 3
    entries = _deletions(case_ref=approved.receipt_no)
    assert len(entries) == 3 and {e.subject_hash for e in entries} <= {case["hash"], *_subject_hashes(approved)}
    assert all(e.office_id == case["office"].pk and e.actor_id is None and e.purpose == "retention" for e in entries)
    assert sorted(e.item_code for e in entries) == ["building_ledger", "land_use_plan", "resident_abstract"]
    assert all(e.fields for e in entries)  # the answered fields are named
    refused = [e for e in _deletions(case_ref=withdrawn.receipt_no) if e.item_code == "land_use_plan"]
    assert refused and refused[0].fields == []  # only its subject identifier was left
    assert _existing(documents) == set(documents)

    # Day 366: the attachments of the closed petitions go; the open petition's stays; receipts stay.
    report = retention_purge(now=now + timedelta(days=366))
    assert report.attachments == 2 and report.fetched_data == 0
    assert _existing(documents) == set(documents) - {"approved attachment", "withdrawn attachment"}
    attachment_entries = _deletions(item_code="edocument:attachment")
    assert len(attachment_entries) == 2 and {e.subject_hash for e in attachment_entries} == {case["hash"]}

    # Ten years and a day: the receipts go too (the e-document store's own period); the open
    # petition's attachment with them, as every issued document.
    report = retention_purge(now=now + timedelta(days=3651))
    assert report.edocuments == 4
    assert _existing(documents) == set()
    assert len(_deletions(item_code="edocument:receipt")) == 3

    # The log kept every entry, appended one per deletion, and its chain holds.
    deletions = _deletions()
    assert AccessLogEntry.objects.count() == log_before + len(deletions)
    assert verify_chain().ok
    assert report.access_log_entries == AccessLogEntry.objects.count()

    # Running again deletes and records nothing.
    again = retention_purge(now=now + timedelta(days=3651))
    assert again.log_entries_written == 0 and AccessLogEntry.objects.count() == log_before + len(deletions)


def _subject_hashes(petition):
    from sharing.models import FetchRequest

    return set(FetchRequest.objects.filter(case_ref=petition.receipt_no).values_list("subject_hash", flat=True))


def test_pages_of_a_petition_whose_information_was_deleted_still_open(case):
    retention_purge(now=case["now"] + timedelta(days=31))
    receipt = case["approved"].receipt_no
    citizen = Client()
    citizen.force_login(case["citizen"], backend="django.contrib.auth.backends.ModelBackend")
    assert citizen.get(f"/my/petitions/{receipt}/").status_code == 200
    official = login_verified(Client(), case["official"])
    response = official.get(f"/officer/petitions/{receipt}/")
    assert response.status_code == 200


def test_the_deletions_appear_in_the_citizens_access_log(case):
    from sharing.selectors import access_log_for_subject

    retention_purge(now=case["now"] + timedelta(days=31))
    actions = list(access_log_for_subject(case["hash"]).values_list("action", flat=True))
    assert "deleted" in actions and "fetched" in actions


def test_a_dry_run_counts_and_deletes_nothing(case):
    from sharing.models import AccessLogEntry

    before = AccessLogEntry.objects.count()
    call_command("purge_expired_data", "--dry-run", stdout=(out := __import__("io").StringIO()))
    assert "would delete" in out.getvalue()
    assert AccessLogEntry.objects.count() == before
    report = retention_purge(now=case["now"] + timedelta(days=31), dry_run=True)
    assert report.fetched_data == 6 and report.log_entries_written == 0
    assert _fetched(case["approved"].receipt_no) == (3, 3)


def test_the_command_and_the_beat_task_run_the_job(case, settings):
    from portal.celery import app

    out = __import__("io").StringIO()
    call_command("purge_expired_data", stdout=out)
    assert "deleted" in out.getvalue() and "Access log kept" in out.getvalue()
    entry = settings.CELERY_BEAT_SCHEDULE["purge-expired-data"]
    assert entry["task"] == purge_expired_data.name == "portal.retention.purge_expired_data"
    assert "portal.retention" in settings.CELERY_IMPORTS
    assert purge_expired_data.name in app.tasks
    result = purge_expired_data.delay().get()  # eager in tests: runs here
    assert result["log_entries_written"] == 0  # the command already did today's work


def test_an_access_log_period_under_two_years_is_refused(settings):
    settings.RETENTION_ACCESS_LOG_DAYS = 729
    with pytest.raises(ImproperlyConfigured, match="at least 730 days"):
        retention_periods()


def test_an_access_log_period_under_two_years_stops_the_start_up(tmp_path):
    env = _production_env(tmp_path, RETENTION_ACCESS_LOG_DAYS="365")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "RETENTION_ACCESS_LOG_DAYS is 365; the access log must be kept at least 730 days" in result.stderr


def test_a_deletion_is_logged_under_every_person_the_deleted_answer_was_about(case):
    """An answer about a building names its owner (FetchedData.person_hashes): its deletion is
    recorded in the owner's log too, not only under the building id."""
    from sharing.crypto import subject_hash
    from sharing.models import FetchedData

    owner = subject_hash("850505-1111111")
    FetchedData.objects.filter(
        fetch_request__case_ref=case["approved"].receipt_no, fetch_request__item__code="building_ledger"
    ).update(person_hashes=[owner])
    report = retention_purge(now=case["now"] + timedelta(days=31))
    [entry] = _deletions(subject_hash=owner)
    assert entry.case_ref == case["approved"].receipt_no and entry.item_code == "building_ledger"
    assert report.log_entries_written == len(_deletions())


def test_a_lawful_purge_never_contradicts_a_checkpoint(case, settings, tmp_path):
    """The access log's checkpoints before and after a purge hold: the purge removes data, not
    entries, and its deletions are entries the next checkpoint commits to (time-stamped by the
    sandbox TSA)."""
    from sharing import ledger
    from sharing.models import AccessLogEntry

    settings.ACCESS_LOG_CHECKPOINT_DIR = tmp_path / "checkpoints"
    before = ledger.checkpoint_run()
    report = retention_purge(now=case["now"] + timedelta(days=3651))
    assert report.log_entries_written > 0
    after = ledger.checkpoint_run()
    assert after.tree_size == before.tree_size + report.log_entries_written
    assert AccessLogEntry.objects.filter(sequence__gt=before.tree_size, action="deleted").count() == (
        report.log_entries_written
    )
    result = ledger.ledger_verify()
    assert result.ok and result.checkpoints == 2 and not result.warnings, (result.problems, result.warnings)
