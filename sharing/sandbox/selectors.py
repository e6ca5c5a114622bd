"""Reads of the sandbox registers: what each item answers about a subject.

``item_record(item_code, subject_id, fields=None)`` returns every field of the item for the
subject (the service keeps only the requested ones; given ``fields``, an item may skip a costly
field that was not asked for), or None when the register has no such subject.
Each item costs a constant, small number of queries: look-ups by an indexed identifier, read
with ``values_list`` (the columns the answer needs, no model instances) and joined with
``select_related`` or a related field's lookup.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet

from sharing import demo_catalogue

from .models import (
    AddressHistory,
    Building,
    Business,
    HealthInsurance,
    MilitaryRecord,
    Mortgage,
    Parcel,
    Refund,
    Resident,
    SandboxAgency,
    TaxRecord,
    UseApproval,
    Vehicle,
)
from .registers import REFERENCE_DATE, ZONING_RESTRICTIONS

ITEMS: dict[str, dict] = {item["code"]: item for item in demo_catalogue.ITEMS}
# Whose a record is (PROTOCOL.md ``persons``): the answers of items about a parcel, a building or a
# vehicle carry the RRNs of the persons whose personal data the record holds under this key, which
# is never a field (``item_answer`` takes it out).
PERSONS = "__persons__"


def item_for_agency(agency_code: str, item_code: str) -> dict | None:
    item = ITEMS.get(item_code)
    return item if item is not None and item["agency"] == agency_code else None


def _first(queryset: QuerySet):
    """The first row, or None. Look-ups by a unique identifier clear the models' default ordering
    (``order_by()``): one row at most, nothing to sort."""
    rows = list(queryset[:1])
    return rows[0] if rows else None


def _date(value) -> str | None:
    return value.isoformat() if value is not None else None


def agency_get(code: str) -> SandboxAgency | None:
    """The agency with its fault settings as they are now: read on every request, so a change applies at once."""
    return _first(SandboxAgency.objects.filter(code=code).order_by())


def approval_get(*, agency: SandboxAgency, use_id: str) -> UseApproval | None:
    """The agency's copy of an approved use (one indexed read), or None when it was never pushed here."""
    return _first(UseApproval.objects.filter(agency=agency, use_id=use_id).order_by())


# --- Registers: one or two look-ups by an indexed identifier per item ------------------------


def _resident(rrn: str, *fields: str) -> tuple | None:
    return _first(Resident.objects.filter(rrn=rrn).order_by().values_list(*fields))


def _address(road_address: str, unit: str) -> str:
    return f"{road_address} {unit}".strip()


def resident_copy(rrn: str) -> dict | None:
    resident = _first(
        Resident.objects.filter(rrn=rrn)
        .order_by()
        .values_list(
            "name",
            "rrn",
            "relation_to_head",
            "move_in_date",
            "household_id",
            "household__building__road_address",
            "household__unit",
            "household__head__name",
        )
    )
    if resident is None:
        return None
    name, rrn, relation_to_head, move_in_date, household_id, road_address, unit, head_name = resident
    members = Resident.objects.filter(household_id=household_id).order_by("id")
    return {
        "name": name,
        "rrn": rrn,
        "address": _address(road_address, unit),
        "household_head_name": head_name,
        "relation_to_head": relation_to_head,
        "household_members": [
            {"name": member_name, "relation_to_head": member_relation, "birth_date": _date(birth_date)}
            for member_name, member_relation, birth_date in members.values_list(
                "name", "relation_to_head", "birth_date"
            )
        ],
        "move_in_date": _date(move_in_date),
    }


def resident_abstract(rrn: str, fields=None) -> dict | None:
    resident = _first(
        Resident.objects.filter(rrn=rrn)
        .order_by()
        .values_list(
            "id",
            "name",
            "rrn",
            "move_in_date",
            "household__building__road_address",
            "household__unit",
            "household__building__parcel__district_code",
        )
    )
    if resident is None:
        return None
    resident_id, name, rrn, move_in_date, road_address, unit, district_code = resident
    record = {
        "name": name,
        "rrn": rrn,
        "address": _address(road_address, unit),
        "move_in_date": _date(move_in_date),
        "district_code": district_code,
    }
    # The history is a query of its own: made only when it is asked for.
    if fields is None or "address_history" in fields:
        history = (
            AddressHistory.objects.filter(resident_id=resident_id)
            .order_by("moved_in")
            .values_list("building__road_address", "unit", "moved_in", "moved_out")
        )
        record["address_history"] = [
            {"address": _address(road_address, unit), "moved_in": _date(moved_in), "moved_out": _date(moved_out)}
            for road_address, unit, moved_in, moved_out in history
        ]
    return record


