"""Writes of the tracker: privacy inquiries and their answers, refund inquiries.

Refund inquiries go through the sharing backbone like any fetch (logged, retried, one queue
per agency); their answers are read once through ``personal_data_read`` (logged "viewed")
and kept encrypted, so that the page polling for them does not read the data again. Claims
(petitions filed from an inquiry's answers) belong to petitions: petitions.refund_claims.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Office
from sharing import audit, crypto, ledger
from sharing.demo_catalogue import PORTAL_OFFICE_CODE
from sharing.errors import SharingError
from sharing.models import AccessLogEntry, FetchRequest

from . import labels, selectors
from .errors import TrackerError
from .models import Exchange, PrivacyInquiry, PrivacyOfficer, RefundAnswer, RefundInquiry

logger = logging.getLogger(__name__)

MAX_MESSAGE_LENGTH = 2000


def _notify_on_commit(inquiry_id: int, event: str) -> None:
    from .tasks import privacy_inquiry_notify

    transaction.on_commit(lambda: privacy_inquiry_notify.delay(inquiry_id, event))


def portal_office() -> Office:
    """The using office of requests a citizen makes for themself (the portal)."""
    office, _created = Office.objects.get_or_create(
        code=PORTAL_OFFICE_CODE,
        defaults={"name_ko": "민원 포털", "name_en": "Civil Petition Portal"},
    )
    return office


# --- The proof of an access-log entry -------------------------------------------------------


@transaction.atomic
def access_entry_proof(*, citizen, entry: AccessLogEntry, ip_address: str | None) -> dict:
    """The inclusion proof of an entry of the citizen's own log (sharing.ledger), for them to keep
    and check offline. The proof holds the entry's content, so handing it out is itself logged
    ("downloaded", by the citizen)."""
    if selectors.citizen_subject_hash(citizen) != entry.subject_hash:
        raise TrackerError(_("You can only download the proof of an access to your own information."))
    checkpoint = ledger.covering_checkpoint(entry.sequence)
    if checkpoint is None:
        raise TrackerError(
            _("This entry is not in a checkpoint yet: the portal commits to its log every minute. Try again shortly.")
        )
    try:
        proof = ledger.inclusion_proof(entry=entry, checkpoint=checkpoint)
    except ledger.LedgerError:
        logger.error(
            "access-log proof of entry %s: the log does not match checkpoint %s", entry.sequence, checkpoint.tree_size
        )
        raise TrackerError(
            _(
                "The proof cannot be made now: the access log does not match its checkpoint. "
                "The operators have been alerted."
            )
        ) from None
    audit.log_personal_data_access(
        action=AccessLogEntry.Action.DOWNLOADED,
        subject_hash=entry.subject_hash,
        case_ref=entry.case_ref,
        office=None,
        actor=citizen,
        item_code=labels.ACCESS_LOG_PROOF,
        fields=[],
        purpose=labels.ACCESS_LOG_PROOF,
        ip_address=ip_address,
        detail=f"entry {entry.sequence}",
    )
    return proof


# --- Privacy inquiries ----------------------------------------------------------------------


@transaction.atomic
def privacy_inquiry_create(*, citizen, entry: AccessLogEntry, message: str) -> PrivacyInquiry:
    """A citizen's concern about an entry of their own log, sent to the office that accessed it."""
    if selectors.citizen_subject_hash(citizen) != entry.subject_hash:
        raise TrackerError(_("You can only ask about accesses to your own information."))
    message = (message or "").strip()
    if not message:
        raise TrackerError(_("Write what concerns you about this access."))
    office = entry.office or portal_office()
    inquiry = PrivacyInquiry.objects.create(
        citizen=citizen, entry=entry, office=office, message=message[:MAX_MESSAGE_LENGTH]
    )
    _notify_on_commit(inquiry.pk, "asked")
    logger.info("privacy inquiry %s opened office=%s entry=%s", inquiry.pk, office.code, entry.sequence)
    return inquiry


@transaction.atomic
def privacy_inquiry_answer(*, inquiry: PrivacyInquiry, officer, answer: str) -> PrivacyInquiry:
    """The office's privacy officer answers; the citizen is told by e-mail and in the portal."""
    locked = PrivacyInquiry.objects.select_for_update().get(pk=inquiry.pk)
    if not PrivacyOfficer.objects.filter(office_id=locked.office_id, user=officer).exists():
        raise TrackerError(_("Only a privacy officer of the office can answer this inquiry."))
    if locked.status == PrivacyInquiry.Status.ANSWERED:
        raise TrackerError(_("This inquiry has been answered already."))
    answer = (answer or "").strip()
    if not answer:
        raise TrackerError(_("Write the answer to the citizen."))
    locked.answer = answer[:MAX_MESSAGE_LENGTH]
    locked.status = PrivacyInquiry.Status.ANSWERED
    locked.answered_by = officer
    locked.answered_at = timezone.now()
    locked.save(update_fields=["answer", "status", "answered_by", "answered_at"])
    _notify_on_commit(locked.pk, "answered")
    logger.info("privacy inquiry %s answered", locked.pk)
    return locked


