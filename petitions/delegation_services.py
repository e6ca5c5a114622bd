"""Writes of filing for someone else (대리 신청): delegations granted and revoked, who a draft is
filed for, the principal's consent asked at filing, and the official's decision on a signed
delegation letter.

The account that files is the petition's ``applicant`` (the delegate); the person the petition
is for is its ``Representation``: whose information is fetched, whose access log gets every
fetch and view, and (with an account) who sees the petition beside the delegate.
"""

from __future__ import annotations

import datetime
import functools
import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import User

from .calendar import local_today
from .errors import PetitionError
from .models import Delegation, Petition, PetitionType, PetitionUpload, Representation

logger = logging.getLogger(__name__)
S = Petition.Status
MAX_DELEGATION_DAYS = 3 * 365


# --- Delegations ------------------------------------------------------------------------------


def _delegate_for(identifier: str) -> User | None:
    """The citizen account with this user name or e-mail (either spelling case), or None.

    An e-mail matches one account at most (a unique index, case-insensitive); a user name
    that is also someone else's e-mail matches nobody rather than a guess."""
    identifier = identifier.strip()
    if not identifier:
        return None
    found = list(
        User.objects.filter(Q(username__iexact=identifier) | Q(email__iexact=identifier), role=User.Role.CITIZEN)
        .filter(is_active=True)
        .order_by("pk")[:2]
    )
    return found[0] if len(found) == 1 else None


@transaction.atomic
def delegation_grant(
    *,
    principal: User,
    identifier: str,
    petition_types: list[PetitionType],
    all_types: bool,
    valid_until: datetime.date,
    consent_given: bool,
) -> Delegation:
    """Lets the account behind ``identifier`` file for ``principal``. The same answer whether or
    not such an account exists: the principal sees the identifier they typed, never an account."""
    if not hasattr(principal, "resident_link"):
        raise PetitionError(_("Confirm your identity before you let someone file for you."))
    today = local_today()
    if valid_until < today:
        raise PetitionError(_("The end date has passed. Choose today or a later day."))
    if valid_until > today + datetime.timedelta(days=MAX_DELEGATION_DAYS):
        raise PetitionError(_("A delegation lasts three years at most. Choose an earlier end date."))
    if not all_types and not petition_types:
        raise PetitionError(_("Choose the petition types, or every type."))
    identifier = identifier.strip()
    if identifier.lower() in {principal.username.lower(), (principal.email or "").lower()} - {""}:
        raise PetitionError(_("You file your own petitions yourself: give someone else's user name or e-mail."))
    delegate = _delegate_for(identifier)
    delegation = Delegation.objects.create(
        principal=principal,
        delegate=delegate if delegate is not None and delegate.pk != principal.pk else None,
        delegate_identifier=identifier[:254],
        all_types=all_types,
        valid_until=valid_until,
        consent_given=consent_given,
    )
    if not all_types:
        delegation.petition_types.set(petition_types)
    logger.info("delegation granted id=%s principal_id=%s", delegation.pk, principal.pk)
    return delegation


@transaction.atomic
def delegation_revoke(*, delegation: Delegation, principal: User) -> Delegation:
    """Ends a delegation at once: its delegate can no longer start or submit a filing under it."""
    locked = Delegation.objects.select_for_update().get(pk=delegation.pk)
    if locked.principal_id != principal.pk:
        raise PetitionError(_("Only the person who granted a delegation can revoke it."))
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        logger.info("delegation revoked id=%s", locked.pk)
    return locked


def ensure_delegation_usable(*, delegation: Delegation, delegate: User, petition_type_id: int) -> None:
    """Raises unless ``delegate`` may file a petition of the type under ``delegation`` today."""
    if delegation.delegate_id != delegate.pk:
        raise PetitionError(_("This delegation is not yours."))
    if delegation.revoked_at is not None:
        raise PetitionError(_("The delegation has been revoked. You can no longer file for this person."))
    if local_today() > delegation.valid_until:
        raise PetitionError(_("The delegation has expired. You can no longer file for this person."))
    if not delegation.covers(petition_type_id):
        raise PetitionError(_("The delegation does not cover this petition type."))


# --- Who a draft is for -------------------------------------------------------------------------