def _tax_certificate(rrn: str, authority: str) -> dict | None:
    resident = _resident(rrn, "id", "name", "rrn")
    if resident is None:
        return None
    resident_id, name, rrn = resident
    taxes = TaxRecord.objects.filter(resident_id=resident_id, authority=authority).order_by()
    arrears = sum(max(assessed - paid, 0) for assessed, paid in taxes.values_list("assessed", "paid"))
    return {"name": name, "rrn": rrn, "has_arrears": arrears > 0, "arrears_amount": arrears}


def _refunds(rrn: str, agency: str) -> dict | None:
    resident = _resident(rrn, "id", "name")
    if resident is None:
        return None
    resident_id, name = resident
    refunds = list(
        Refund.objects.filter(resident_id=resident_id, agency=agency)
        .order_by("occurred_on", "id")
        .values_list("description", "amount", "occurred_on", "claim_deadline")
    )
    return {
        "name": name,
        "refund_count": len(refunds),
        "refund_total": sum(amount for _description, amount, _occurred, _deadline in refunds),
        "refunds": [
            {
                "description": description,
                "amount": amount,
                "occurred_on": _date(occurred_on),
                "claim_deadline": _date(claim_deadline),
            }
            for description, amount, occurred_on, claim_deadline in refunds
        ],
    }


def family_relation(rrn: str) -> dict | None:
    # The resident and their relations in one query (a LEFT OUTER JOIN through the reverse
    # relation): a resident without relations gives one row of nulls.
    rows = list(
        Resident.objects.filter(rrn=rrn)
        .order_by("relations__id")
        .values_list(
            "name", "rrn", "relations__relation", "relations__relative__name", "relations__relative__birth_date"
        )
    )
    if not rows:
        return None
    name, rrn = rows[0][:2]
    parents, children, spouse = [], [], None
    for _name, _rrn, relation, relative_name, birth_date in rows:
        if relation is None:  # no relation at all
            continue
        person = {"name": relative_name, "birth_date": _date(birth_date)}
        if relation in ("father", "mother"):
            parents.append(person | {"relation": relation})
        elif relation == "spouse":
            spouse = person
        else:
            children.append(person)
    return {"name": name, "rrn": rrn, "parents": parents, "spouse": spouse, "children": children}


def _parcel(pnu: str, *fields: str) -> tuple | None:
    """The parcel's ``fields``; ``owner__rrn`` among them is None when it has no single owner."""
    return _first(Parcel.objects.filter(pnu=pnu).order_by().values_list(*fields))


def _persons(*rrns) -> list[str]:
    return [rrn for rrn in dict.fromkeys(rrns) if rrn]


def real_estate_register(pnu: str) -> dict | None:
    parcel = _parcel(pnu, "id", "pnu", "lot_address", "owner_name", "ownership_share", "owner__rrn")
    if parcel is None:
        return None
    parcel_id, pnu, lot_address, owner_name, ownership_share, owner_rrn = parcel
    mortgages = (
        Mortgage.objects.filter(parcel_id=parcel_id)
        .order_by("id")
        .values_list("creditor", "max_amount", "registered_on")
    )
    return {
        "pnu": pnu,
        "address": lot_address,
        "owner_name": owner_name,
        "ownership_share": ownership_share,
        "mortgages": [
            {"creditor": creditor, "max_amount": max_amount, "registered_on": _date(registered_on)}
            for creditor, max_amount, registered_on in mortgages
        ],
        PERSONS: _persons(owner_rrn),
    }


