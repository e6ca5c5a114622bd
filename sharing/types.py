"""Plain data passed between the rest of the product and the sharing backbone."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FetchSpec:
    """One item a case needs: which fields, why, and about whom."""

    item_code: str
    fields: list[str]
    purpose_code: str
    subject_kind: str
    subject_id: str = field(repr=False)
    # Whose the record must be (``sharing.crypto.subject_hash`` of the applicant's RRN), for a
    # subject given in a form (a plate, a parcel, ...): blank checks nothing.
    applicant_hash: str = field(default="", repr=False)
    # Why a record of another person may be kept (a legal basis, the applicant's declaration);
    # blank: only the applicant's own record is kept, another person's is discarded.
    others_basis: str = ""
    # The approved use (이용 승인, ``hub.ApprovedUse`` id) the fetch runs under: checked at creation
    # and before every attempt (``sharing.hub.selectors.use_check``). None is refused.
    use_id: int | None = None
    # Whether the data subject's consent to this fetch is on record (needed only where the use says so).
    consent_given: bool = False