def representation_start(*, petition: Petition, delegation: Delegation | None, letter: bool) -> Representation:
    """Records who a new draft is filed for: the principal of ``delegation`` (their identity
    copied from their resident link), or a person the filer will name with a delegation letter."""
    if letter:
        return Representation.objects.create(
            petition=petition,
            basis=Representation.Basis.LETTER,
            letter_state=Representation.LetterState.PENDING,
        )
    if delegation is None:
        raise PetitionError(_("Choose who you are filing for."))
    ensure_delegation_usable(
        delegation=delegation, delegate=petition.applicant, petition_type_id=petition.petition_type_id
    )
    link = getattr(delegation.principal, "resident_link", None)
    if link is None:
        raise PetitionError(_("The person you file for has not confirmed their identity yet."))
    return Representation.objects.create(
        petition=petition,
        basis=Representation.Basis.DELEGATION,
        principal=delegation.principal,
        delegation=delegation,
        consent=(
            Representation.Consent.IN_DELEGATION if delegation.consent_given else Representation.Consent.NOT_ASKED
        ),
        consent_at=delegation.created_at if delegation.consent_given else None,
        principal_name=link.name,
        principal_rrn_encrypted=link.rrn_encrypted,
        principal_rrn_hash=link.rrn_hash,
        principal_rrn_masked=link.rrn_masked,
    )


@transaction.atomic
def letter_principal_set(*, petition: Petition, name: str, rrn: str, letter) -> Representation:
    """The person a letter names (name and RRN, kept encrypted) and the signed letter itself
    (validated like every upload; stored in the e-document store at submission)."""
    from sharing.crypto import encrypt_text, mask_rrn, subject_hash

    from .services import _locked_draft, _store_draft_upload

    locked = _locked_draft(petition)
    representation = Representation.objects.select_for_update().get(petition=locked)
    if not representation.is_letter:
        raise PetitionError(_("This petition is not filed with a delegation letter."))
    representation.principal_name = name.strip()[:100]
    representation.principal_rrn_encrypted = encrypt_text(rrn)
    representation.principal_rrn_hash = subject_hash(rrn)
    representation.principal_rrn_masked = mask_rrn(rrn)
    representation.save(
        update_fields=["principal_name", "principal_rrn_encrypted", "principal_rrn_hash", "principal_rrn_masked"]
    )
    locked.applicant_details = {**locked.applicant_details, "name": representation.principal_name}
    locked.save(update_fields=["applicant_details", "updated_at"])
    if letter is not None:
        _store_draft_upload(
            petition=locked,
            purpose=PetitionUpload.Purpose.DELEGATION_LETTER,
            reference="letter",
            title="위임장",
            title_en="Delegation letter",
            uploaded=letter,
        )
    return representation


# --- The principal's consent asked at filing ---------------------------------------------------


@transaction.atomic
def principal_consent_request(*, petition: Petition, actor: User) -> Representation:
    """The delegate asks the principal to consent to the fetching of their information for this
    draft; the principal answers on their delegations page."""
    representation = Representation.objects.select_for_update().filter(petition=petition).first()
    if representation is None:
        raise PetitionError(_("This petition is filed for yourself: there is nobody to ask."))
    locked = Petition.objects.get(pk=representation.petition_id)
    if locked.status != S.DRAFT or locked.applicant_id != actor.pk:
        raise PetitionError(_("Consent can be asked for a draft of yours only."))
    if representation.basis != Representation.Basis.DELEGATION:
        raise PetitionError(_("A delegation letter is checked by the official instead."))
    if representation.consent in {Representation.Consent.IN_DELEGATION, Representation.Consent.GIVEN}:
        return representation
    representation.consent = Representation.Consent.REQUESTED
    representation.consent_at = None
    representation.save(update_fields=["consent", "consent_at"])
    transaction.on_commit(functools.partial(_consent_request_notify, representation.pk))
    return representation


def _consent_request_notify(representation_id: int) -> None:
    from .tasks import delegation_consent_notify

    delegation_consent_notify.delay(representation_id)


@transaction.atomic
def principal_consent_answer(*, representation: Representation, principal: User, agree: bool) -> Representation:
    locked = Representation.objects.select_for_update().select_related("petition").get(pk=representation.pk)
    if locked.principal_id != principal.pk:
        raise PetitionError(_("Only the person the petition is for can answer."))
    if locked.consent != Representation.Consent.REQUESTED or locked.petition.status != S.DRAFT:
        raise PetitionError(_("This request has been answered already."))
    locked.consent = Representation.Consent.GIVEN if agree else Representation.Consent.REFUSED
    locked.consent_at = timezone.now()
    locked.save(update_fields=["consent", "consent_at"])
    return locked


# --- At submission -------------------------------------------------------------------------------