def land_register(pnu: str) -> dict | None:
    parcel = _parcel(
        pnu, "pnu", "lot_address", "land_category", "area_m2", "owner_name", "official_land_price", "owner__rrn"
    )
    if parcel is None:
        return None
    pnu, lot_address, land_category, area_m2, owner_name, official_land_price, owner_rrn = parcel
    return {
        "pnu": pnu,
        "address": lot_address,
        "land_category": land_category,
        "area_m2": area_m2,
        "owner_name": owner_name,
        "official_land_price": official_land_price,
        PERSONS: _persons(owner_rrn),
    }


def land_use_plan(pnu: str) -> dict | None:
    parcel = _parcel(pnu, "pnu", "zoning", "districts")
    if parcel is None:
        return None
    pnu, zoning, districts = parcel
    return {
        "pnu": pnu,
        "zoning": zoning,
        "districts": list(districts),
        "restrictions": list(ZONING_RESTRICTIONS.get(zoning, ())),
        PERSONS: [],  # the zoning of the land: nobody's personal data
    }


def building_ledger(management_number: str) -> dict | None:
    building = _first(
        Building.objects.filter(management_number=management_number)
        .order_by()
        .values_list(
            "management_number",
            "road_address",
            "main_use",
            "floors_above",
            "floors_below",
            "total_floor_area_m2",
            "approval_date",
            "violation",
            "owner_name",
            "owner__rrn",
        )
    )
    if building is None:
        return None
    (
        management_number,
        road_address,
        main_use,
        floors_above,
        floors_below,
        total_floor_area_m2,
        approval_date,
        violation,
        owner_name,
        owner_rrn,
    ) = building
    return {
        "building_id": management_number,
        "address": road_address,
        "main_use": main_use,
        "floors_above": floors_above,
        "floors_below": floors_below,
        "total_floor_area_m2": total_floor_area_m2,
        "approval_date": _date(approval_date),
        "violation": violation,
        "owner_name": owner_name,
        PERSONS: _persons(owner_rrn),
    }


def vehicle_registration(plate: str) -> dict | None:
    vehicle = _first(
        Vehicle.objects.filter(plate=plate)
        .order_by()
        .values_list(
            "plate", "model_name", "model_year", "owner__name", "owner__rrn", "registered_building__road_address"
        )
    )
    if vehicle is None:
        return None
    plate, model_name, model_year, owner_name, owner_rrn, registered_address = vehicle
    return {
        "plate": plate,
        "model_name": model_name,
        "model_year": model_year,
        "owner_name": owner_name,
        "owner_rrn": owner_rrn,
        "registered_address": registered_address,
        PERSONS: _persons(owner_rrn),
    }


def business_registration(rrn: str) -> dict | None:
    business = _first(
        Business.objects.filter(resident__rrn=rrn)
        .order_by("-opened_on", "-id")
        .values_list("business_number", "trade_name", "business_type", "opened_on", "status")
    )
    if business is None:
        return None
    business_number, trade_name, business_type, opened_on, status = business
    return {
        "business_number": business_number,
        "trade_name": trade_name,
        "business_type": business_type,
        "opened_on": _date(opened_on),
        "status": status,
    }


def business_status(business_number: str) -> dict | None:
    business = _first(
        Business.objects.filter(business_number=business_number)
        .order_by()
        .values_list(
            "business_number", "trade_name", "business_type", "opened_on", "status", "resident__name", "resident__rrn"
        )
    )
    if business is None:
        return None
    number, trade_name, business_type, opened_on, status, representative_name, representative_rrn = business
    return {
        "business_number": number,
        "trade_name": trade_name,
        "business_type": business_type,
        "opened_on": _date(opened_on),
        "status": status,
        "representative_name": representative_name,
        PERSONS: _persons(representative_rrn),
    }


def income_certificate(rrn: str) -> dict | None:
    # The resident and their latest income in one query (a LEFT OUTER JOIN through the reverse
    # relation): a resident who reported none gives one row of nulls.
    row = _first(
        Resident.objects.filter(rrn=rrn)
        .order_by("-incomes__tax_year")
        .values_list("name", "incomes__tax_year", "incomes__total_income", "incomes__income_types")
    )
    if row is None:
        return None
    name, tax_year, total_income, income_types = row
    if tax_year is None:  # no income reported: the certificate says so
        return {"name": name, "tax_year": 2025, "total_income": 0, "income_types": []}
    return {"name": name, "tax_year": tax_year, "total_income": total_income, "income_types": list(income_types)}


