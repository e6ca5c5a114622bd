"""Retention: personal data goes when it is no longer needed, and every deletion is logged.

One job (``retention_purge``), run daily by Celery beat (``CELERY_BEAT_SCHEDULE``) and by hand
with ``manage.py purge_expired_data``:

- information fetched for a petition: ``RETENTION_FETCHED_DATA_DAYS`` after the petition was
  closed (approved, rejected or withdrawn), the agencies' answers and the subject identifier
  the fetch was made with are deleted; what was fetched, when and from whom stays on record;
- attachments (the citizen's uploads, kept in the e-document store):
  ``RETENTION_ATTACHMENT_DAYS`` after the petition was closed, through the store's
  retention-only delete;
- drafts never filed: ``RETENTION_DRAFT_DAYS`` after they were last changed, through the
  e-window's own discard; expired identity challenges a day after they expired;
- issued e-documents: ``EDOCUMENT_RETENTION_DAYS`` after issue, by the store's own purge;
- the access log is append-only (the database refuses deletes) and kept at least
  ``RETENTION_ACCESS_LOG_DAYS`` (never less than two years): the job only reports how many
  entries are past that period, for archiving. Entries are never deleted, so the access log's
  signed checkpoints (sharing/ledger.py) never contradict a purge: the purge is entries too.

Each deletion writes an access-log entry ("deleted", by the system on behalf of the office),
so the citizen sees on "who viewed my information" when their data went. The job is
idempotent: a second run finds nothing left to delete and writes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone

logger = logging.getLogger(__name__)

RETENTION_PURPOSE = "retention"
IDENTITY_CHALLENGE_GRACE = timedelta(days=1)


@dataclass(frozen=True)
class RetentionPeriods:
    fetched_data_days: int
    attachment_days: int
    draft_days: int
    edocument_days: int
    access_log_days: int
    lookup_days: int = 30


def retention_periods() -> RetentionPeriods:
    """The configured periods, checked: the access log is kept at least two years."""
    minimum = int(getattr(settings, "ACCESS_LOG_MINIMUM_RETENTION_DAYS", 730))
    periods = RetentionPeriods(
        fetched_data_days=int(settings.RETENTION_FETCHED_DATA_DAYS),
        attachment_days=int(settings.RETENTION_ATTACHMENT_DAYS),
        draft_days=int(settings.RETENTION_DRAFT_DAYS),
        edocument_days=int(settings.EDOCUMENT_RETENTION_DAYS),
        access_log_days=int(settings.RETENTION_ACCESS_LOG_DAYS),
        lookup_days=int(getattr(settings, "RETENTION_LOOKUP_DAYS", 30)),
    )
    if periods.access_log_days < max(minimum, 730):
        raise ImproperlyConfigured(
            f"RETENTION_ACCESS_LOG_DAYS is {periods.access_log_days}; the access log must be kept at least "
            f"{max(minimum, 730)} days (two years)."
        )
    for name in ("fetched_data_days", "attachment_days", "draft_days", "edocument_days", "lookup_days"):
        if getattr(periods, name) < 1:
            raise ImproperlyConfigured(f"The retention period {name} must be at least one day.")
    return periods


@dataclass
class RetentionReport:
    now: datetime
    dry_run: bool = False
    fetched_data: int = 0  # fetches whose answer and subject were deleted
    attachments: int = 0
    drafts: int = 0
    identity_challenges: int = 0
    edocuments: int = 0
    lookups: int = 0  # officials' look-ups whose answer and subject were deleted
    access_log_entries: int = 0  # kept
    access_log_past_period: int = 0  # kept, older than RETENTION_ACCESS_LOG_DAYS (for archiving)
    log_entries_written: int = 0
    periods: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["now"] = self.now.isoformat()
        return data

    def lines(self) -> list[str]:
        verb = "would delete" if self.dry_run else "deleted"
        p = self.periods
        return [
            f"Fetched information of {self.fetched_data} fetch(es) {verb} "
            f"({p.get('fetched_data_days')} days after the petition was closed).",
            f"{self.attachments} attachment(s) {verb} ({p.get('attachment_days')} days after the petition was closed).",
            f"{self.drafts} draft(s) {verb} ({p.get('draft_days')} days without change); "
            f"{self.identity_challenges} expired identity challenge(s) {verb}.",
            f"{self.edocuments} e-document(s) {verb} ({p.get('edocument_days')} days after issue).",
            f"Answers of {self.lookups} official look-up(s) {verb} (past their session or "
            f"{p.get('lookup_days')} days with a case reference).",
            f"Access log kept: {self.access_log_entries} entries, {self.access_log_past_period} older than "
            f"{p.get('access_log_days')} days (append-only: archive them before any removal).",
            f"{self.log_entries_written} deletion(s) recorded in the access log.",
        ]


# --- who the data is about -----------------------------------------------------------------


def _applicant_hashes(receipts) -> dict[str, str]:
    """Receipt number -> the applicant's subject hash (how their access log finds entries)."""
    from petitions.models import Petition

    rows = Petition.objects.filter(receipt_no__in=list(receipts)).values_list(
        "receipt_no", "applicant__resident_link__rrn_hash"
    )
    return {receipt: (rrn_hash or "") for receipt, rrn_hash in rows if receipt is not None}


