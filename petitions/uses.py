"""Petition types and the approved uses (이용 승인) their fetches run under.

Each required information row names one approved use: the use of the using agency of the type's
fixed office (with district routing: of the fallback office). A petition is fetched for by the
office it is routed to, under a use of that office's using agency:

- the named use itself when the office belongs to its using agency;
- otherwise (district routing to another agency's office) that agency's *equivalent* use: in
  force, for the same item, affair code and purpose, approving every field the row needs and
  with the same consent rule. Affair codes are shared between local governments doing the same
  affair, so each district applies for its own use of the same affair.

``use_problems`` is the one check of a petition type's uses: the admin will not publish (open
for filing) a type it finds anything wrong with, and shows its answer as a column. Filing
resolves the use for the routed office (``uses_for_office``) and refuses, with a clear message,
a petition whose office has no use in force.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from portal.models import Office
from sharing.hub.models import ApprovedUse

from .errors import PetitionError
from .models import PetitionType, RequiredInformation


def _uses_in_force(day: datetime.date, **filters) -> QuerySet[ApprovedUse]:
    """Approved uses in force on ``day`` that match ``filters`` (their using agency, items, ...):
    the one read of uses behind checking a type (``use_problems_many``), filing
    (``uses_for_office``) and a fee exemption's fetch (``use_for_office``)."""
    return ApprovedUse.objects.filter(
        status=ApprovedUse.Status.APPROVED, valid_from__lte=day, valid_until__gte=day, **filters
    )


def _covers(use: ApprovedUse, *, item_id: int, purpose_code: str, fields: Iterable[str], consent: bool) -> bool:
    return (
        use.item_id == item_id
        and use.purpose.code == purpose_code
        and all(name in use.fields for name in fields)
        and (consent or not use.consent_required)
    )


def _row_problems(row: RequiredInformation, use: ApprovedUse, day: datetime.date) -> list[str]:
    label = row.item.name
    problems = []
    if use.item_id != row.item_id:
        problems.append(
            _("“%(item)s”: the use %(affair)s is for another item.") % {"item": label, "affair": use.affair_code}
        )
    if use.purpose.code != row.purpose_code:
        problems.append(
            _("“%(item)s”: the use %(affair)s is for the purpose %(use_purpose)s, not %(purpose)s.")
            % {"item": label, "affair": use.affair_code, "use_purpose": use.purpose.code, "purpose": row.purpose_code}
        )
    outside = [name for name in row.fields if name not in use.fields]
    if outside:
        problems.append(
            _("“%(item)s”: the fields %(fields)s are not approved under %(affair)s.")
            % {"item": label, "fields": ", ".join(outside), "affair": use.affair_code}
        )
    if use.consent_required and not row.consent_required:
        problems.append(
            _("“%(item)s”: the use %(affair)s needs the applicant's consent; tick “consent required”.")
            % {"item": label, "affair": use.affair_code}
        )
    if not use.in_force_on(day):
        if use.status != ApprovedUse.Status.APPROVED:
            state = use.get_status_display()
        elif use.valid_until and day > use.valid_until:
            state = _("expired on %(date)s") % {"date": use.valid_until.isoformat()}
        else:
            state = _("not in force yet")
        problems.append(
            _("“%(item)s”: the use %(affair)s is not in force (%(state)s).")
            % {"item": label, "affair": use.affair_code, "state": state}
        )
    return problems


def use_problems(petition_type: PetitionType, *, on: datetime.date | None = None) -> list[str]:
    """What keeps the type's fetches from running under approved uses, in the reader's language;
    empty when every required information row's use is in order for every office it may be routed to."""
    return use_problems_many([petition_type], on=on)[petition_type.pk]


def use_problems_many(petition_types, *, on: datetime.date | None = None) -> dict[int, list[str]]:
    """``use_problems`` of several types at once (the admin's list): three queries, whatever the
    number of types, rows and offices (the types' handling offices are read with them)."""
    day = on or timezone.localdate()
    types = list(petition_types)
    rows_of: dict[int, list[RequiredInformation]] = {petition_type.pk: [] for petition_type in types}
    rows = RequiredInformation.objects.filter(petition_type__in=[t.pk for t in types]).select_related(
        "item", "approved_use__purpose", "approved_use__using_agency"
    )
    for row in rows.order_by("order", "id"):
        rows_of[row.petition_type_id].append(row)
    district = [t for t in types if t.routing == PetitionType.Routing.DISTRICT and rows_of[t.pk]]
    offices = list(Office.objects.exclude(district_code="").order_by("code")) if district else []
    in_force = _in_force_uses(
        {office.using_agency_id for office in offices if office.using_agency_id},
        {row.item_id for t in district for row in rows_of[t.pk]},
        day,
    )
    result = {}
    for petition_type in types:
        problems = _type_problems(petition_type, rows_of[petition_type.pk], day)
        if petition_type in district and not problems:
            # Every other office the applicant's district may route a petition to.
            others = [office for office in offices if office.pk != petition_type.handling_office_id]
            problems = _district_problems(rows_of[petition_type.pk], others, in_force)
        result[petition_type.pk] = problems
    return result


