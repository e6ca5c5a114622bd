"""A consistency check of the database after a load or fault run (``manage.py check_consistency``).

It reads the database only, with aggregate queries (it must stay usable at a million
petitions), and reports counts and violations:

- petitions: by status; the same receipt number or the same submission (``submit_token``)
  stored twice; a filed petition without a receipt number; a petition filed (moved to
  "submitted") more than once; optionally, against the receipt numbers a client filed, every
  one present exactly once; once idle, no petition left collecting while none of its fetches
  is pending;
- fetches: by state; a (case, item) stored twice; a (case, item) fetched more than once by
  the same requester (the "fetched" entries of the access log; an official's deliberate
  re-fetch is counted apart); an answer stored for two fetches; a fetched item without its
  answer or its log entry; a fetch that failed, was refused or waits without a reason; a fetch
  stalled (due, untouched for long) or, once idle, any fetch still pending;
- the sandbox agencies (when mounted in this site, reported by the sandbox itself:
  sharing.sandbox.consistency): the transactions they answered that the
  portal never recorded (answers lost with a killed worker: the item was then asked again);
- the access log: the hash chain (the check of ``manage.py verify_access_log``);
- document requests: by state; once idle, none pending.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

EXAMPLES = 5


@dataclass
class Violation:
    check: str
    count: int
    message: str
    examples: list[str] = field(default_factory=list)


@dataclass
class ConsistencyReport:
    checked_at: str
    idle: bool
    since: str | None
    petitions: dict
    fetches: dict
    agencies: dict
    access_log: dict
    documents: dict
    expected: dict | None
    violations: list[Violation]

    @property
    def ok(self) -> bool:
        return not self.violations

    def violation(self, check: str) -> Violation | None:
        return next((v for v in self.violations if v.check == check), None)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["ok"] = self.ok
        return data


# Agencies mounted in this site report on their side here (the sandbox registers its report
# when it starts: sharing.sandbox.apps); the portal never reads their tables itself.
AgencyReport = Callable[..., dict]
_agency_reports: list[AgencyReport] = []


def agency_report_register(report: AgencyReport) -> None:
    """Adds ``report(*, since, recorded_fetches, examples) -> dict`` to the "agencies" section."""
    if report not in _agency_reports:
        _agency_reports.append(report)


def read_receipts(path: str | Path) -> list[str]:
    """Receipt numbers one per line, in file order: plain, or JSON objects with ``receipt_no`` (the
    load run's ``filed.jsonl``); blank lines and ``#`` comments are skipped."""
    receipts = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("{"):
            receipt = json.loads(line).get("receipt_no")
            if receipt:
                receipts.append(str(receipt))
        else:
            receipts.append(line.split()[0])
    return receipts


def _by(queryset, column: str) -> dict[str, int]:
    rows = queryset.order_by().values(column).annotate(n=Count("pk")).values_list(column, "n")
    return {str(key): n for key, n in sorted(rows, key=lambda row: str(row[0]))}


def _groups_over_one(queryset, columns: list[str], limit: int) -> tuple[int, list[str]]:
    """How many groups of ``columns`` hold more than one row, and a few of them."""
    groups = queryset.order_by().values(*columns).annotate(n=Count("pk")).filter(n__gt=1)
    count = groups.count()
    examples = ["/".join(str(row[c]) for c in columns) + f" x{row['n']}" for row in groups.order_by(*columns)[:limit]]
    return count, examples


def check_consistency(
    *,
    expected_receipts: list[str] | None = None,
    idle: bool = False,
    stalled_after: timedelta = timedelta(minutes=10),
    since: datetime | None = None,
    examples: int = EXAMPLES,
) -> ConsistencyReport:
    """Inspects the database; ``idle`` says no work should remain (no worker busy, no load).

    ``since`` narrows to a run's window the checks that read the access log, the agencies'
    transactions, the filing events, the petitions left collecting (bulk-seeded history has
    no timeline and no fetches) and the documents left pending; the others read the whole
    database.
    """
    from petitions.models import Petition, TimelineEvent
    from sharing.audit import verify_chain
    from sharing.documents.models import DocumentRequest
    from sharing.models import AccessLogEntry, FetchedData, FetchRequest

    now = timezone.now()
    violations: list[Violation] = []

    def add(check: str, count: int, message: str, sample=()):
        if count:
            violations.append(Violation(check, count, message, [str(s) for s in list(sample)[:examples]]))

    # --- Petitions ------------------------------------------------------------------------
    S = Petition.Status
    by_status = _by(Petition.objects.all(), "status")
    filed = Petition.objects.exclude(status=S.DRAFT)
    petitions = {
        "total": sum(by_status.values()),
        "by_status": by_status,
        "filed": sum(n for status, n in by_status.items() if status != S.DRAFT),
    }

    count, sample = _groups_over_one(Petition.objects.exclude(receipt_no__isnull=True), ["receipt_no"], examples)
    petitions["duplicate_receipt_no"] = count
    add("petitions.duplicate_receipt_no", count, "receipt numbers held by more than one petition", sample)

    count, sample = _groups_over_one(filed, ["submit_token"], examples)
    petitions["duplicate_submissions"] = count
    add("petitions.duplicate_submission", count, "submissions (submit tokens) stored as more than one petition", sample)

    missing_receipt = filed.filter(Q(receipt_no__isnull=True) | Q(receipt_no=""))
    count = missing_receipt.count()
    petitions["filed_without_receipt"] = count
    add(
        "petitions.filed_without_receipt",
        count,
        "filed petitions without a receipt number",
        missing_receipt.values_list("public_id", flat=True)[:examples],
    )

    submitted_events = TimelineEvent.objects.filter(to_status=S.SUBMITTED)
    if since is not None:
        submitted_events = submitted_events.filter(created_at__gte=since)
    twice = submitted_events.order_by().values("petition_id").annotate(n=Count("pk")).filter(n__gt=1)
    count = twice.count()
    petitions["submitted_twice"] = count
    add(
        "petitions.submitted_twice",
        count,
        'petitions moved to "submitted" more than once',
        Petition.objects.filter(pk__in=twice.values("petition_id")[:examples]).values_list("receipt_no", flat=True),
    )

    pending_fetch = FetchRequest.objects.filter(case_ref=OuterRef("receipt_no"), state__in=FetchRequest.PENDING_STATES)
    collecting_settled = Petition.objects.filter(status=S.COLLECTING).filter(~Exists(pending_fetch))
    if since is not None:
        collecting_settled = collecting_settled.filter(submitted_at__gte=since)
    count = collecting_settled.count()
    petitions["collecting_with_no_pending_fetch"] = count
    if idle:
        add(
            "petitions.collecting_but_settled",
            count,
            "petitions still collecting information while none of their fetches is pending",
            collecting_settled.values_list("receipt_no", flat=True)[:examples],
        )

    # --- Against the receipts a client filed ----------------------------------------------
    expected = None
    if expected_receipts is not None:
        distinct = list(dict.fromkeys(expected_receipts))
        found: dict[str, int] = {}
        drafts: list[str] = []
        for start in range(0, len(distinct), 5000):
            chunk = distinct[start : start + 5000]
            rows = (
                Petition.objects.filter(receipt_no__in=chunk)
                .order_by()
                .values("receipt_no")
                .annotate(n=Count("pk"), drafts=Count("pk", filter=Q(status=S.DRAFT)))
            )
            for row in rows:
                receipt_no = row["receipt_no"]
                if receipt_no is None:  # not asked for (receipt_no__in)
                    continue
                found[receipt_no] = row["n"]
                if row["drafts"]:
                    drafts.append(receipt_no)
        missing = [r for r in distinct if r not in found]
        more_than_once = [r for r, n in found.items() if n > 1]
        expected = {
            "lines": len(expected_receipts),
            "distinct": len(distinct),
            "present": len(found),
            "missing": len(missing),
            "more_than_once": len(more_than_once),
            "not_filed": len(drafts),
        }
        add(
            "expected.missing",
            len(missing),
            "receipt numbers the client was given that are not in the database",
            missing,
        )
        add(
            "expected.more_than_once",
            len(more_than_once),
            "receipt numbers the client was given stored twice",
            more_than_once,
        )
        add("expected.not_filed", len(drafts), "receipt numbers the client was given on a petition not filed", drafts)

    # --- Fetches --------------------------------------------------------------------------
    FS = FetchRequest.State
    by_state = _by(FetchRequest.objects.all(), "state")
    fetches: dict[str, Any] = {
        "total": sum(by_state.values()),
        "by_state": by_state,
        "pending": sum(by_state.get(str(s), 0) for s in FetchRequest.PENDING_STATES),
    }

    count, sample = _groups_over_one(FetchRequest.objects.all(), ["case_ref", "item_id"], examples)
    fetches["duplicate_case_item"] = count
    add("fetches.duplicate_case_item", count, "(case, item) pairs stored as more than one fetch", sample)

    # One entry per fetch: the one under the fetch's own subject (a fetch also writes one under each
    # person the record names, e.g. a vehicle's owner, with the same case, item and transaction).
    fetched_log = AccessLogEntry.objects.filter(action=AccessLogEntry.Action.FETCHED).filter(
        Exists(
            FetchRequest.objects.filter(
                case_ref=OuterRef("case_ref"), item__code=OuterRef("item_code"), subject_hash=OuterRef("subject_hash")
            )
        )
    )
    if since is not None:
        fetched_log = fetched_log.filter(created_at__gte=since)
    fetches["fetched_log_entries"] = fetched_log.count()
    # The same requester (the system, or one official) fetching one item of one case twice.
    count, sample = _groups_over_one(fetched_log, ["case_ref", "item_code", "actor_id"], examples)
    fetches["fetched_twice"] = count
    add("fetches.fetched_twice", count, "(case, item) fetched more than once by the same requester", sample)
    # Any requester: an official's deliberate re-fetch counts here (not a violation).
    fetches["fetched_more_than_once"], _sample = _groups_over_one(fetched_log, ["case_ref", "item_code"], examples)
    count, sample = _groups_over_one(fetched_log, ["detail"], examples)
    fetches["answer_logged_twice"] = count
    add("fetches.answer_logged_twice", count, "agency transactions logged as fetched more than once", sample)

    count, sample = _groups_over_one(FetchedData.objects.all(), ["txn_id"], examples)
    fetches["answer_stored_twice"] = count
    add("fetches.answer_stored_twice", count, "agency answers (transaction ids) stored for more than one fetch", sample)

    fetched = FetchRequest.objects.filter(state=FS.FETCHED)
    # Retention deletes the answer and blanks the subject; an answer missing otherwise is lost.
    no_data = fetched.filter(data__isnull=True).exclude(subject_encrypted="")
    count = no_data.count()
    fetches["fetched_without_data"] = count
    add(
        "fetches.fetched_without_data",
        count,
        "fetched items whose answer is not stored",
        no_data.values_list("case_ref", "item__code")[:examples],
    )
    no_time = fetched.filter(fetched_at__isnull=True)
    count = no_time.count()
    fetches["fetched_without_time"] = count
    add(
        "fetches.fetched_without_time",
        count,
        "fetched items without the time they were fetched",
        no_time.values_list("case_ref", "item__code")[:examples],
    )
    logged = AccessLogEntry.objects.filter(
        action=AccessLogEntry.Action.FETCHED, case_ref=OuterRef("case_ref"), item_code=OuterRef("item__code")
    )
    unlogged = fetched.filter(~Exists(logged))
    count = unlogged.count()
    fetches["fetched_without_log_entry"] = count
    add(
        "fetches.fetched_without_log_entry",
        count,
        'fetched items with no "fetched" entry in the access log',
        unlogged.values_list("case_ref", "item__code")[:examples],
    )

    # What the agency sent about someone other than the applicant is discarded, never stored.
    kept = FetchRequest.objects.filter(state=FS.NOT_APPLICANTS, data__isnull=False)
    count = kept.count()
    fetches["someone_elses_record_stored"] = count
    add(
        "fetches.someone_elses_record_stored",
        count,
        "answers about someone other than the applicant stored",
        kept.values_list("case_ref", "item__code")[:examples],
    )

    needs_reason = [FS.FAILED, FS.REFUSED, FS.AGENCY_UNAVAILABLE, FS.RETRYING, FS.NOT_APPLICANTS]
    no_reason = FetchRequest.objects.filter(state__in=needs_reason, error_code="")
    count = no_reason.count()
    fetches["without_reason"] = count
    add(
        "fetches.without_reason",
        count,
        "failed, refused or waiting fetches without a reason",
        no_reason.values_list("case_ref", "item__code", "state")[:examples],
    )
    fetches["failed_by_reason"] = _by(FetchRequest.objects.filter(state__in=[FS.FAILED, FS.REFUSED]), "error_code")

    pending = FetchRequest.objects.filter(state__in=FetchRequest.PENDING_STATES)
    stalled = pending.filter(updated_at__lt=now - stalled_after).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lt=now - stalled_after)
    )
    count = stalled.count()
    fetches["stalled"] = count
    add(
        "fetches.stalled",
        count,
        f"pending fetches due and untouched for more than {int(stalled_after.total_seconds())} s",
        stalled.values_list("case_ref", "item__code", "state")[:examples],
    )
    if idle:
        add(
            "fetches.stuck_pending",
            fetches["pending"],
            "fetches still pending while the system is idle",
            pending.order_by("updated_at").values_list("case_ref", "item__code", "state", "updated_at")[:examples],
        )

    # --- The sandbox agencies -------------------------------------------------------------
    agencies: dict = {"mounted": bool(_agency_reports)}
    for report_agencies in _agency_reports:
        agencies.update(report_agencies(since=since, recorded_fetches=FetchRequest.objects.all(), examples=examples))

    # --- The access log -------------------------------------------------------------------
    chain = verify_chain()
    access_log = {
        "entries": chain.checked if chain.ok else AccessLogEntry.objects.count(),
        "verified": chain.checked,
        "intact": chain.ok,
        "first_broken_sequence": chain.first_broken_sequence,
        "reason": chain.reason,
        "by_action": _by(AccessLogEntry.objects.all(), "action"),
    }
    if not chain.ok:
        add(
            "access_log.broken",
            1,
            f"the access log chain is broken at entry #{chain.first_broken_sequence}: {chain.reason}",
            [chain.first_broken_sequence],
        )

    # --- Document requests ----------------------------------------------------------------
    documents: dict[str, Any] = {"by_state": _by(DocumentRequest.objects.all(), "state")}
    documents["pending"] = documents["by_state"].get(DocumentRequest.State.PENDING, 0)
    failed_docs = DocumentRequest.objects.filter(state=DocumentRequest.State.FAILED, error_code="")
    count = failed_docs.count()
    add(
        "documents.failed_without_reason",
        count,
        "document requests failed without a reason",
        failed_docs.values_list("case_ref", "kind")[:examples],
    )
    if idle:
        stuck_docs = DocumentRequest.objects.filter(state=DocumentRequest.State.PENDING)
        if since is not None:
            stuck_docs = stuck_docs.filter(created_at__gte=since)
        add(
            "documents.stuck_pending",
            stuck_docs.count(),
            "document requests still pending while idle",
            stuck_docs.order_by("created_at").values_list("case_ref", "kind")[:examples],
        )

    return ConsistencyReport(
        checked_at=now.isoformat(),
        idle=idle,
        since=since.isoformat() if since else None,
        petitions=petitions,
        fetches=fetches,
        agencies=agencies,
        access_log=access_log,
        documents=documents,
        expected=expected,
        violations=violations,
    )


