"""Demo data of the hub's roles: who applies for and who decides uses (a step of seed_demo).

The accounts are portal.demo's (``hubadmin1``, ``reviewer1``); the demo uses themselves are
``sharing.hub.demo``'s. Idempotent.
"""

from __future__ import annotations

from django.db import transaction

from portal.models import User, UsingAgency
from sharing.models import Agency

from .models import OwningAgencyReviewer, UsingAgencyAdministrator

JONGNO = ("seoul-jongno", "서울특별시 종로구", "Jongno-gu, Seoul", UsingAgency.Kind.LOCAL)
ADMINISTRATORS = {"hubadmin1": "seoul-jongno"}
REVIEWERS = {"reviewer1": "mois"}


@transaction.atomic
def seed(*, stdout=None, **options) -> None:
    code, name_ko, name_en, kind = JONGNO
    jongno, _ = UsingAgency.objects.get_or_create(
        code=code, defaults={"name_ko": name_ko, "name_en": name_en, "kind": kind}
    )
    using_agencies = {code: jongno}
    given = 0
    for username, agency_code in ADMINISTRATORS.items():
        user = User.objects.filter(username=username).first()
        if user is not None:
            given += UsingAgencyAdministrator.objects.get_or_create(
                user=user, using_agency=using_agencies[agency_code]
            )[1]
    for username, agency_code in REVIEWERS.items():
        user = User.objects.filter(username=username).first()
        agency = Agency.objects.filter(code=agency_code).first()
        if user is not None and agency is not None:
            given += OwningAgencyReviewer.objects.get_or_create(user=user, agency=agency)[1]
    if stdout:
        stdout.write(f"  hub roles given: {given}")
