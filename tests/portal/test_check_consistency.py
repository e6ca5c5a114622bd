"""The consistency check of a load or fault run (portal/consistency.py, manage.py check_consistency).

A good state is built through the real paths (a petition filed, an item fetched from an agency
over HTTP, a fetch that failed); each test then breaks one thing and checks it is reported.
"""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from petitions.models import Petition, TimelineEvent
from portal.consistency import check_consistency
from sharing import audit, crypto, services
from sharing.models import AccessLogEntry, FetchedData, FetchRequest
from sharing.types import FetchSpec
from tests.factories import MembershipFactory, OfficialFactory
from tests.petitions.factories import PetitionFactory
from tests.sharing.conftest import agency, fake_agency, item, queued  # noqa: F401 (fixtures)
from tests.sharing.factories import FetchRequestFactory, InformationItemFactory, permitted
from tests.sharing.tampering import tamper_access_log_entry

RRN = "900101-1234567"
CASE = "2026-0000001"
State = FetchRequest.State
pytestmark = pytest.mark.django_db


@pytest.fixture
def good_state(item, office, queued, fake_agency, django_capture_on_commit_callbacks):  # noqa: F811
    """One filed petition whose one item was fetched; another whose item failed with a reason."""
    petition = PetitionFactory(
        receipt_no=CASE,
        status=Petition.Status.COLLECTING,
        office=office,
        petition_type__handling_office=office,
        submitted_at=timezone.now(),
    )
    TimelineEvent.objects.create(
        petition=petition, from_status=Petition.Status.DRAFT, to_status=Petition.Status.SUBMITTED
    )
    fake_agency.values = {"name": "김민원", "rrn": RRN, "address": "서울특별시 종로구 삼봉로 43"}
    with django_capture_on_commit_callbacks(execute=True):
        [fetch] = services.fetch_requests_create(
            case_ref=CASE,
            office=office,
            items=permitted(
                office,
                [
                    FetchSpec(
                        item_code=item.code,
                        fields=["name", "address"],
                        purpose_code="P-PENSION",
                        subject_kind="person",
                        subject_id=RRN,
                    )
                ],
            ),
        )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.fetch_execute(fetch_request_id=fetch.pk) == "fetched"
    petition.refresh_from_db()
    assert petition.status == Petition.Status.UNDER_REVIEW  # the settled signal moved it on

    other = PetitionFactory(
        receipt_no="2026-0000002",
        status=Petition.Status.UNDER_REVIEW,
        office=office,
        petition_type=petition.petition_type,
    )
    failed = FetchRequestFactory(
        case_ref=other.receipt_no,
        item=InformationItemFactory(agency=item.agency),
        office=office,
        state=State.FAILED,
        attempts=4,
        error_code="agency_timeout",
        error_detail="no answer within 1.0 s",
    )
    fetch.refresh_from_db()
    return {"petition": petition, "other": other, "fetch": fetch, "failed": failed}


def _checks(report) -> set[str]:
    return {violation.check for violation in report.violations}


def _log_fetched(fetch, actor=None, txn="txn-extra"):
    return audit.log_personal_data_access(
        action="fetched",
        subject_hash=fetch.subject_hash,
        case_ref=fetch.case_ref,
        office=fetch.office,
        actor=actor,
        item_code=fetch.item.code,
        fields=list(fetch.fields),
        purpose=fetch.purpose_code,
        detail=f"{fetch.item.agency.code} txn {txn}",
    )


