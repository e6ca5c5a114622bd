"""Reads of the sandbox registers: what each item answers about a subject.

``item_record(item_code, subject_id, fields=None)`` returns every field of the item for the
subject (the service keeps only the requested ones; given ``fields``, an item may skip a costly
field that was not asked for), or None when the register has no such subject.
Each item costs a constant, small number of queries.

What every request reads (its agency, the office's grant) and the registers' look-ups are plain
SQL on the connection's cursor, portable between SQLite and PostgreSQL: compiling an ORM query
costs more CPU than the query itself, and an agency answers many requests a second.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from django.db import connection

from sharing import demo_catalogue, sql

from .models import (
    AddressHistory,
    Building,
    Business,
    FamilyRelation,
    Grant,
    HealthInsurance,
    Household,
    IncomeRecord,
    MilitaryRecord,
    Mortgage,
    Parcel,
    Refund,
    Resident,
    SandboxAgency,
    TaxRecord,
    Vehicle,
)
from .registers import ZONING_RESTRICTIONS

ITEMS: dict[str, dict] = {item["code"]: item for item in demo_catalogue.ITEMS}
# Whose a record is (PROTOCOL.md ``persons``): the answers of items about a parcel, a building or a
# vehicle carry the RRNs of the persons whose personal data the record holds under this key, which
# is never a field (``item_answer`` takes it out).
PERSONS = "__persons__"


def item_for_agency(agency_code: str, item_code: str) -> dict | None:
    item = ITEMS.get(item_code)
    return item if item is not None and item["agency"] == agency_code else None


def _rows(statement: str, params: Sequence) -> list[tuple]:
    return sql.fetchall(statement, params)  # prepared on PostgreSQL (sharing.sql.cursor)


def _row(statement: str, params: Sequence) -> tuple | None:
    return sql.fetchone(statement, params)


def _json(value):
    """A JSON column as the ORM reads it (SQLite, and PostgreSQL through Django's loader, give text)."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def _date(value) -> str | None:
    """A date column in ISO form (both backends give a date: Django registers SQLite's converters)."""
    return value.isoformat() if value is not None else None


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _concrete_columns(model, *, leave_out: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Column names in the model's field order (``Model.from_db`` takes the values in that order)."""
    return tuple(
        field.column
        for field in model._meta.concrete_fields
        if field.column == field.attname and field.attname not in leave_out
    )


# Every column but ``updated_at``, which stays deferred: nothing that answers a request reads it.
_AGENCY_COLUMNS = _concrete_columns(SandboxAgency, leave_out=("updated_at",))
_GRANT_COLUMNS = _concrete_columns(Grant)
_GRANT_JSON = frozenset(("fields", "purposes"))
_AGENCY_SQL = f"SELECT {', '.join(_AGENCY_COLUMNS)} FROM {_table(SandboxAgency)} WHERE code = %s"
_GRANT_SQL = f"SELECT {', '.join(_GRANT_COLUMNS)} FROM {_table(Grant)} WHERE office_code = %s AND item_code = %s"


def agency_get(code: str) -> SandboxAgency | None:
    """The agency with its fault settings as they are now: read on every request, so a change applies at once."""
    row = _row(_AGENCY_SQL, [code])
    if row is None:
        return None
    return SandboxAgency.from_db(connection.alias, _AGENCY_COLUMNS, row)


def grant_get(*, office_code: str, item_code: str) -> Grant | None:
    row = _row(_GRANT_SQL, [office_code, item_code])
    if row is None:
        return None
    values = [_json(value) if name in _GRANT_JSON else value for name, value in zip(_GRANT_COLUMNS, row)]
    return Grant.from_db(connection.alias, _GRANT_COLUMNS, values)


# --- Registers: one or two look-ups by an indexed identifier per item ------------------------

_RESIDENT = _table(Resident)
_HOUSEHOLD = _table(Household)
_BUILDING = _table(Building)
_PARCEL = _table(Parcel)


def _resident_by_rrn(rrn: str) -> tuple | None:
    """(id, name, rrn) of the resident, or None."""
    return _row(f"SELECT id, name, rrn FROM {_RESIDENT} WHERE rrn = %s", [rrn])


def _address(road_address: str, unit: str) -> str:
    return f"{road_address} {unit}".strip()


_RESIDENT_COPY_SQL = (
    f"SELECT r.name, r.rrn, r.relation_to_head, r.move_in_date, r.household_id, b.road_address, h.unit, hd.name"
    f" FROM {_RESIDENT} r JOIN {_HOUSEHOLD} h ON h.id = r.household_id"
    f" JOIN {_BUILDING} b ON b.id = h.building_id JOIN {_PARCEL} p ON p.id = b.parcel_id"
    f" LEFT OUTER JOIN {_RESIDENT} hd ON hd.id = h.head_id WHERE r.rrn = %s"
)


def resident_copy(rrn: str) -> dict | None:
    row = _row(_RESIDENT_COPY_SQL, [rrn])
    if row is None:
        return None
    name, rrn, relation_to_head, move_in_date, household_id, road_address, unit, head_name = row
    members = _rows(
        f"SELECT name, relation_to_head, birth_date FROM {_RESIDENT} WHERE household_id = %s ORDER BY id",
        [household_id],
    )
    return {
        "name": name,
        "rrn": rrn,
        "address": _address(road_address, unit),
        "household_head_name": head_name,
        "relation_to_head": relation_to_head,
        "household_members": [
            {"name": member_name, "relation_to_head": member_relation, "birth_date": _date(birth_date)}
            for member_name, member_relation, birth_date in members
        ],
        "move_in_date": _date(move_in_date),
    }


_RESIDENT_ABSTRACT_SQL = (
    f"SELECT r.id, r.name, r.rrn, r.move_in_date, b.road_address, h.unit, p.district_code"
    f" FROM {_RESIDENT} r JOIN {_HOUSEHOLD} h ON h.id = r.household_id"
    f" JOIN {_BUILDING} b ON b.id = h.building_id JOIN {_PARCEL} p ON p.id = b.parcel_id WHERE r.rrn = %s"
)


def resident_abstract(rrn: str, fields=None) -> dict | None:
    row = _row(_RESIDENT_ABSTRACT_SQL, [rrn])
    if row is None:
        return None
    resident_id, name, rrn, move_in_date, road_address, unit, district_code = row
    record = {
        "name": name,
        "rrn": rrn,
        "address": _address(road_address, unit),
        "move_in_date": _date(move_in_date),
        "district_code": district_code,
    }
    # The history is a query of its own: made only when it is asked for.
    if fields is None or "address_history" in fields:
        history = _rows(
            f"SELECT b.road_address, a.unit, a.moved_in, a.moved_out FROM {_table(AddressHistory)} a"
            f" JOIN {_BUILDING} b ON b.id = a.building_id WHERE a.resident_id = %s ORDER BY a.moved_in",
            [resident_id],
        )
        record["address_history"] = [
            {"address": _address(road_address, unit), "moved_in": _date(moved_in), "moved_out": _date(moved_out)}
            for road_address, unit, moved_in, moved_out in history
        ]
    return record


def _tax_certificate(rrn: str, authority: str) -> dict | None:
    resident = _resident_by_rrn(rrn)
    if resident is None:
        return None
    resident_id, name, rrn = resident
    taxes = _rows(
        f"SELECT assessed, paid FROM {_table(TaxRecord)} WHERE resident_id = %s AND authority = %s",
        [resident_id, str(authority)],
    )
    arrears = sum(max(assessed - paid, 0) for assessed, paid in taxes)
    return {"name": name, "rrn": rrn, "has_arrears": arrears > 0, "arrears_amount": arrears}


def _refunds(rrn: str, agency: str) -> dict | None:
    resident = _resident_by_rrn(rrn)
    if resident is None:
        return None
    resident_id, name, _rrn = resident
    refunds = _rows(
        f"SELECT description, amount, occurred_on, claim_deadline FROM {_table(Refund)}"
        f" WHERE resident_id = %s AND agency = %s ORDER BY occurred_on, id",
        [resident_id, agency],
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


# The resident and their relations in one query: a resident without relations gives one row of nulls.
_FAMILY_RELATION_SQL = (
    f"SELECT r.name, r.rrn, f.relation, rel.name, rel.birth_date FROM {_RESIDENT} r"
    f" LEFT OUTER JOIN ({_table(FamilyRelation)} f JOIN {_RESIDENT} rel ON rel.id = f.relative_id)"
    f" ON f.resident_id = r.id WHERE r.rrn = %s ORDER BY f.id"
)


def family_relation(rrn: str) -> dict | None:
    rows = _rows(_FAMILY_RELATION_SQL, [rrn])
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


def _parcel(pnu: str, columns: str) -> tuple | None:
    return _row(f"SELECT {columns} FROM {_PARCEL} WHERE pnu = %s", [pnu])


def _owned_parcel(pnu: str, columns: str) -> tuple | None:
    """The parcel's columns (``p.``) and, last, its owner's RRN (None when it has no single owner)."""
    return _row(
        f"SELECT {columns}, o.rrn FROM {_PARCEL} p LEFT OUTER JOIN {_RESIDENT} o ON o.id = p.owner_id WHERE p.pnu = %s",
        [pnu],
    )


def _persons(*rrns) -> list[str]:
    return [rrn for rrn in dict.fromkeys(rrns) if rrn]


def real_estate_register(pnu: str) -> dict | None:
    parcel = _owned_parcel(pnu, "p.id, p.pnu, p.lot_address, p.owner_name, p.ownership_share")
    if parcel is None:
        return None
    parcel_id, pnu, lot_address, owner_name, ownership_share, owner_rrn = parcel
    mortgages = _rows(
        f"SELECT creditor, max_amount, registered_on FROM {_table(Mortgage)} WHERE parcel_id = %s ORDER BY id",
        [parcel_id],
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
    parcel = _owned_parcel(pnu, "p.pnu, p.lot_address, p.land_category, p.area_m2, p.owner_name, p.official_land_price")
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
    parcel = _parcel(pnu, "pnu, zoning, districts")
    if parcel is None:
        return None
    pnu, zoning, districts = parcel
    return {
        "pnu": pnu,
        "zoning": zoning,
        "districts": list(_json(districts)),
        "restrictions": list(ZONING_RESTRICTIONS.get(zoning, ())),
        PERSONS: [],  # the zoning of the land: nobody's personal data
    }


def building_ledger(management_number: str) -> dict | None:
    building = _row(
        f"SELECT b.management_number, b.road_address, b.main_use, b.floors_above, b.floors_below,"
        f" b.total_floor_area_m2, b.approval_date, b.violation, b.owner_name, o.rrn FROM {_BUILDING} b"
        f" LEFT OUTER JOIN {_RESIDENT} o ON o.id = b.owner_id WHERE b.management_number = %s",
        [management_number],
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
    vehicle = _row(
        f"SELECT v.plate, v.model_name, v.model_year, o.name, o.rrn, b.road_address FROM {_table(Vehicle)} v"
        f" JOIN {_RESIDENT} o ON o.id = v.owner_id JOIN {_BUILDING} b ON b.id = v.registered_building_id"
        f" WHERE v.plate = %s",
        [plate],
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
    business = _row(
        f"SELECT b.business_number, b.trade_name, b.business_type, b.opened_on, b.status FROM {_table(Business)} b"
        f" JOIN {_RESIDENT} r ON r.id = b.resident_id WHERE r.rrn = %s ORDER BY b.opened_on DESC, b.id DESC LIMIT 1",
        [rrn],
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


# The resident and their latest income in one query: a resident who reported none gives one row of nulls.
_INCOME_SQL = (
    f"SELECT r.name, i.tax_year, i.total_income, i.income_types FROM {_RESIDENT} r"
    f" LEFT OUTER JOIN {_table(IncomeRecord)} i ON i.resident_id = r.id WHERE r.rrn = %s"
    f" ORDER BY i.tax_year DESC LIMIT 1"
)


def income_certificate(rrn: str) -> dict | None:
    row = _row(_INCOME_SQL, [rrn])
    if row is None:
        return None
    name, tax_year, total_income, income_types = row
    if tax_year is None:  # no income reported: the certificate says so
        return {"name": name, "tax_year": 2025, "total_income": 0, "income_types": []}
    return {"name": name, "tax_year": tax_year, "total_income": total_income, "income_types": list(_json(income_types))}


def health_insurance_eligibility(rrn: str) -> dict | None:
    insurance = _row(
        f"SELECT r.name, i.insured_type, i.acquired_on, i.lost_on, i.employer_name FROM {_table(HealthInsurance)} i"
        f" JOIN {_RESIDENT} r ON r.id = i.resident_id WHERE r.rrn = %s ORDER BY i.id LIMIT 1",
        [rrn],
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
    record = _row(
        f"SELECT r.name, m.service_status, m.branch, m.enlisted_on, m.discharged_on, m.discharge_type"
        f" FROM {_table(MilitaryRecord)} m JOIN {_RESIDENT} r ON r.id = m.resident_id WHERE r.rrn = %s"
        f" ORDER BY m.id LIMIT 1",
        [rrn],
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
    "income_certificate": income_certificate,
    "national_tax_refunds": lambda rrn: _refunds(rrn, "nts"),
    "health_insurance_eligibility": health_insurance_eligibility,
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
        record = ANSWERS[item_code](subject_id, fields)
    else:
        record = ANSWERS[item_code](subject_id)
    if record is None:
        return None, None
    persons = record.pop(PERSONS, None)
    if persons is None and ITEMS[item_code]["subject_kind"] != "person":
        raise LookupError(f"The register of {item_code!r} does not say whose its records are.")
    return record, persons
