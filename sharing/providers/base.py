"""The provider interface: how the portal asks an owning agency for an item.

Providers take and return the project's dataclasses, never raw JSON, and raise the errors
of ``sharing.providers.errors``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from sharing.models import Agency


@dataclass(frozen=True)
class ProviderRequest:
    agency: Agency
    item_code: str
    subject_kind: str
    subject_id: str = field(repr=False)
    fields: tuple[str, ...]
    purpose_code: str
    case_ref: str
    office_code: str
    requester_kind: str  # "official" or "system" (on behalf of the office)
    requester_id: str | None
    txn_id: str
    timestamp: int
    # The approved use (이용 승인) the fetch runs under: its public id, the using agency's code,
    # the administrative affair's code and the legal basis (PROTOCOL.md: use_id, using_agency,
    # affair_code, legal_basis). Blank only for requests made outside the fetch service.
    use_id: str = ""
    using_agency_code: str = ""
    affair_code: str = ""
    legal_basis: str = ""


@dataclass(frozen=True)
class ProviderResponse:
    txn_id: str
    item_code: str
    agency_code: str
    fields: dict = field(repr=False)
    issued_at: datetime | None = None
    # The RRNs of the persons the agency says the record is about (PROTOCOL.md ``persons``).
    persons: tuple[str, ...] = field(default=(), repr=False)


class BaseProvider:
    verbose_name: ClassVar[StrOrPromise] = ""
    identifier: ClassVar[str] = ""

    def check_config(self, agency: Agency) -> None:
        """Raises ProviderConfigurationError with a message for the administrator."""
        raise NotImplementedError

    def fetch(self, request: ProviderRequest) -> ProviderResponse:
        raise NotImplementedError