def test_a_good_state_is_consistent_and_counted(good_state, capsys):
    report = check_consistency(idle=True)
    assert report.ok, report.violations
    assert report.petitions["filed"] == 2
    assert report.petitions["by_status"] == {"under_review": 2}
    assert report.fetches["by_state"] == {"failed": 1, "fetched": 1}
    assert report.fetches["pending"] == 0 and report.fetches["fetched_twice"] == 0
    assert report.fetches["failed_by_reason"] == {"agency_timeout": 1}
    assert report.fetches["fetched_log_entries"] == 1
    assert report.access_log["intact"] and report.access_log["verified"] == 1

    call_command("check_consistency", "--idle")
    out = capsys.readouterr().out
    assert "Consistent: no violation" in out and "chain intact" in out

    call_command("check_consistency", "--idle", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is True and data["violations"] == []
    assert data["fetches"]["by_state"] == {"failed": 1, "fetched": 1}


def test_the_same_submission_stored_twice_is_reported(good_state):
    petition = good_state["petition"]
    PetitionFactory(
        receipt_no="2026-0000003",
        submit_token=petition.submit_token,
        petition_type=petition.petition_type,
        office=petition.office,
        applicant=petition.applicant,
    )
    report = check_consistency()
    assert _checks(report) == {"petitions.duplicate_submission"}
    assert report.petitions["duplicate_submissions"] == 1
    with pytest.raises(CommandError, match="petitions.duplicate_submission"):
        call_command("check_consistency")


def test_a_petition_filed_twice_is_reported(good_state):
    petition = good_state["petition"]
    TimelineEvent.objects.create(
        petition=petition, from_status=Petition.Status.DRAFT, to_status=Petition.Status.SUBMITTED
    )
    report = check_consistency()
    assert _checks(report) == {"petitions.submitted_twice"}
    assert report.violation("petitions.submitted_twice").examples == [CASE]


def test_a_filed_petition_without_receipt_is_reported(good_state):
    PetitionFactory(receipt_no=None, petition_type=good_state["petition"].petition_type)
    PetitionFactory(receipt_no=None, status=Petition.Status.DRAFT, petition_type=good_state["petition"].petition_type)
    report = check_consistency()
    assert _checks(report) == {"petitions.filed_without_receipt"}
    assert report.petitions["filed_without_receipt"] == 1 and report.petitions["by_status"]["draft"] == 1


def test_expected_receipts_must_each_be_stored_once(good_state, tmp_path, capsys):
    receipts = tmp_path / "receipts.txt"
    receipts.write_text(f"# filed by the load run\n{CASE}\n2026-0000002\n{CASE}\n\n", encoding="utf-8")
    call_command("check_consistency", "--expected-receipts", str(receipts))
    assert "2 distinct (3 lines): present 2, missing 0" in capsys.readouterr().out

    receipts.write_text(f"{CASE}\n2026-0000002\n2026-0000099\n", encoding="utf-8")
    with pytest.raises(CommandError, match="expected.missing"):
        call_command("check_consistency", "--expected-receipts", str(receipts))
    report = check_consistency(expected_receipts=[CASE, "2026-0000099"])
    assert report.expected == {
        "lines": 2,
        "distinct": 2,
        "present": 1,
        "missing": 1,
        "more_than_once": 0,
        "not_filed": 0,
    }
    assert report.violation("expected.missing").examples == ["2026-0000099"]


def test_expected_receipts_read_the_load_runs_json_lines(good_state, tmp_path):
    from portal.consistency import read_receipts

    filed = tmp_path / "filed.jsonl"
    filed.write_text(
        json.dumps({"receipt_no": CASE, "type": "x"}) + "\n" + json.dumps({"receipt_no": "2026-0000002"}) + "\n",
        encoding="utf-8",
    )
    assert read_receipts(filed) == [CASE, "2026-0000002"]
    call_command("check_consistency", "--expected-receipts", str(filed))


def test_a_stuck_fetch_is_reported_as_stalled_and_when_idle(good_state):
    fetch = good_state["fetch"]
    stuck = FetchRequestFactory(
        case_ref="2026-0000002",
        item=InformationItemFactory(agency=fetch.item.agency),
        office=fetch.office,
        state=State.FETCHING,
        attempts=1,
    )
    # Recent: not stalled yet, but pending, so an idle system reports it.
    report = check_consistency()
    assert report.ok and report.fetches["pending"] == 1 and report.fetches["stalled"] == 0
    report = check_consistency(idle=True)
    assert _checks(report) == {"fetches.stuck_pending"}

    FetchRequest.objects.filter(pk=stuck.pk).update(updated_at=timezone.now() - timedelta(minutes=30))
    report = check_consistency()
    assert _checks(report) == {"fetches.stalled"}
    assert report.violation("fetches.stalled").examples[0].startswith("('2026-0000002'")

    # A retry scheduled for later is not stalled, however old the row.
    FetchRequest.objects.filter(pk=stuck.pk).update(
        state=State.RETRYING, error_code="agency_unavailable", next_attempt_at=timezone.now() + timedelta(minutes=1)
    )
    assert check_consistency().ok


def test_a_petition_left_collecting_is_reported_when_idle(good_state):
    Petition.objects.filter(pk=good_state["petition"].pk).update(status=Petition.Status.COLLECTING)
    assert check_consistency().ok
    report = check_consistency(idle=True)
    assert _checks(report) == {"petitions.collecting_but_settled"}
    assert report.violation("petitions.collecting_but_settled").examples == [CASE]
    # A run's window leaves out history filed before it (a bulk seed has no fetches).
    later = timezone.now() + timedelta(seconds=1)
    assert check_consistency(idle=True, since=later).ok
    assert _checks(check_consistency(idle=True, since=later - timedelta(hours=1))) == {
        "petitions.collecting_but_settled"
    }


def test_a_failed_fetch_without_reason_is_reported(good_state):
    FetchRequest.objects.filter(pk=good_state["failed"].pk).update(error_code="", error_detail="")
    report = check_consistency()
    assert _checks(report) == {"fetches.without_reason"}
    assert report.fetches["without_reason"] == 1


def test_an_item_fetched_twice_is_reported_but_not_an_officials_refetch(good_state):
    fetch = good_state["fetch"]
    official = MembershipFactory(office=fetch.office, user=OfficialFactory(username="refetcher")).user
    _log_fetched(fetch, actor=official, txn="txn-refetch")
    report = check_consistency()
    assert report.ok and report.fetches["fetched_more_than_once"] == 1

    _log_fetched(fetch, actor=None, txn="txn-second")
    report = check_consistency()
    assert _checks(report) == {"fetches.fetched_twice"}
    assert report.violation("fetches.fetched_twice").examples[0].startswith(f"{CASE}/{fetch.item.code}/")


def test_an_answer_logged_twice_is_reported(good_state):
    fetch = good_state["fetch"]
    official = MembershipFactory(office=fetch.office, user=OfficialFactory(username="refetcher")).user
    _log_fetched(fetch, actor=official, txn=fetch.txn_id)
    assert _checks(check_consistency()) == {"fetches.answer_logged_twice"}


def test_a_fetched_item_without_its_answer_is_reported(good_state):
    FetchedData.objects.filter(fetch_request=good_state["fetch"]).delete()
    report = check_consistency()
    assert _checks(report) == {"fetches.fetched_without_data"}
    # After the retention job (answer deleted, subject blanked) it is expected.
    FetchRequest.objects.filter(pk=good_state["fetch"].pk).update(subject_encrypted="")
    assert check_consistency().ok


def test_an_edited_access_log_entry_is_reported(good_state, capsys):
    entry = AccessLogEntry.objects.get()
    tamper_access_log_entry(entry.pk, detail="edited")
    report = check_consistency()
    assert _checks(report) == {"access_log.broken"}
    assert report.access_log["intact"] is False and report.access_log["first_broken_sequence"] == entry.sequence
    with pytest.raises(CommandError):
        call_command("check_consistency")
    assert "BROKEN at #1" in capsys.readouterr().out


def test_an_agency_answer_the_portal_never_recorded_is_counted(good_state):
    from sharing.sandbox.models import SeenTransaction

    now = timezone.now()
    SeenTransaction.objects.create(txn_id=good_state["fetch"].txn_id, agency_code="fake", seen_at=now)
    SeenTransaction.objects.create(txn_id="lost-with-the-worker", agency_code="fake", seen_at=now)
    SeenTransaction.objects.create(txn_id="before-the-run", agency_code="fake", seen_at=now - timedelta(hours=1))
    report = check_consistency(since=now - timedelta(minutes=1))
    assert report.agencies["answered_by_agency"] == {"fake": 2}
    assert report.agencies["answers_not_recorded"] == 1
    assert report.agencies["answers_not_recorded_examples"] == ["lost-with-the-worker"]
    assert check_consistency().agencies["answers_not_recorded"] == 2


def test_a_document_left_pending_is_reported_when_idle(good_state):
    from sharing.documents.models import DocumentRequest

    petition = good_state["petition"]
    DocumentRequest.objects.create(
        idempotency_key="receipt:x",
        kind="receipt",
        title="Receipt",
        case_ref=CASE,
        owner=petition.applicant,
        issuing_office=petition.office,
        template_name="documents/receipt.html",
    )
    assert check_consistency().ok
    report = check_consistency(idle=True)
    assert _checks(report) == {"documents.stuck_pending"}
    assert report.documents["by_state"] == {"pending": 1}
    assert check_consistency(idle=True, since=timezone.now() + timedelta(seconds=1)).ok


def test_the_subject_stays_encrypted_in_the_report(good_state):
    text = json.dumps(check_consistency().as_dict(), default=str, ensure_ascii=False)
    assert RRN not in text and crypto.subject_hash(RRN) not in text


def test_a_fetch_logged_under_the_persons_it_reveals_is_one_fetch_and_a_kept_discard_is_reported(good_state):
    """A vehicle's fetch writes an entry under the plate and one under its owner: one fetch, not two."""
    fetch = good_state["fetch"]
    audit.log_personal_data_access_many(
        action="fetched",
        subject_hashes=[crypto.subject_hash("850505-1111111")],
        case_ref=fetch.case_ref,
        office=fetch.office,
        actor=None,
        item_code=fetch.item.code,
        fields=list(fetch.fields),
        purpose=fetch.purpose_code,
        detail=f"{fetch.item.agency.code} txn {fetch.txn_id}",
    )
    report = check_consistency()
    assert report.ok, report.violations
    assert report.fetches["fetched_log_entries"] == 1

    # What the agency sent about someone else must never be stored.
    FetchRequest.objects.filter(pk=fetch.pk).update(state=State.NOT_APPLICANTS, error_code="not_applicants_record")
    assert _checks(check_consistency()) == {"fetches.someone_elses_record_stored"}
