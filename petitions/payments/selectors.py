"""Reads of fee payment: what a petition's pages show of its fee."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ..models import FeeExemptionClaim, Payment, Petition


@dataclass
class PetitionFee:
    fee: int
    payments: list[Payment]  # paid or refunded, newest first
    claim: FeeExemptionClaim | None
    evidence: dict = field(default_factory=dict)  # the fetched eligibility (officials only, logged)

    @property
    def exempt(self) -> bool:
        return self.claim is not None and self.claim.is_eligible


def petition_fee(petition: Petition) -> PetitionFee | None:
    """The fee of a filed petition, its payments and the exemption claimed (None: no fee)."""
    fee = int((petition.type_snapshot or {}).get("fee") or 0)
    if not fee:
        return None
    payments = list(
        Payment.objects.filter(petition=petition, status__in=[Payment.Status.PAID, Payment.Status.REFUNDED])
    )
    claim = FeeExemptionClaim.objects.select_related("exemption__item__agency").filter(petition=petition).first()
    return PetitionFee(fee=fee, payments=payments, claim=claim)


def petition_fee_for_official(petition: Petition, *, official, ip_address: str | None) -> PetitionFee | None:
    """The same, with the eligibility fetched for an exemption read as the office's official
    (one "viewed" entry in the access log, as every fetched item is)."""
    from django.core.exceptions import PermissionDenied

    from sharing.errors import SharingError
    from sharing.models import FetchRequest
    from sharing.services import personal_data_read

    fee = petition_fee(petition)
    if fee is None or fee.claim is None or fee.claim.state == FeeExemptionClaim.State.CHECKING:
        return fee
    fetch = FetchRequest.objects.select_related("item").filter(case_ref=fee.claim.case_ref).first()
    if fetch is None or fetch.state != FetchRequest.State.FETCHED:
        return fee
    try:
        values = personal_data_read(
            fetch_request=fetch,
            actor=official,
            office=petition.office,
            purpose=fee.claim.exemption.purpose_code,
            ip_address=ip_address,
        )
    except (PermissionDenied, SharingError):
        return fee
    labels = {f.key: f.label for f in fetch.item.fields.all()}
    fee.evidence = {labels.get(key, key): _shown(value) for key, value in values.items()}
    return fee


def _shown(value) -> str:
    if value is True:
        return str(_("Yes"))
    if value is False:
        return str(_("No"))
    if isinstance(value, list):
        return ", ".join(str(part) for part in value) or "-"
    return "-" if value in (None, "") else str(value)