@transaction.atomic
def privacy_answers_mark_seen(*, citizen) -> int:
    return PrivacyInquiry.objects.filter(
        citizen=citizen, status=PrivacyInquiry.Status.ANSWERED, answer_seen_at__isnull=True
    ).update(answer_seen_at=timezone.now())


# --- Un-refunded money ----------------------------------------------------------------------


def _refund_case_ref(inquiry: RefundInquiry) -> str:
    return f"RF-{inquiry.created_at:%Y}-{inquiry.pk:07d}"


@transaction.atomic
def refund_inquiry_start(*, citizen) -> RefundInquiry:
    """Asks every refund-holding agency at once (in parallel, on commit) about the citizen.

    An inquiry still waiting for answers is returned instead of asking again.
    """
    from sharing.services import fetch_requests_create
    from sharing.types import FetchSpec

    link = getattr(citizen, "resident_link", None) if citizen.is_citizen else None
    if link is None:
        raise TrackerError(_("Confirm your identity once before you look for refunds."))
    latest = selectors.refund_inquiry_latest(user=citizen)
    if (
        latest is not None
        and FetchRequest.objects.filter(case_ref=latest.case_ref, state__in=FetchRequest.PENDING_STATES).exists()
    ):
        return latest
    office = portal_office()
    uses = selectors.refund_uses(office=office)
    if not uses:
        raise TrackerError(_("No agency answers refund inquiries at the moment."))
    # The case reference names the row, so it is set once the row has its number.
    inquiry = RefundInquiry.objects.create(citizen=citizen, case_ref=f"RF-new-{uuid.uuid4().hex[:24]}")
    inquiry.case_ref = _refund_case_ref(inquiry)
    inquiry.save(update_fields=["case_ref"])
    rrn = crypto.decrypt_text(link.rrn_encrypted)
    try:
        fetch_requests_create(
            case_ref=inquiry.case_ref,
            office=office,
            requested_by=None,
            items=[
                FetchSpec(
                    item_code=item.code,
                    # The approved fields (a narrowed use asks fewer), in the item's order.
                    fields=[field.key for field in item.fields.all() if field.key in use.fields],
                    purpose_code=selectors.REFUND_INQUIRY_PURPOSE,
                    subject_kind=item.subject_kind,
                    subject_id=rrn,
                    use_id=use.pk,
                    # The citizen asks about themself: their own request is the consent.
                    consent_given=True,
                )
                for item, use in uses
            ],
        )
    except SharingError as exc:
        raise TrackerError(exc.message) from exc
    logger.info("refund inquiry %s started agencies=%s", inquiry.case_ref, len(uses))
    return inquiry


def refund_answers_collect(*, inquiry: RefundInquiry, actor, ip_address: str | None) -> int:
    """Reads each answer that has come in since the last look, once (one "viewed" log entry each)."""
    from sharing.services import personal_data_read

    read = set(inquiry.answers.values_list("fetch_request_id", flat=True))
    fresh = list(
        FetchRequest.objects.filter(case_ref=inquiry.case_ref, state=FetchRequest.State.FETCHED)
        .exclude(pk__in=read)
        .select_related("item__agency", "office")
    )
    collected = 0
    for fetch in fresh:
        with transaction.atomic():
            try:
                values = personal_data_read(
                    fetch_request=fetch,
                    actor=actor,
                    office=fetch.office,
                    purpose=selectors.REFUND_INQUIRY_PURPOSE,
                    ip_address=ip_address,
                )
            except SharingError:
                continue  # deleted after the retention period: the page says so
            try:
                with transaction.atomic():
                    RefundAnswer.objects.create(
                        inquiry=inquiry,
                        fetch_request=fetch,
                        payload_encrypted=crypto.encrypt_text(json.dumps(values, ensure_ascii=False)),
                    )
            except IntegrityError:
                continue  # another request of the same page read it at the same moment
        collected += 1
    return collected


# --- Retention ------------------------------------------------------------------------------


@transaction.atomic
def tracker_purge(*, now=None) -> dict[str, int]:
    """Refund answers go after RETENTION_FETCHED_DATA_DAYS, exchanges after TRACKER_EXCHANGE_DAYS.

    Idempotent; run daily by Celery beat (``tracker.purge``).
    """
    now = now or timezone.now()
    answer_days = int(getattr(settings, "RETENTION_FETCHED_DATA_DAYS", 30))
    exchange_days = int(getattr(settings, "TRACKER_EXCHANGE_DAYS", 8))
    answers, _detail = RefundAnswer.objects.filter(read_at__lt=now - timedelta(days=answer_days)).delete()
    exchanges, _detail = Exchange.objects.filter(finished_at__lt=now - timedelta(days=exchange_days)).delete()
    logger.info("tracker purge: %s refund answers, %s exchanges", answers, exchanges)
    return {"refund_answers": answers, "exchanges": exchanges}