def _log_deletion(
    report: RetentionReport,
    *,
    subject_hash: str,
    case_ref: str,
    office,
    item_code: str,
    fields,
    detail: str,
    also_about=(),
) -> None:
    """One entry under the subject and one under each other person the deleted data was about."""
    from sharing.audit import log_personal_data_access_many

    entries = log_personal_data_access_many(
        action="deleted",
        subject_hashes=[subject_hash or "", *also_about],
        case_ref=case_ref,
        office=office,
        actor=None,
        item_code=item_code,
        fields=list(fields or []),
        purpose=RETENTION_PURPOSE,
        detail=detail,
    )
    report.log_entries_written += len(entries)


def _closed_before(cutoff):
    from petitions.models import Petition
    from petitions.workflow import DECIDED

    return Petition.objects.filter(status__in=list(DECIDED), decided_at__lt=cutoff, receipt_no__isnull=False)


# --- the steps ------------------------------------------------------------------------------


def _purge_fetched_data(report: RetentionReport, *, now, days: int) -> None:
    from sharing.models import FetchedData, FetchRequest

    closed = _closed_before(now - timedelta(days=days)).values("receipt_no")
    expired = (
        FetchRequest.objects.filter(case_ref__in=closed)
        .filter(Q(data__isnull=False) | ~Q(subject_encrypted=""))
        .select_related("item", "office")
        .order_by("pk")
    )
    if report.dry_run:
        report.fetched_data = expired.count()
        return
    for fetch in expired.iterator(chunk_size=500):
        with transaction.atomic():
            locked = FetchRequest.objects.select_for_update().filter(pk=fetch.pk).first()
            if locked is None:
                continue
            data = FetchedData.objects.filter(fetch_request_id=fetch.pk).first()
            if data is None and not locked.subject_encrypted:
                continue  # another run got there first
            fields = list(data.fields) if data is not None else []
            if data is not None:
                data.delete()
            FetchRequest.objects.filter(pk=fetch.pk).update(subject_encrypted="")
            what = "the agency's answer and the subject identifier" if data is not None else "the subject identifier"
            _log_deletion(
                report,
                subject_hash=fetch.subject_hash,
                case_ref=fetch.case_ref,
                office=fetch.office,
                item_code=fetch.item.code,
                fields=fields,
                also_about=list(data.person_hashes or []) if data is not None else [],
                detail=f"{what} deleted {days} days after the petition was closed",
            )
        report.fetched_data += 1


def _purge_attachments(report: RetentionReport, *, now, days: int) -> None:
    from petitions.models import PetitionUpload
    from sharing.documents.models import EDocument, Kind

    closed = _closed_before(now - timedelta(days=days))
    expired = (
        EDocument.objects.filter(kind=Kind.ATTACHMENT, case_ref__in=closed.values("receipt_no"))
        .select_related("issuing_office")
        .order_by("pk")
    )
    leftovers = PetitionUpload.objects.filter(petition__in=closed).exclude(draft_file="")
    if report.dry_run:
        report.attachments = expired.count() + leftovers.count()
        return
    hashes = _applicant_hashes(set(expired.values_list("case_ref", flat=True)))
    for document in expired.iterator(chunk_size=200):
        try:
            with transaction.atomic():
                document._delete_for_retention()
                _log_deletion(
                    report,
                    subject_hash=document.subject_hash or hashes.get(document.case_ref, ""),
                    case_ref=document.case_ref,
                    office=document.issuing_office,
                    item_code=f"edocument:{document.kind}",
                    fields=[],
                    detail=f"attachment {document.public_id} deleted {days} days after the petition was closed",
                )
        except ProtectedError:
            continue  # a correction still refers to it; it goes with the correction
        report.attachments += 1
    # Copies of uploads that never reached the store (a filing that failed half-way).
    for upload in leftovers.select_related("petition", "petition__office").iterator(chunk_size=200):
        with transaction.atomic():
            name = upload.draft_file.name or ""
            upload.draft_file.delete(save=False)
            PetitionUpload.objects.filter(pk=upload.pk).update(draft_file="")
            petition = upload.petition
            _log_deletion(
                report,
                subject_hash=_applicant_hashes([petition.case_ref]).get(petition.case_ref, ""),
                case_ref=petition.case_ref,
                office=petition.office,
                item_code="upload",
                fields=[],
                detail=f"uploaded file {name.rsplit('/', 1)[-1]} deleted {days} days after the petition was closed",
            )
        report.attachments += 1


