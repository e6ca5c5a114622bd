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
