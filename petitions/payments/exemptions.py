"""Fee exemptions: the applicant claims one on a draft, with consent; the portal fetches the
eligibility from the agency that holds it (through sharing, instead of a certificate), under
the office that will handle the petition, which later shows it to its official."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import User

from ..errors import PetitionError
from ..models import FeeExemption, FeeExemptionClaim, Petition

C = FeeExemptionClaim.State
# Fetch states after which the eligibility will not come (sharing.models.FetchRequest.State).
GIVEN_UP_STATES = ("failed", "refused", "not_applicants")


@transaction.atomic
def fee_exemption_claim(*, petition: Petition, exemption: FeeExemption, actor: User) -> FeeExemptionClaim:
    """The applicant claims ``exemption`` and agrees that its eligibility is fetched for them."""
    from sharing.crypto import decrypt_text
    from sharing.errors import SharingError
    from sharing.services import fetch_requests_create
    from sharing.types import FetchSpec

    from ..services import _locked_draft, route_office
    from ..uses import use_for_office

    locked = _locked_draft(petition)
    if locked.applicant_id != actor.pk or exemption.petition_type_id != locked.petition_type_id:
        raise PetitionError(_("This exemption does not apply to this petition."))
    link = getattr(locked.applicant, "resident_link", None)
    if link is None:
        raise PetitionError(_("Confirm your identity before you file this petition."))
    existing = FeeExemptionClaim.objects.filter(petition=locked).first()
    if existing is not None and existing.exemption_id == exemption.pk and existing.state != C.UNAVAILABLE:
        return existing
    if existing is not None:
        existing.delete()
    # A new case for each claim: an earlier one's fetch (another item, or one that failed) is left as it was.
    case_ref = f"FEE-{uuid.uuid4().hex}"
    claim = FeeExemptionClaim.objects.create(
        petition=locked, exemption=exemption, case_ref=case_ref, consented_at=timezone.now()
    )
    office = route_office(petition_type=locked.petition_type, applicant=locked.applicant)
    fields = exemption.fetched_fields()
    use_id = use_for_office(
        office, item_id=exemption.item_id, purpose_code=exemption.purpose_code, fields=fields, consent=True
    )
    try:
        fetch_requests_create(
            case_ref=case_ref,
            office=office,
            items=[
                FetchSpec(
                    item_code=exemption.item.code,
                    fields=fields,
                    purpose_code=exemption.purpose_code,
                    subject_kind="person",
                    subject_id=decrypt_text(link.rrn_encrypted),
                    use_id=use_id,
                    consent_given=True,  # the claim is the applicant's consent (consented_at)
                )
            ],
        )
    except SharingError as exc:
        raise PetitionError(exc.message) from exc
    return claim


@transaction.atomic
def fee_exemption_withdraw(*, petition: Petition, actor: User) -> None:
    from ..services import _locked_draft

    locked = _locked_draft(petition)
    if locked.applicant_id != actor.pk:
        raise PetitionError(_("This exemption does not apply to this petition."))
    FeeExemptionClaim.objects.filter(petition=locked).delete()


def fee_exemption_check(*, claim: FeeExemptionClaim, actor: User, ip_address: str | None) -> FeeExemptionClaim:
    """Reads the fetched eligibility once it has come (one "viewed" entry in the access log)."""
    from sharing.errors import SharingError
    from sharing.models import FetchRequest
    from sharing.services import personal_data_read

    if claim.state != C.CHECKING:
        return claim
    fetch = FetchRequest.objects.select_related("item", "office").filter(case_ref=claim.case_ref).first()
    if fetch is None or fetch.state in GIVEN_UP_STATES:
        state = C.UNAVAILABLE
    elif fetch.state != FetchRequest.State.FETCHED:
        return claim
    else:
        exemption = claim.exemption
        try:
            values = personal_data_read(
                fetch_request=fetch,
                actor=actor,
                office=fetch.office,
                purpose=exemption.purpose_code,
                ip_address=ip_address,
            )
        except SharingError:
            state = C.UNAVAILABLE
        else:
            state = C.ELIGIBLE if values.get(exemption.eligibility_field) is True else C.NOT_ELIGIBLE
    with transaction.atomic():
        locked = FeeExemptionClaim.objects.select_for_update().get(pk=claim.pk)
        if locked.state == C.CHECKING:
            locked.state = state
            locked.checked_at = timezone.now()
            locked.save(update_fields=["state", "checked_at"])
    return locked