def _purge_drafts(report: RetentionReport, *, now, days: int) -> None:
    from petitions.errors import PetitionError
    from petitions.models import IdentityChallenge, Petition
    from petitions.services import petition_draft_discard

    stale = (
        Petition.objects.filter(status=Petition.Status.DRAFT, updated_at__lt=now - timedelta(days=days))
        .select_related("applicant__resident_link")
        .order_by("pk")
    )
    challenges = IdentityChallenge.objects.filter(expires_at__lt=now - IDENTITY_CHALLENGE_GRACE)
    if report.dry_run:
        report.drafts = stale.count()
        report.identity_challenges = challenges.count()
        return
    for draft in stale.iterator(chunk_size=200):
        link = getattr(draft.applicant, "resident_link", None)
        try:
            with transaction.atomic():
                petition_draft_discard(petition=draft)
                _log_deletion(
                    report,
                    subject_hash=link.rrn_hash if link else "",
                    case_ref="",
                    office=None,
                    item_code="draft",
                    fields=sorted(draft.data or {}),
                    detail=f"draft {draft.public_id} deleted after {days} days without change",
                )
        except (PetitionError, Petition.DoesNotExist):
            continue  # filed or discarded in the meantime
        report.drafts += 1
    for challenge in challenges.iterator(chunk_size=200):
        with transaction.atomic():
            deleted, _by_model = IdentityChallenge.objects.filter(pk=challenge.pk).delete()
            if not deleted:
                continue
            _log_deletion(
                report,
                subject_hash=_challenge_subject_hash(challenge),
                case_ref="",
                office=None,
                item_code="identity_challenge",
                fields=["name", "rrn"],
                detail="expired identity check deleted",
            )
        report.identity_challenges += 1


def _challenge_subject_hash(challenge) -> str:
    from sharing.crypto import decrypt_text, subject_hash

    try:
        return subject_hash(decrypt_text(challenge.rrn_encrypted))
    except Exception:  # noqa: BLE001 (a key since retired: the entry is still written, unattributed)
        return ""


def _purge_edocuments(report: RetentionReport, *, now, days: int) -> None:
    from portal.models import Office
    from sharing.documents.models import EDocument
    from sharing.documents.services import documents_retention_purge

    candidates = list(
        EDocument.objects.filter(issued_at__lt=now - timedelta(days=days)).values(
            "pk", "public_id", "kind", "case_ref", "subject_hash", "issuing_office_id"
        )
    )
    if report.dry_run:
        report.edocuments = len(candidates)
        return
    if not candidates:
        return
    documents_retention_purge(now=now)
    remaining = set(EDocument.objects.filter(pk__in=[c["pk"] for c in candidates]).values_list("pk", flat=True))
    deleted = [c for c in candidates if c["pk"] not in remaining]
    offices = Office.objects.in_bulk({c["issuing_office_id"] for c in deleted})
    hashes = _applicant_hashes({c["case_ref"] for c in deleted})
    for document in deleted:
        _log_deletion(
            report,
            subject_hash=document["subject_hash"] or hashes.get(document["case_ref"], ""),
            case_ref=document["case_ref"],
            office=offices.get(document["issuing_office_id"]),
            item_code=f"edocument:{document['kind']}",
            fields=[],
            detail=f"e-document {document['public_id']} deleted {days} days after issue",
        )
    report.edocuments = len(deleted)


def _purge_lookups(report: RetentionReport, *, now) -> None:
    """Officials' look-ups past their ``kept_until`` (RETENTION_LOOKUP_DAYS with a case reference,
    the session without one): the hub's purge, which logs each deletion itself."""
    from sharing.hub.services_lookups import lookups_purge_expired

    report.lookups = lookups_purge_expired(now=now, dry_run=report.dry_run)


def _access_log_summary(report: RetentionReport, *, now, days: int) -> None:
    from sharing.models import AccessLogEntry

    report.access_log_entries = AccessLogEntry.objects.count()
    report.access_log_past_period = AccessLogEntry.objects.filter(created_at__lt=now - timedelta(days=days)).count()


def retention_purge(*, now: datetime | None = None, dry_run: bool = False) -> RetentionReport:
    """Runs every retention step as of ``now`` (tests pass a later ``now`` to run the clock forward)."""
    periods = retention_periods()
    now = now or timezone.now()
    report = RetentionReport(now=now, dry_run=dry_run, periods=asdict(periods))
    _purge_fetched_data(report, now=now, days=periods.fetched_data_days)
    _purge_attachments(report, now=now, days=periods.attachment_days)
    _purge_drafts(report, now=now, days=periods.draft_days)
    _purge_edocuments(report, now=now, days=periods.edocument_days)
    _purge_lookups(report, now=now)
    _access_log_summary(report, now=now, days=periods.access_log_days)
    logger.info(
        "retention %s: fetched_data=%d attachments=%d drafts=%d identity_challenges=%d edocuments=%d "
        "log_entries_written=%d",
        "dry run" if dry_run else "purge",
        report.fetched_data,
        report.attachments,
        report.drafts,
        report.identity_challenges,
        report.edocuments,
        report.log_entries_written,
    )
    return report


@shared_task(name="portal.retention.purge_expired_data", acks_late=True)
def purge_expired_data() -> dict:
    """The daily beat task; idempotent (a second run deletes and logs nothing)."""
    return retention_purge().as_dict()
