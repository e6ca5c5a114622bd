"""Writes of look-ups (열람) and online consents: making a look-up, reading and revealing its
answer, purging it, and a citizen granting and withdrawing consent.

A look-up is one fetch through the normal fetch path (``sharing.services``), under one approved
use, checked by ``sharing.hub.selectors.use_check`` before anything is stored or sent; its first
attempt runs at once, in the official's request, so that the answer is on the next page (a
transient failure is retried in the background like any fetch). Every look-up writes a
"looked up" entry in the access log, and every read of its answer a "viewed" or "revealed" one,
each with the use's affair and legal basis, under the subject (and every person the record is
about), so the citizen finds them on "who viewed my information".
"""

from __future__ import annotations

import datetime
import logging
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sharing import audit, crypto
from sharing.models import FetchedData, FetchRequest, ItemField

from . import selectors
from .errors import InvalidApplication, NotAllowed, UseError, UseRefused
from .models import ApprovedUse
from .models_lookups import ConsentGrant, Lookup
from .subjects import subject_clean

logger = logging.getLogger(__name__)
Basis = Lookup.ConsentBasis

PAPER_CONSENT_TITLE = ("정보주체 동의서 (서면)", "Signed consent of the person concerned (paper)")
RETENTION_PURPOSE = "retention"


class InvalidLookup(UseError):
    code = "invalid_lookup"


# --- Consent grants (citizens) --------------------------------------------------------------


def consent_grant_for(*, subject_hash: str, use: ApprovedUse, at=None) -> ConsentGrant | None:
    """The person's online consent in force for the use's agency and affair, if any."""
    from django.db.models import Q

    return (
        ConsentGrant.objects.in_force(at=at)
        .filter(subject_hash=subject_hash, using_agency_id=use.using_agency_id)
        .filter(Q(approved_use_id=use.pk) | Q(affair_code=use.affair_code))
        .order_by("-expires_at", "-id")
        .first()
    )


def _end_of(day: datetime.date) -> datetime.datetime:
    start = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
    return timezone.make_aware(start)


@transaction.atomic
def consent_grant_create(*, citizen, use: ApprovedUse, expires_on: datetime.date) -> ConsentGrant:
    """A citizen consents online, ahead of a look-up, to one agency's affair until ``expires_on``."""
    from sharing.tracker.selectors import citizen_subject_hash

    subject_hash = citizen_subject_hash(citizen)
    if subject_hash is None:
        raise NotAllowed(_("Confirm your identity once before you give consent online."))
    today = timezone.localdate()
    if not (use.consent_required and use.in_force_on(today)):
        raise InvalidApplication(_("This affair does not ask for your consent at the moment."))
    if expires_on <= today:
        raise InvalidApplication(_("Choose an end date after today."))
    if use.valid_until is not None and expires_on > use.valid_until:
        raise InvalidApplication(
            _("The agency's approval for this affair ends on %(date)s: choose that date or an earlier one.")
            % {"date": use.valid_until.isoformat()}
        )
    grant = ConsentGrant.objects.create(
        citizen=citizen,
        subject_hash=subject_hash,
        using_agency_id=use.using_agency_id,
        approved_use=use,
        affair_code=use.affair_code,
        expires_at=_end_of(expires_on),
    )
    logger.info("consent grant %s given use=%s", grant.public_id, use.pk)
    return grant


@transaction.atomic
def consent_grant_withdraw(*, citizen, grant: ConsentGrant) -> ConsentGrant:
    """Withdrawn at once: no look-up counts on it from now on. Idempotent."""
    locked = ConsentGrant.objects.select_for_update().get(pk=grant.pk)
    if locked.citizen_id != citizen.pk:
        raise PermissionDenied
    if locked.withdrawn_at is None:
        locked.withdrawn_at = timezone.now()
        locked.save(update_fields=["withdrawn_at"])
        logger.info("consent grant %s withdrawn", locked.public_id)
    return locked


# --- Look-ups (officials) -------------------------------------------------------------------


def _kept_until(*, now, case_reference: str) -> datetime.datetime:
    if case_reference:
        return now + datetime.timedelta(days=int(settings.RETENTION_LOOKUP_DAYS))
    return now + datetime.timedelta(seconds=int(settings.LOOKUP_UNATTACHED_SECONDS))


def _lookup_reference(lookup: Lookup) -> str:
    return f"L-{timezone.localtime(lookup.created_at):%Y}-{lookup.pk:07d}"


