"""Reads of submissions, and who may see what. Pages and the API call these; a row someone may
not see is a 404, whether or not it exists."""

from __future__ import annotations

import datetime
import uuid

from django.core.cache import cache
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from sharing.documents import selectors as document_selectors
from sharing.documents.models import EDocument

from . import rules
from .models import Recipient, RecipientStaff, Submission

INBOX_PAGE_SIZE = 50


def recipients_for_choice() -> QuerySet[Recipient]:
    """The active recipients a citizen may choose, in the reader's order (Korean name)."""
    return Recipient.objects.filter(is_active=True).order_by("name_ko", "code")


def recipients_of_staff(user) -> list[Recipient]:
    """The active recipients whose inbox ``user`` may open (officials and recipient staff only)."""
    if not (user.is_authenticated and (user.is_official or user.is_recipient_staff)):
        return []
    return list(Recipient.objects.filter(staff_links__user=user, is_active=True).order_by("name_ko", "code"))


STAFF_CACHE_SECONDS = 3600


def staff_cache_key(user_id: int) -> str:
    return f"submissions:staff:{user_id}"


def is_recipient_staff(user) -> bool:
    """Whether ``user`` may open an inbox, from the shared cache (dropped by every change of a
    staff row or a recipient, see receivers): the menu asks on every page."""
    if not (user.is_authenticated and (user.is_official or user.is_recipient_staff)):
        return False
    key = staff_cache_key(user.pk)
    found = cache.get(key)
    if found is None:
        found = RecipientStaff.objects.filter(user=user, recipient__is_active=True).exists()
        cache.set(key, found, STAFF_CACHE_SECONDS)
    return bool(found)


def _with_parts(queryset: QuerySet[Submission]) -> QuerySet[Submission]:
    return queryset.select_related(
        "recipient", "owner", "retrieved_by", "document", "document__issuing_office", "document__superseded_by"
    )


def inbox_for_recipient(recipient: Recipient, *, now: datetime.datetime | None = None) -> QuerySet[Submission]:
    """What the recipient may retrieve now: sent or retrieved, not withdrawn, not past its end;
    newest first, with the document, its owner and its office (one query, however many rows)."""
    now = now or timezone.now()
    return _with_parts(
        Submission.objects.filter(
            recipient=recipient,
            status__in=(Submission.Status.SENT, Submission.Status.RETRIEVED),
            expires_at__gt=now,
        )
    ).order_by("-created_at", "-id")


def inbox_for_staff(user, *, now: datetime.datetime | None = None) -> QuerySet[Submission]:
    """The inboxes of every active recipient ``user`` is staff of, together."""
    now = now or timezone.now()
    if not is_recipient_staff(user):
        return Submission.objects.none()
    return _with_parts(
        Submission.objects.filter(
            recipient__staff_links__user=user,
            recipient__is_active=True,
            status__in=(Submission.Status.SENT, Submission.Status.RETRIEVED),
            expires_at__gt=now,
        )
    ).order_by("-created_at", "-id")


def submission_for_staff(*, user, public_id) -> Submission:
    """A submission to a recipient ``user`` is staff of (in any state: the page says why it
    cannot be retrieved any more); 404 for everyone else."""
    if not (user.is_authenticated and (user.is_official or user.is_recipient_staff)):
        raise Http404
    submission = (
        _with_parts(Submission.objects.filter(public_id=public_id, recipient__staff_links__user=user))
        .filter(recipient__is_active=True)
        .first()
    )
    if submission is None:
        raise Http404
    return submission


def recipient_of_using_agency(*, using_agency_id, user) -> Recipient | None:
    """The active recipient that is this using agency, when ``user`` (an official) is on its
    staff: an agency's system reads that inbox in the name of its answerable official."""
    if using_agency_id is None or not (user.is_authenticated and user.is_official):
        return None
    return (
        Recipient.objects.filter(using_agency_id=using_agency_id, is_active=True, staff_links__user=user)
        .order_by("pk")
        .first()
    )


def submission_for_recipient(*, recipient: Recipient, public_id) -> Submission:
    """A submission to ``recipient`` (in any state: the caller says why it cannot be retrieved
    any more); 404 for another recipient's or an unknown id."""
    submission = _with_parts(Submission.objects.filter(public_id=public_id, recipient=recipient)).first()
    if submission is None:
        raise Http404
    return submission


def submissions_of_citizen(user) -> QuerySet[Submission]:
    """The citizen's submissions, newest first (one query with the parts the list shows)."""
    return _with_parts(Submission.objects.filter(owner=user)).order_by("-created_at", "-id")


def submission_for_owner(*, user, public_id) -> Submission:
    submission = _with_parts(Submission.objects.filter(public_id=public_id, owner=user)).first()
    if submission is None:
        raise Http404
    return submission


def document_for_owner(*, user, public_id) -> EDocument:
    """The citizen's own issued document (its page offers submitting it); 404 for anyone else,
    officials of the issuing office included: this page is the owner's."""
    document = (
        EDocument.objects.select_related("issuing_office", "superseded_by")
        .filter(public_id=public_id, owner_id=user.pk)
        .first()
    )
    if document is None:
        raise Http404
    return document


def submissions_of_document(document: EDocument) -> list[Submission]:
    return list(_with_parts(Submission.objects.filter(document=document)).order_by("-created_at", "-id"))


def submittable_refusal(*, document: EDocument, user) -> str:
    """Why ``user`` may not submit ``document``, in words ("" when they may)."""
    code = rules.refusal_code(document=document, user=user)
    return str(rules.refusal_message(code)) if code else ""


def newest_version(document: EDocument) -> EDocument | None:
    """The document that replaced this one last (None when it is the newest)."""
    current, seen = document, set()
    while current.is_superseded and current.pk not in seen:
        seen.add(current.pk)
        current = current.superseded_by
    return current if current.pk != document.pk else None


def verification(document: EDocument) -> document_selectors.FileComparison:
    """What /verify/ would say of the stored file: its bytes against the issued hash, the seal,
    and the embedded signature (PAdES)."""
    with document.file.open("rb") as handle:
        content = handle.read()
    return document_selectors.file_comparison(document=document, content=content)


def submissions_named_in_log(details) -> dict[str, Submission]:
    """The submissions access-log entries of retrievals name (their ``detail`` begins
    "submission:<public id>"), by that detail: one query for a whole page of the log."""
    by_id: dict[str, str] = {}
    for detail in details:
        first = (detail or "").split(" ", 1)[0]
        if first.startswith("submission:"):
            by_id[first.removeprefix("submission:")] = detail
    if not by_id:
        return {}
    valid = []
    for public_id in by_id:
        try:
            valid.append(uuid.UUID(public_id))
        except ValueError:
            continue
    found = Submission.objects.filter(public_id__in=valid).select_related("recipient")
    return {by_id[str(submission.public_id)]: submission for submission in found}