def representation_check_submit(*, petition: Petition) -> Representation | None:
    """The representation of a draft being submitted, checked again now (the delegation may have
    been revoked or have expired since the draft was started); None for one's own petition."""
    representation = Representation.objects.select_related("delegation").filter(petition=petition).first()
    if representation is None:
        return None
    if representation.basis == Representation.Basis.LETTER:
        if not representation.principal_rrn_hash:
            raise PetitionError(_("Name the person you file for and upload the signed delegation letter."))
        if not petition.uploads.filter(purpose=PetitionUpload.Purpose.DELEGATION_LETTER).exists():
            raise PetitionError(_("Upload the signed delegation letter."))
        return representation
    delegation = representation.delegation
    if delegation is None:
        raise PetitionError(_("The delegation has been revoked. You can no longer file for this person."))
    # Locked: a revocation committed meanwhile is seen; one arriving now waits for this filing.
    delegation = Delegation.objects.select_for_update().get(pk=delegation.pk)
    ensure_delegation_usable(
        delegation=delegation, delegate=petition.applicant, petition_type_id=petition.petition_type_id
    )
    consented = representation.consent == Representation.Consent.GIVEN or (
        representation.consent == Representation.Consent.IN_DELEGATION and delegation.consent_given
    )
    if not consented:
        raise PetitionError(
            _("%(name)s has not consented to the fetching of their information yet. Ask for their consent first.")
            % {"name": representation.principal_name}
        )
    return representation


# --- The access log ----------------------------------------------------------------------------


def representation_view_log(
    *, representation: Representation, viewer: User, ip_address: str | None = None, office=None
) -> None:
    """Writes a view of the principal's details on a petition filed for them (by the filer or an
    official) into the principal's access log; the principal's own views are not logged."""
    from sharing.audit import log_personal_data_access
    from sharing.models import AccessLogEntry

    if not representation.principal_rrn_hash or viewer.pk == representation.principal_id:
        return
    petition = representation.petition
    log_personal_data_access(
        action=AccessLogEntry.Action.VIEWED,
        subject_hash=representation.principal_rrn_hash,
        case_ref=petition.receipt_no or "",
        office=office if office is not None else petition.office,
        actor=viewer,
        item_code="representation",
        fields=["name", "rrn_masked", "contact"],
        purpose="delegated_filing" if representation.basis == Representation.Basis.DELEGATION else "delegation_letter",
        ip_address=ip_address,
    )


# --- The official's decision on a delegation letter ------------------------------------------------


def _ensure_office_member(petition: Petition, actor: User) -> None:
    from portal.models import OfficeMembership

    office_id = petition.office_id
    if office_id is None or not (
        actor.is_official and OfficeMembership.objects.filter(user=actor, office_id=office_id).exists()
    ):
        raise PetitionError(_("Only an official of the handling office can decide on the delegation letter."))


def _locked_letter(petition: Petition, actor: User) -> tuple[Petition, Representation]:
    locked = Petition.objects.select_for_update().get(pk=petition.pk)
    _ensure_office_member(locked, actor)
    representation = Representation.objects.select_for_update().filter(petition=locked).first()
    if representation is None or not representation.is_letter:
        raise PetitionError(_("This petition is not filed with a delegation letter."))
    if representation.letter_state != Representation.LetterState.PENDING or locked.status != S.SUBMITTED:
        raise PetitionError(_("The delegation letter has been decided already."))
    return locked, representation


@transaction.atomic
def letter_accept(*, petition: Petition, actor: User) -> Petition:
    """The official accepts the letter: only now is the principal's information fetched."""
    from .services import petition_fetches_create
    from .workflow import petition_transition

    locked, representation = _locked_letter(petition, actor)
    representation.letter_state = Representation.LetterState.ACCEPTED
    representation.letter_decided_by = actor
    representation.letter_decided_at = timezone.now()
    representation.save(update_fields=["letter_state", "letter_decided_by", "letter_decided_at"])
    if petition_fetches_create(petition=locked, snapshot=locked.type_snapshot, representation=representation):
        petition_transition(petition=locked, to=S.COLLECTING, actor=actor, note_key="letter_accepted")
    else:
        petition_transition(petition=locked, to=S.UNDER_REVIEW, actor=actor)
    logger.info("delegation letter accepted receipt_no=%s", locked.receipt_no)
    return locked


@transaction.atomic
def letter_refuse(*, petition: Petition, actor: User, reason: str) -> Petition:
    """The official refuses the letter: nothing is fetched; the petition goes to review, where
    the official asks for a supplement (another letter, the documents) or rejects it."""
    from .workflow import petition_transition

    locked, representation = _locked_letter(petition, actor)
    reason = reason.strip()
    if not reason:
        raise PetitionError(_("Say why the letter is refused."))
    representation.letter_state = Representation.LetterState.REFUSED
    representation.letter_decided_by = actor
    representation.letter_decided_at = timezone.now()
    representation.letter_reason = reason
    representation.save(update_fields=["letter_state", "letter_decided_by", "letter_decided_at", "letter_reason"])
    petition_transition(
        petition=locked, to=S.UNDER_REVIEW, actor=actor, note_key="letter_refused", note_params={"reason": reason}
    )
    logger.info("delegation letter refused receipt_no=%s", locked.receipt_no)
    return locked