def lookup_create(
    *,
    official,
    office,
    use: ApprovedUse,
    subject: str,
    case_reference: str = "",
    reason: str,
    consent_basis: str = Basis.NONE,
    consent_scan=None,
    ip_address: str | None = None,
    registry=None,
) -> Lookup:
    """An official looks up ``subject`` under ``use`` from ``office``; the first attempt of the
    fetch runs before this returns.

    Raises NotAllowed (not a member of an office of the use's agency), InvalidSubject,
    InvalidLookup, UseRefused (outside the use, or no consent on record where the use needs it)
    and AttachmentRejected (a paper consent scan that is not a clean PDF/JPEG/PNG): nothing is
    stored or sent then.
    """
    from sharing.documents.services import attachment_store
    from sharing.services import fetch_execute, fetch_requests_create
    from sharing.types import FetchSpec

    if not (
        official.is_authenticated
        and official.is_official
        and office.using_agency_id == use.using_agency_id
        and official.memberships.filter(office_id=office.pk).exists()
    ):
        raise NotAllowed(_("Only officials of the agency's offices may look up under its uses."))
    item = use.item
    subject_id = subject_clean(item.subject_kind, subject)
    reason = (reason or "").strip()
    case_reference = (case_reference or "").strip()
    if not reason:
        raise InvalidLookup(_("Give the reason for this look-up."))
    subject_hash = crypto.subject_hash(subject_id)
    grant = None
    basis = Basis.NONE
    if use.consent_required:
        if consent_basis == Basis.ONLINE:
            grant = consent_grant_for(subject_hash=subject_hash, use=use)
            if grant is None:
                raise UseRefused(
                    _(
                        "This person has no online consent to %(affair)s in force: ask them to give it in the "
                        "portal, or attach their signed paper consent."
                    )
                    % {"affair": use.affair_name},
                    code="use_consent",
                )
            basis = Basis.ONLINE
        elif consent_basis == Basis.PAPER:
            if consent_scan is None:
                raise InvalidLookup(_("Attach the scan of the signed paper consent."))
            basis = Basis.PAPER
    selectors.use_check(
        selectors.use_for_fetch(use.pk),
        using_agency_id=office.using_agency_id,
        item_code=item.code,
        fields=list(use.fields),
        purpose_code=use.purpose.code,
        consent_given=basis != Basis.NONE,
    )
    with transaction.atomic():
        now = timezone.now()
        lookup = Lookup.objects.create(
            reference=f"L-new-{uuid.uuid4().hex[:24]}",
            official=official,
            office=office,
            using_agency_id=use.using_agency_id,
            approved_use=use,
            subject_kind=item.subject_kind,
            subject_encrypted=crypto.encrypt_text(subject_id),
            subject_hash=subject_hash,
            case_reference=case_reference[:60],
            reason=reason[:500],
            consent_basis=basis,
            consent_grant=grant,
            created_at=now,
            kept_until=_kept_until(now=now, case_reference=case_reference),
        )
        lookup.reference = _lookup_reference(lookup)
        if basis == Basis.PAPER:
            lookup.consent_document = attachment_store(
                uploaded_file=consent_scan,
                case_ref=lookup.reference,
                owner=official,
                issuing_office=office,
                title=PAPER_CONSENT_TITLE[0],
                title_en=PAPER_CONSENT_TITLE[1],
            )
        [fetch] = fetch_requests_create(
            case_ref=lookup.reference,
            office=office,
            requested_by=official,
            items=[
                FetchSpec(
                    item_code=item.code,
                    fields=list(use.fields),
                    purpose_code=use.purpose.code,
                    subject_kind=item.subject_kind,
                    subject_id=subject_id,
                    use_id=use.pk,
                    consent_given=basis != Basis.NONE,
                )
            ],
            enqueue=False,
        )
        lookup.fetch_request = fetch
        lookup.save(update_fields=["reference", "consent_document", "fetch_request"])
        audit.log_personal_data_access(
            action="looked_up",
            subject_hash=subject_hash,
            case_ref=lookup.reference,
            office=office,
            actor=official,
            item_code=item.code,
            fields=list(use.fields),
            purpose=use.purpose.code,
            ip_address=ip_address,
            detail=_lookup_detail(lookup),
            affair_code=use.affair_code,
            legal_basis=use.legal_basis,
        )
    logger.info("look-up %s use=%s office=%s consent=%s", lookup.reference, use.pk, office.code, basis)
    fetch_execute(fetch_request_id=fetch.pk, registry=registry)
    return lookup


def _lookup_detail(lookup: Lookup) -> str:
    consent = {Basis.NONE: "none needed", Basis.ONLINE: "online consent", Basis.PAPER: "signed paper consent"}
    parts = [
        f"look-up {lookup.reference}",
        f"case {lookup.case_reference or '-'}",
        f"consent: {consent[Basis(lookup.consent_basis)]}",
        f"reason: {lookup.reason}",
    ]
    return "; ".join(parts)[:500]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, dict):
        return ", ".join(f"{key}: {_text(part) or '-'}" for key, part in value.items())
    if isinstance(value, list):
        return "; ".join(_text(part) for part in value)
    return str(value)


@dataclass
class AnswerField:
    key: str
    label: str
    value: object
    revealed: bool = False

    @property
    def maskable(self) -> bool:
        """A value that is there to reveal (nothing to reveal in an empty one)."""
        return self.value not in (None, "")

    @property
    def lines(self) -> list[str] | None:
        """A revealed list, one line per entry; None for anything else."""
        return [_text(part) for part in self.value] if self.revealed and isinstance(self.value, list) else None

    @property
    def text(self) -> str:
        return _text(self.value)