# The synthetic registers hold no welfare records: a resident whose latest reported income is
# below this (or who reported none) is a recipient of basic livelihood security.
LIVELIHOOD_INCOME_LIMIT = 12_000_000


def basic_livelihood_security(rrn: str) -> dict | None:
    row = _first(
        Resident.objects.filter(rrn=rrn).order_by("-incomes__tax_year").values_list("name", "incomes__total_income")
    )
    if row is None:
        return None
    name, total_income = row
    recipient = (total_income or 0) < LIVELIHOOD_INCOME_LIMIT
    return {
        "name": name,
        "recipient": recipient,
        "benefits": ["생계급여", "의료급여"] if recipient else [],
        "confirmed_on": REFERENCE_DATE.isoformat(),
    }


def health_insurance_eligibility(rrn: str) -> dict | None:
    insurance = _first(
        HealthInsurance.objects.filter(resident__rrn=rrn)
        .order_by("id")
        .values_list("resident__name", "insured_type", "acquired_on", "lost_on", "employer_name")
    )
    if insurance is None:
        return None
    name, insured_type, acquired_on, lost_on, employer_name = insurance
    return {
        "name": name,
        "insured_type": insured_type,
        "acquired_on": _date(acquired_on),
        "lost_on": _date(lost_on),
        "employer_name": employer_name or None,
    }


def military_service_record(rrn: str) -> dict | None:
    record = _first(
        MilitaryRecord.objects.filter(resident__rrn=rrn)
        .order_by("id")
        .values_list("resident__name", "service_status", "branch", "enlisted_on", "discharged_on", "discharge_type")
    )
    if record is None:
        return None
    name, service_status, branch, enlisted_on, discharged_on, discharge_type = record
    return {
        "name": name,
        "service_status": service_status,
        "branch": branch or None,
        "enlisted_on": _date(enlisted_on),
        "discharged_on": _date(discharged_on),
        "discharge_type": discharge_type or None,
    }


ANSWERS: dict[str, Callable[[str], dict | None]] = {
    "resident_copy": resident_copy,
    "resident_abstract": resident_abstract,
    "local_tax_certificate": lambda rrn: _tax_certificate(rrn, TaxRecord.Authority.LOCAL),
    "local_tax_refunds": lambda rrn: _refunds(rrn, "mois"),
    "family_relation": family_relation,
    "real_estate_register": real_estate_register,
    "land_register": land_register,
    "building_ledger": building_ledger,
    "land_use_plan": land_use_plan,
    "vehicle_registration": vehicle_registration,
    "tax_payment_certificate": lambda rrn: _tax_certificate(rrn, TaxRecord.Authority.NATIONAL),
    "business_registration": business_registration,
    "business_status": business_status,
    "income_certificate": income_certificate,
    "national_tax_refunds": lambda rrn: _refunds(rrn, "nts"),
    "health_insurance_eligibility": health_insurance_eligibility,
    "basic_livelihood_security": basic_livelihood_security,
    "premium_refunds": lambda rrn: _refunds(rrn, "nhis"),
    "pension_refunds": lambda rrn: _refunds(rrn, "nps"),
    "military_service_record": military_service_record,
}


# Answers that can leave out costly fields nobody asked for take the requested field names.
_NARROWABLE = {"resident_abstract"}


def item_record(item_code: str, subject_id: str, fields=None) -> dict | None:
    """The fields of the item for the subject (every field, or at least ``fields`` when given), or None
    when the register has no such subject."""
    return item_answer(item_code, subject_id, fields=fields)[0]


def item_answer(item_code: str, subject_id: str, fields=None) -> tuple[dict | None, list[str] | None]:
    """``item_record`` and whose the record is: the RRNs of the persons it is about for an item
    about a parcel, a building or a vehicle (whether or not their fields were asked for), None for
    an item about a person (the subject is the person)."""
    if fields is not None and item_code in _NARROWABLE:
        record = resident_abstract(subject_id, fields)
    else:
        record = ANSWERS[item_code](subject_id)
    if record is None:
        return None, None
    persons = record.pop(PERSONS, None)
    if persons is None and ITEMS[item_code]["subject_kind"] != "person":
        raise LookupError(f"The register of {item_code!r} does not say whose its records are.")
    return record, persons