def render_text(report: ConsistencyReport) -> str:
    """The report for a terminal: counts first, then each violation with a few examples."""
    p, f, log = report.petitions, report.fetches, report.access_log
    statuses = ", ".join(f"{k} {v}" for k, v in p["by_status"].items()) or "none"
    states = ", ".join(f"{k} {v}" for k, v in f["by_state"].items()) or "none"
    lines = [
        f"Petitions: {p['total']} ({statuses}); filed {p['filed']}",
        f"  duplicate receipt numbers {p['duplicate_receipt_no']}, duplicate submissions "
        f"{p['duplicate_submissions']}, filed without receipt {p['filed_without_receipt']}, "
        f"submitted twice {p['submitted_twice']}, collecting with no pending fetch "
        f"{p['collecting_with_no_pending_fetch']}",
    ]
    if report.expected is not None:
        e = report.expected
        lines.append(
            f"Expected receipts: {e['distinct']} distinct ({e['lines']} lines): present {e['present']}, "
            f"missing {e['missing']}, more than once {e['more_than_once']}, not filed {e['not_filed']}"
        )
    reasons = ", ".join(f"{k} {v}" for k, v in f["failed_by_reason"].items()) or "none"
    lines += [
        f"Fetches: {f['total']} ({states}); pending {f['pending']}, stalled {f['stalled']}",
        f"  duplicate (case, item) {f['duplicate_case_item']}, fetched twice {f['fetched_twice']}, "
        f"fetched more than once (any requester) {f['fetched_more_than_once']}, answer logged twice "
        f"{f['answer_logged_twice']}, answer stored twice {f['answer_stored_twice']}",
        f"  fetched without data {f['fetched_without_data']}, without log entry {f['fetched_without_log_entry']}, "
        f"without reason {f['without_reason']}; failed/refused by reason: {reasons}",
    ]
    if report.agencies.get("mounted"):
        a = report.agencies
        answered = ", ".join(f"{k} {v}" for k, v in a["answered_by_agency"].items()) or "none"
        lines.append(
            f"Sandbox agencies: transactions answered {answered}; answers not recorded by the portal "
            f"{a['answers_not_recorded']}"
        )
    lines.append(
        f"Access log: {log['verified']} entries verified, "
        + ("chain intact" if log["intact"] else f"BROKEN at #{log['first_broken_sequence']}: {log['reason']}")
    )
    docs = ", ".join(f"{k} {v}" for k, v in report.documents["by_state"].items()) or "none"
    lines.append(f"Document requests: {docs}")
    if report.ok:
        lines.append("Consistent: no violation" + (" (checked as idle)." if report.idle else "."))
    else:
        lines.append(f"{len(report.violations)} violation(s):")
        for v in report.violations:
            lines.append(
                f"  {v.check}: {v.count} {v.message}" + (f" (e.g. {'; '.join(v.examples)})" if v.examples else "")
            )
    return "\n".join(lines)
