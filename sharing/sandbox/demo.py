"""Demo data of the sandbox agencies: registers, agencies, and the portal's agency keys.

``seed`` is a step of ``manage.py seed_demo``: idempotent (a second run changes nothing),
``residents`` loads more synthetic residents (whole blocks of 500).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.apps import apps
from django.db import transaction

from . import registers
from .geography import district
from .keys import agency_public_jwks
from .loader import DEFAULT_SEED, registers_load
from .models import AGENCY_NAMES, SandboxAgency

# The demo citizens' registrations: the first residents of block 0 (resident #1 and #2).
DEMO_OVERRIDES: tuple[registers.DemoOverride, ...] = (
    registers.DemoOverride(
        name="김민원",
        rrn="900101-1234567",
        phone="010-1234-5678",
        sex="M",
        birth=date(1990, 1, 1),
        district_code="11110",
        dong_suffix="10100",
        road="자하문로",
        kind=registers.DETACHED,
        spouse=("박지현", date(1991, 5, 5)),
        children=(("김하늘", "F", date(2021, 4, 12)),),
        owns_building=True,
        owns_vehicle=True,
        employer="(주)한빛전자",
        income=54_000_000,
        refunds=(
            ("mois", "자동차세 연납 과오납 환급금", 48_750, date(2025, 1, 31)),
            ("nts", "종합소득세 환급금", 132_000, date(2025, 6, 30)),
            ("nhis", "건강보험료 과오납 환급금", 57_300, date(2024, 11, 15)),
            ("nps", "연금보험료 과오납 환급금", 86_400, date(2025, 3, 20)),
        ),
        military=("병역필(현역)", "육군", date(2010, 3, 8), date(2011, 12, 7), "만기전역"),
        move_in=date(2019, 3, 2),
    ),
    registers.DemoOverride(
        name="이시민",
        rrn="920315-2345678",
        phone="010-2345-6789",
        sex="F",
        birth=date(1992, 3, 15),
        district_code="11680",
        dong_suffix="10100",
        road="테헤란로",
        kind=registers.MULTIPLEX,
        unit="302호",
        business=("역삼 비빔밥", "음식점업 / 한식", date(2024, 9, 2)),
        income=38_000_000,
        refunds=(("nts", "부가가치세 환급금", 264_000, date(2025, 7, 25)),),
        move_in=date(2022, 8, 20),
    ),
)


def _demo_people() -> list[dict]:
    """The facts of the demo citizens a test or the petitions demo needs, without a database.

    Block 0 generates the demo households first, so their parcel, building and vehicle take
    the first counters of each register.
    """
    people = []
    for index, (username, override) in enumerate(zip(("citizen1", "citizen2"), DEMO_OVERRIDES, strict=True), start=1):
        dong_code = district(override.district_code).dong_code(override.dong_suffix)
        people.append(
            {
                "username": username,
                "name": override.name,
                "rrn": override.rrn,
                "phone": override.phone,
                "district_code": override.district_code,
                "building_id": registers.building_number(override.district_code, index),
                "pnu": registers.parcel_number(dong_code, False, index),
                "plate": registers.plate_number(1) if override.owns_vehicle else None,
                # Only the second demo citizen runs a business: the first of the register.
                "business_number": registers.business_number_for(1) if override.business else None,
            }
        )
    return people


DEMO_PEOPLE: list[dict] = _demo_people()


@transaction.atomic
def agencies_seed() -> int:
    """The sandbox agencies (existing rows, edited in the admin, are left alone); returns how many are new.

    The agencies hold no approved use of their own: they learn each one when the portal pushes
    its decision (``approvals`` endpoint; the portal's ``sharing.hub.services.uses_push_all``).
    """
    created_agencies = 0
    for code, (name_ko, name_en) in AGENCY_NAMES.items():
        _, created = SandboxAgency.objects.get_or_create(code=code, defaults={"name_ko": name_ko, "name_en": name_en})
        created_agencies += created
    return created_agencies


def portal_agencies_configure(*, base_url: str | None = None) -> int:
    """Enters each sandbox agency's public keys (and optionally its address) in the portal's Agency row.

    What an operator would do in the admin after receiving an agency's JWKS. Rows that
    already hold these values are not written. Returns the number of rows changed.
    """
    try:
        agency_model = apps.get_model("sharing", "Agency")
    except LookupError:  # the portal's catalogue is not there (yet)
        return 0
    changed = 0
    for agency in agency_model.objects.filter(code__in=list(AGENCY_NAMES)):
        updates: dict[str, Any] = {"public_jwks": agency_public_jwks(agency.code)}
        if base_url is not None:
            updates["base_url"] = f"{base_url.rstrip('/')}/sandbox/agencies/{agency.code}/"
        dirty = [name for name, value in updates.items() if getattr(agency, name) != value]
        if dirty:
            for name in dirty:
                setattr(agency, name, updates[name])
            agency.save(update_fields=dirty)
            changed += 1
    return changed


def seed(*, stdout=None, residents: int = 2000, seed: int = DEFAULT_SEED, **options) -> None:
    """Step of seed_demo: agencies, at least ``residents`` residents, the portal's agency keys."""
    created_agencies = agencies_seed()
    added = registers_load(residents=residents, seed=seed, demo=DEMO_OVERRIDES, stdout=stdout)
    configured = portal_agencies_configure()
    if stdout:
        stdout.write(
            f"  sandbox agencies: {created_agencies} new, "
            f"residents: {added:,} new, portal agencies given keys: {configured}"
        )
