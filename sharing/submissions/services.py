"""Writes of submissions to third parties: send, withdraw, retrieve (logged), expire.

Every status change locks the submission's row and is checked here; a refusal raises
``SubmissionError`` with a translated message the page (or the API) shows.
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sharing.audit import log_personal_data_access
from sharing.documents.models import EDocument

from . import rules
from .errors import SubmissionError
from .models import Recipient, Submission

# The access log's codes for a recipient's retrieval (sharing/tracker/labels.py gives them words).
LOG_PURPOSE = "third_party_submission"


def _log_detail(submission: Submission) -> str:
    """Which submission, which recipient and the citizen's stated purpose, as recorded."""
    return f"submission:{submission.public_id} recipient:{submission.recipient.code} purpose:{submission.purpose}"


@transaction.atomic
def submission_create(
    *,
    owner,
    document: EDocument,
    recipient: Recipient,
    purpose: str,
    message: str = "",
    expires_in_days: int | None = None,
    idempotency_key: str,
    now: datetime.datetime | None = None,
) -> Submission:
    """Sends ``document`` to ``recipient``. The same ``idempotency_key`` (the form's one-time
    token) sent again by the same owner returns the submission it made, not a second one."""
    existing = Submission.objects.filter(owner=owner, idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    code = rules.refusal_code(document=document, user=owner)
    if code:
        raise SubmissionError(rules.refusal_message(code), code=code)
    if not recipient.is_active:
        raise SubmissionError(_("This recipient no longer receives documents."), code="recipient_inactive")
    purpose = (purpose or "").strip()
    if not purpose:
        raise SubmissionError(_("Say what the document is for."), code="purpose")
    days = expires_in_days if expires_in_days is not None else rules.expiry_default_days()
    if not 1 <= days <= rules.expiry_max_days():
        raise SubmissionError(_("Choose between 1 and %(max)d days.") % {"max": rules.expiry_max_days()}, code="expiry")
    now = now or timezone.now()
    try:
        with transaction.atomic():
            return Submission.objects.create(
                document=document,
                owner=owner,
                recipient=recipient,
                purpose=purpose[:200],
                message=(message or "").strip()[:1000],
                created_at=now,
                expires_at=now + datetime.timedelta(days=days),
                idempotency_key=idempotency_key,
            )
    except IntegrityError:
        # The same form sent twice at once: the other request made it.
        return Submission.objects.get(owner=owner, idempotency_key=idempotency_key)


def _locked(submission: Submission) -> Submission:
    return Submission.objects.select_for_update().select_related("recipient", "document").get(pk=submission.pk)


@transaction.atomic
def submission_withdraw(*, submission: Submission, actor, now: datetime.datetime | None = None) -> Submission:
    """The owner takes a submission back before the recipient retrieved it."""
    locked = _locked(submission)
    if locked.owner_id != actor.pk:
        raise SubmissionError(_("Only the citizen who sent it can withdraw it."), code="not_owner")
    now = now or timezone.now()
    status = locked.current_status(now)
    if status == Submission.Status.RETRIEVED:
        raise SubmissionError(
            _("%(recipient)s already retrieved it, so it can no longer be withdrawn.")
            % {"recipient": locked.recipient.name},
            code="retrieved",
        )
    if status == Submission.Status.EXPIRED:
        raise SubmissionError(_("It has expired: the recipient can no longer retrieve it."), code="expired")
    if status == Submission.Status.WITHDRAWN:
        return locked
    locked.status = Submission.Status.WITHDRAWN
    locked.withdrawn_at = now
    locked.save(update_fields=["status", "withdrawn_at"])
    return locked


def _actor_label(actor) -> str:
    staff = getattr(actor, "staff_number", "") or ""
    return f"{actor.display_name} ({staff})" if staff else actor.display_name


@transaction.atomic
def submission_retrieve(
    *,
    submission: Submission,
    actor,
    ip_address: str | None = None,
    download: bool = False,
    now: datetime.datetime | None = None,
) -> Submission:
    """A staff member of the recipient opens (or downloads) the submission: refused once it was
    withdrawn or has expired; the first retrieval is kept on the submission, and every one is
    written to the access log under the document's owner (who, which recipient, for what)."""
    locked = _locked(submission)
    if not locked.recipient.staff_links.filter(user_id=actor.pk).exists():
        raise SubmissionError(_("Only the recipient's staff can retrieve it."), code="not_staff")
    now = now or timezone.now()
    status = locked.current_status(now)
    if status == Submission.Status.WITHDRAWN:
        raise SubmissionError(_("The citizen withdrew this submission."), code="withdrawn")
    if status == Submission.Status.EXPIRED or locked.is_expired(now):
        raise SubmissionError(_("This submission has expired and can no longer be retrieved."), code="expired")
    if locked.retrieved_at is None:
        locked.status = Submission.Status.RETRIEVED
        locked.retrieved_at = now
        locked.retrieved_by = actor
        locked.retrieved_by_label = _actor_label(actor)[:200]
    locked.retrieval_count += 1
    locked.save(update_fields=["status", "retrieved_at", "retrieved_by", "retrieved_by_label", "retrieval_count"])
    document = locked.document
    log_personal_data_access(
        action="downloaded" if download else "viewed",
        subject_hash=document.subject_hash,
        case_ref=document.case_ref,
        office=None,
        actor=actor,
        item_code=f"edocument:{document.kind}",
        fields=[],
        purpose=LOG_PURPOSE,
        ip_address=ip_address,
        detail=_log_detail(locked),
    )
    return locked


def submission_open_file(*, submission: Submission, actor, ip_address: str | None = None):
    """Retrieves (logged, as a download) and opens the signed PDF for reading."""
    retrieved = submission_retrieve(submission=submission, actor=actor, ip_address=ip_address, download=True)
    return retrieved.document, retrieved.document.file.open("rb")


def submissions_expire(*, now: datetime.datetime | None = None) -> int:
    """Marks submissions past their end that were never retrieved nor withdrawn as expired
    (beat; retrieval checks the end itself, so a late run changes nothing anyone can do)."""
    now = now or timezone.now()
    return Submission.objects.filter(status=Submission.Status.SENT, expires_at__lte=now).update(
        status=Submission.Status.EXPIRED
    )
