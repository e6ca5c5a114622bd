"""The register answers as the ORM reads them: the reference the sandbox's plain-SQL look-ups
(``sharing.sandbox.selectors``) must agree with, value for value and type for type.

This is the ORM implementation the agencies answered with before their look-ups became plain
SQL; it is kept here, unused by the application, to check them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Prefetch

from sharing.sandbox.models import (
    AddressHistory,
    Building,
    Business,
    FamilyRelation,
    HealthInsurance,
    IncomeRecord,
    MilitaryRecord,
    Parcel,
    Refund,
    Resident,
    TaxRecord,
    Vehicle,
)
from sharing.sandbox.registers import ZONING_RESTRICTIONS


def _one_or_none(queryset):
    rows = list(queryset[:1])
    return rows[0] if rows else None


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _resident(rrn: str) -> Resident | None:
    return _one_or_none(
        Resident.objects.select_related("household__building__parcel", "household__head").filter(rrn=rrn)
    )


def _address(resident: Resident) -> str:
    return resident.household.address()


def resident_copy(rrn: str) -> dict | None:
    resident = _resident(rrn)
    if resident is None:
        return None
    household = resident.household
    members = Resident.objects.filter(household_id=household.pk).order_by("id")
    return {
        "name": resident.name,
        "rrn": resident.rrn,
        "address": _address(resident),
        "household_head_name": household.head.name if household.head else None,
        "relation_to_head": resident.relation_to_head,
        "household_members": [
            {
                "name": member.name,
                "relation_to_head": member.relation_to_head,
                "birth_date": member.birth_date.isoformat(),
            }
            for member in members
        ],
        "move_in_date": resident.move_in_date.isoformat(),
    }


def resident_abstract(rrn: str, fields=None) -> dict | None:
    resident = _resident(rrn)
    if resident is None:
        return None
    record: dict[str, Any] = {
        "name": resident.name,
        "rrn": resident.rrn,
        "address": _address(resident),
        "move_in_date": resident.move_in_date.isoformat(),
        "district_code": resident.household.building.parcel.district_code,
    }
    # The history is a query of its own: made only when it is asked for.
    if fields is None or "address_history" in fields:
        history = AddressHistory.objects.filter(resident_id=resident.pk).select_related("building").order_by("moved_in")
        record["address_history"] = [
            {
                "address": f"{entry.building.road_address} {entry.unit}".strip(),
                "moved_in": _iso(entry.moved_in),
                "moved_out": _iso(entry.moved_out),
            }
            for entry in history
        ]
    return record


def _tax_certificate(rrn: str, authority: str) -> dict | None:
    resident = Resident.objects.filter(rrn=rrn).only("id", "name", "rrn").first()
    if resident is None:
        return None
    arrears = sum(
        max(tax.assessed - tax.paid, 0)
        for tax in TaxRecord.objects.filter(resident_id=resident.pk, authority=authority)
    )
    return {"name": resident.name, "rrn": resident.rrn, "has_arrears": arrears > 0, "arrears_amount": arrears}


def _refunds(rrn: str, agency: str) -> dict | None:
    resident = Resident.objects.filter(rrn=rrn).only("id", "name").first()
    if resident is None:
        return None
    refunds = list(Refund.objects.filter(resident_id=resident.pk, agency=agency).order_by("occurred_on", "id"))
    return {
        "name": resident.name,
        "refund_count": len(refunds),
        "refund_total": sum(refund.amount for refund in refunds),
        "refunds": [
            {
                "description": refund.description,
                "amount": refund.amount,
                "occurred_on": refund.occurred_on.isoformat(),
                "claim_deadline": refund.claim_deadline.isoformat(),
            }
            for refund in refunds
        ],
    }


def family_relation(rrn: str) -> dict | None:
    resident = Resident.objects.filter(rrn=rrn).only("id", "name", "rrn").first()
    if resident is None:
        return None
    relations = FamilyRelation.objects.filter(resident_id=resident.pk).select_related("relative").order_by("id")
    parents, children, spouse = [], [], None
    for relation in relations:
        person = {"name": relation.relative.name, "birth_date": relation.relative.birth_date.isoformat()}
        if relation.relation in ("father", "mother"):
            parents.append(person | {"relation": relation.relation})
        elif relation.relation == "spouse":
            spouse = person
        else:
            children.append(person)
    return {"name": resident.name, "rrn": resident.rrn, "parents": parents, "spouse": spouse, "children": children}


def _parcel(pnu: str, *, with_mortgages: bool = False) -> Parcel | None:
    queryset = Parcel.objects.filter(pnu=pnu)
    if with_mortgages:
        queryset = queryset.prefetch_related(Prefetch("mortgages"))
    return queryset.first()


def real_estate_register(pnu: str) -> dict | None:
    parcel = _parcel(pnu, with_mortgages=True)
    if parcel is None:
        return None
    return {
        "pnu": parcel.pnu,
        "address": parcel.lot_address,
        "owner_name": parcel.owner_name,
        "ownership_share": parcel.ownership_share,
        "mortgages": [
            {
                "creditor": mortgage.creditor,
                "max_amount": mortgage.max_amount,
                "registered_on": mortgage.registered_on.isoformat(),
            }
            for mortgage in sorted(parcel.mortgages.all(), key=lambda m: m.pk)
        ],
    }


def land_register(pnu: str) -> dict | None:
    parcel = _parcel(pnu)
    if parcel is None:
        return None
    return {
        "pnu": parcel.pnu,
        "address": parcel.lot_address,
        "land_category": parcel.land_category,
        "area_m2": parcel.area_m2,
        "owner_name": parcel.owner_name,
        "official_land_price": parcel.official_land_price,
    }


def land_use_plan(pnu: str) -> dict | None:
    parcel = _parcel(pnu)
    if parcel is None:
        return None
    return {
        "pnu": parcel.pnu,
        "zoning": parcel.zoning,
        "districts": list(parcel.districts),
        "restrictions": list(ZONING_RESTRICTIONS.get(parcel.zoning, ())),
    }


def building_ledger(management_number: str) -> dict | None:
    building = Building.objects.filter(management_number=management_number).first()
    if building is None:
        return None
    return {
        "building_id": building.management_number,
        "address": building.road_address,
        "main_use": building.main_use,
        "floors_above": building.floors_above,
        "floors_below": building.floors_below,
        "total_floor_area_m2": building.total_floor_area_m2,
        "approval_date": building.approval_date.isoformat(),
        "violation": building.violation,
        "owner_name": building.owner_name,
    }


def vehicle_registration(plate: str) -> dict | None:
    vehicle = Vehicle.objects.select_related("owner", "registered_building").filter(plate=plate).first()
    if vehicle is None:
        return None
    return {
        "plate": vehicle.plate,
        "model_name": vehicle.model_name,
        "model_year": vehicle.model_year,
        "owner_name": vehicle.owner.name,
        "owner_rrn": vehicle.owner.rrn,
        "registered_address": vehicle.registered_building.road_address,
    }


def business_registration(rrn: str) -> dict | None:
    business = Business.objects.filter(resident__rrn=rrn).order_by("-opened_on", "-id").first()
    if business is None:
        return None
    return {
        "business_number": business.business_number,
        "trade_name": business.trade_name,
        "business_type": business.business_type,
        "opened_on": business.opened_on.isoformat(),
        "status": business.status,
    }


def income_certificate(rrn: str) -> dict | None:
    resident = Resident.objects.filter(rrn=rrn).only("id", "name").first()
    if resident is None:
        return None
    record = IncomeRecord.objects.filter(resident_id=resident.pk).order_by("-tax_year").first()
    if record is None:  # no income reported: the certificate says so
        return {"name": resident.name, "tax_year": 2025, "total_income": 0, "income_types": []}
    return {
        "name": resident.name,
        "tax_year": record.tax_year,
        "total_income": record.total_income,
        "income_types": list(record.income_types),
    }


def health_insurance_eligibility(rrn: str) -> dict | None:
    insurance = HealthInsurance.objects.select_related("resident").filter(resident__rrn=rrn).first()
    if insurance is None:
        return None
    return {
        "name": insurance.resident.name,
        "insured_type": insurance.insured_type,
        "acquired_on": insurance.acquired_on.isoformat(),
        "lost_on": _iso(insurance.lost_on),
        "employer_name": insurance.employer_name or None,
    }


def military_service_record(rrn: str) -> dict | None:
    record = MilitaryRecord.objects.select_related("resident").filter(resident__rrn=rrn).first()
    if record is None:
        return None
    return {
        "name": record.resident.name,
        "service_status": record.service_status,
        "branch": record.branch or None,
        "enlisted_on": _iso(record.enlisted_on),
        "discharged_on": _iso(record.discharged_on),
        "discharge_type": record.discharge_type or None,
    }


ANSWERS: dict[str, Callable[..., dict | None]] = {
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
    if fields is not None and item_code in _NARROWABLE:
        return ANSWERS[item_code](subject_id, fields)
    return ANSWERS[item_code](subject_id)
