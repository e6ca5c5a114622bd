"""Demo catalogue: the agencies, items, fields and purposes of ``sharing/demo_catalogue.py``.

Agencies point at the sandbox mounted in the same site; their public keys are left to the
sandbox's seed step, as an operator would paste them in the admin. Idempotent.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from . import demo_catalogue as catalogue
from .models import Agency, InformationItem, ItemField, Purpose


def sandbox_base_url(agency_code: str, site_url: str | None = None) -> str:
    return f"{(site_url or settings.SITE_URL).rstrip('/')}/sandbox/agencies/{agency_code}/"


@transaction.atomic
def seed(*, stdout=None, **options) -> None:
    purposes = {}
    for code, (name_ko, name_en) in catalogue.PURPOSES.items():
        purposes[code], _ = Purpose.objects.update_or_create(
            code=code, defaults={"name_ko": name_ko, "name_en": name_en}
        )

    agencies = {}
    for code, name_ko, name_en in catalogue.AGENCIES:
        agency, created = Agency.objects.get_or_create(
            code=code, defaults={"name_ko": name_ko, "name_en": name_en, "base_url": sandbox_base_url(code)}
        )
        if not created and (agency.name_ko, agency.name_en) != (name_ko, name_en):
            agency.name_ko, agency.name_en = name_ko, name_en
            agency.save(update_fields=["name_ko", "name_en"])
        agencies[code] = agency

    field_count = 0
    for spec in catalogue.ITEMS:
        item, _ = InformationItem.objects.update_or_create(
            code=spec["code"],
            defaults={
                "agency": agencies[spec["agency"]],
                "name_ko": spec["name_ko"],
                "name_en": spec["name_en"],
                "description_ko": spec.get("description_ko", ""),
                "description_en": spec.get("description_en", ""),
                "replaces_ko": spec["replaces_ko"],
                "replaces_en": spec["replaces_en"],
                "subject_kind": spec["subject_kind"],
                "consent_required": spec["consent_required"],
                "legal_basis": spec["legal_basis"],
                "legal_basis_en": spec.get("legal_basis_en", ""),
            },
        )
        item.purposes.set([purposes[code] for code in spec["purposes"]])
        for order, field in enumerate(spec["fields"], start=1):
            ItemField.objects.update_or_create(
                item=item,
                key=field["key"],
                defaults={
                    "label_ko": field["label_ko"],
                    "label_en": field["label_en"],
                    "type": field["type"],
                    "sensitivity": field["sensitivity"],
                    "order": order,
                },
            )
            field_count += 1
    if stdout:
        stdout.write(
            f"  agencies: {len(agencies)}, items: {len(catalogue.ITEMS)}, fields: {field_count}, "
            f"purposes: {len(purposes)}"
        )