@dataclass
class LookupAnswer:
    """What the answer page shows: the state of the fetch, and the approved fields (masked)."""

    state: str  # fetched, pending, failed, purged
    fields: list[AnswerField] = field(default_factory=list)
    message: str = ""
    revealed_key: str = ""


def lookup_answer_read(
    *, lookup: Lookup, actor, ip_address: str | None, reveal_field: str = "", reason: str = ""
) -> LookupAnswer:
    """The answer of the look-up for its official: only the fields the use approves (today),
    every one masked unless ``reveal_field`` is named with a ``reason``. Each read is one
    access-log entry ("viewed", or "revealed" with the field and the reason), through
    ``sharing.services.personal_data_read``.
    """
    from sharing.errors import SharingError
    from sharing.services import personal_data_read

    if actor.pk != lookup.official_id:
        raise PermissionDenied
    if lookup.is_purged:
        return LookupAnswer(state="purged")
    fetch = lookup.fetch_request
    if fetch is None or fetch.is_pending:
        return LookupAnswer(state="pending")
    if fetch.state != FetchRequest.State.FETCHED:
        return LookupAnswer(state="failed", message=fetch.error_message)
    use = lookup.approved_use
    approved = [key for key in fetch.fields if key in set(use.fields)]
    if reveal_field and reveal_field not in approved:
        raise InvalidLookup(_("This value cannot be revealed."))
    try:
        values = personal_data_read(
            fetch_request=fetch,
            actor=actor,
            office=lookup.office,
            purpose=use.purpose.code,
            ip_address=ip_address,
            reveal_fields=[reveal_field] if reveal_field else (),
            reason=reason,
            masked_fields=approved,
        )
    except SharingError as exc:
        return LookupAnswer(state="failed", message=str(exc))
    labels = {f.key: f.label for f in ItemField.objects.filter(item_id=fetch.item_id)}
    return LookupAnswer(
        state="fetched",
        fields=[
            AnswerField(key=key, label=labels.get(key, key), value=values.get(key), revealed=key == reveal_field)
            for key in approved
            if key in values
        ],
        revealed_key=reveal_field,
    )


# --- Purge ----------------------------------------------------------------------------------


def lookup_purge(*, lookup: Lookup, why: str) -> bool:
    """Deletes the look-up's personal data (the answer, the subject identifier, a paper consent
    scan) and logs the deletion under the subject; the row stays for oversight. Idempotent."""
    with transaction.atomic():
        locked = Lookup.objects.select_for_update().filter(pk=lookup.pk, purged_at__isnull=True).first()
        if locked is None:
            return False
        fetch = (
            FetchRequest.objects.select_for_update(of=("self",))
            .select_related("item")
            .filter(pk=locked.fetch_request_id)
            .first()
            if locked.fetch_request_id is not None
            else None
        )
        data = FetchedData.objects.filter(fetch_request_id=locked.fetch_request_id).first() if fetch else None
        persons = list(data.person_hashes or []) if data is not None else []
        fields = list(data.fields) if data is not None else []
        if data is not None:
            data.delete()
        if fetch is not None:
            FetchRequest.objects.filter(pk=fetch.pk).update(subject_encrypted="")
        document = locked.consent_document
        if document is not None:
            locked.consent_document = None
            locked.save(update_fields=["consent_document"])
            document._delete_for_retention()
        locked.subject_encrypted = ""
        locked.purged_at = timezone.now()
        locked.save(update_fields=["subject_encrypted", "purged_at"])
        audit.log_personal_data_access_many(
            action="deleted",
            subject_hashes=[locked.subject_hash, *persons],
            case_ref=locked.reference,
            office=locked.office,
            actor=None,
            item_code=fetch.item.code if fetch is not None else "",
            fields=fields,
            purpose=RETENTION_PURPOSE,
            detail=f"look-up {locked.reference}: the answer and the subject identifier deleted ({why})",
        )
    return True


def lookups_purge_expired(*, now=None, dry_run: bool = False) -> int:
    """Purges every look-up kept past its ``kept_until`` (the periodic task and the daily retention job)."""
    now = now or timezone.now()
    due = Lookup.objects.filter(purged_at__isnull=True, kept_until__lte=now).order_by("pk")
    if dry_run:
        return due.count()
    count = 0
    for lookup in due.iterator(chunk_size=200):
        why = "kept for the case reference's retention period" if lookup.case_reference else "the session ended"
        count += lookup_purge(lookup=lookup, why=why)
    return count


def lookups_purge_at_logout(*, official) -> int:
    """The official's look-ups not attached to a case reference go when their session ends."""
    count = 0
    for lookup in Lookup.objects.filter(official=official, purged_at__isnull=True, case_reference="").order_by("pk"):
        count += lookup_purge(lookup=lookup, why="the session ended")
    return count