def _type_problems(petition_type: PetitionType, rows: list[RequiredInformation], day: datetime.date) -> list[str]:
    if not rows:
        return []
    home = petition_type.handling_office
    if home is None:
        return [_("Choose the office that handles this petition type.")]
    problems: list[str] = []
    if home.using_agency_id is None:
        problems.append(_("The office %(office)s belongs to no using agency.") % {"office": home.name})
    for row in rows:
        use = row.approved_use
        if use is None:
            problems.append(_("“%(item)s” names no approved use.") % {"item": row.item.name})
            continue
        problems += _row_problems(row, use, day)
        if home.using_agency_id is not None and use.using_agency_id != home.using_agency_id:
            problems.append(
                _("“%(item)s”: the use %(affair)s belongs to %(agency)s, not to %(office)s's using agency.")
                % {"item": row.item.name, "affair": use.affair_code, "agency": use.using_agency, "office": home.name}
            )
    return problems


def _district_problems(rows: list[RequiredInformation], offices: list[Office], in_force: dict) -> list[str]:
    """With district routing: each other office's using agency needs an equivalent use of every row."""
    problems = []
    for office in offices:
        if office.using_agency_id is None:
            problems.append(_("The office %(office)s belongs to no using agency.") % {"office": office.name})
            continue
        for row in rows:
            assert row.approved_use is not None  # noqa: S101 (checked by the caller)
            if _equivalent(row, in_force.get(office.using_agency_id, [])) is None:
                problems.append(
                    _("“%(item)s”: %(office)s's using agency has no use in force of the affair %(affair)s.")
                    % {"item": row.item.name, "office": office.name, "affair": row.approved_use.affair_code}
                )
    return problems


def _in_force_uses(agency_ids: Iterable[int], item_ids: Iterable[int], day: datetime.date) -> dict:
    found: dict[int, list[ApprovedUse]] = {}
    agency_ids, item_ids = list(agency_ids), list(item_ids)
    if not agency_ids or not item_ids:
        return found
    uses = _uses_in_force(day, using_agency_id__in=agency_ids, item_id__in=item_ids).select_related("purpose")
    for use in uses.order_by("-valid_until", "pk"):
        found.setdefault(use.using_agency_id, []).append(use)
    return found


def _equivalent(row: RequiredInformation, candidates: list[ApprovedUse]) -> ApprovedUse | None:
    named = row.approved_use
    assert named is not None  # noqa: S101
    for use in candidates:
        if use.affair_code == named.affair_code and _covers(
            use, item_id=row.item_id, purpose_code=row.purpose_code, fields=row.fields, consent=row.consent_required
        ):
            return use
    return None


def uses_for_office(
    snapshot: dict, office: Office, *, items: Iterable[str] | None = None, on: datetime.date | None = None
) -> dict[str, int]:
    """At filing: item code -> the id of the use the routed ``office`` fetches it under.

    The row's named use where the office belongs to its using agency, else that agency's
    equivalent use in force; a row without one raises PetitionError naming the office and the
    affair (the petition is not filed, nothing is fetched).
    """
    day = on or timezone.localdate()
    wanted = None if items is None else set(items)
    rows = [m for m in snapshot["required_information"] if wanted is None or m["item_code"] in wanted]
    result: dict[str, int] = {}
    missing = []
    others = [m for m in rows if m.get("use_agency_id") != office.using_agency_id or not m.get("use_id")]
    in_force: list[ApprovedUse] = []
    if others and office.using_agency_id is not None:
        in_force = list(
            _uses_in_force(
                day,
                using_agency_id=office.using_agency_id,
                item__code__in=[m["item_code"] for m in others],
                affair_code__in=[m.get("affair_code") or "" for m in others],
            )
            .select_related("purpose", "item")
            .order_by("-valid_until", "pk")
        )
    for mapping in rows:
        if mapping.get("use_id") and mapping.get("use_agency_id") == office.using_agency_id:
            result[mapping["item_code"]] = mapping["use_id"]
            continue
        found = next(
            (
                use
                for use in in_force
                if use.item.code == mapping["item_code"]
                and use.affair_code == mapping.get("affair_code")
                and _covers(
                    use,
                    item_id=use.item_id,
                    purpose_code=mapping["purpose_code"],
                    fields=mapping["fields"],
                    consent=mapping["consent_required"],
                )
            ),
            None,
        )
        if found is None:
            missing.append(mapping)
        else:
            result[mapping["item_code"]] = found.pk
    if missing:
        english = (get_language() or "ko").startswith("en")
        names = ", ".join(
            f"“{m['item_name_en'] if english and m['item_name_en'] else m['item_name_ko']}” "
            f"({m.get('affair_code') or '-'})"
            for m in missing
        )
        raise PetitionError(
            _(
                "%(office)s cannot fetch %(items)s yet: it holds no approved use for this affair. "
                "Call the office or the help desk at 110."
            )
            % {"office": office.name, "items": names}
        )
    return result


def use_for_office(
    office: Office,
    *,
    item_id: int,
    purpose_code: str,
    fields: Iterable[str],
    consent: bool,
    on: datetime.date | None = None,
) -> int:
    """The id of a use in force of ``office``'s using agency that covers a fetch of ``fields`` of
    the item for ``purpose_code`` (with the subject's consent when ``consent``): for a fetch that
    is not a required information row (a fee exemption's eligibility). PetitionError if none."""
    day = on or timezone.localdate()
    wanted = list(fields)
    if office.using_agency_id is not None:
        candidates = (
            _uses_in_force(day, using_agency_id=office.using_agency_id, item_id=item_id, purpose__code=purpose_code)
            .select_related("purpose")
            .order_by("pk")
        )
        for use in candidates:
            if _covers(use, item_id=item_id, purpose_code=purpose_code, fields=wanted, consent=consent):
                return use.pk
    raise PetitionError(
        _("%(office)s holds no approved use to fetch this information yet; ask the office.") % {"office": office.name}
    )
