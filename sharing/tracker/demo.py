"""Demo data of the tracker: the portal as the office of citizens' own inquiries, and the demo
privacy officers. Idempotent; runs after the petitions step. (The refund-claim petition types
are petitions': petitions.demo_refunds.)"""

from __future__ import annotations

from django.db import transaction

from portal.models import Office, User

from .models import PrivacyOfficer
from .services import portal_office

# The demo privacy officers (username, office code).
PRIVACY_OFFICERS = [("supervisor1", "jongno"), ("officer2", "gangnam")]


@transaction.atomic
def privacy_officers_seed() -> int:
    created_count = 0
    for username, office_code in PRIVACY_OFFICERS:
        user = User.objects.filter(username=username, role=User.Role.OFFICIAL).first()
        office = Office.objects.filter(code=office_code).first()
        if user and office:
            created_count += PrivacyOfficer.objects.get_or_create(office=office, user=user)[1]
    return created_count


def seed(*, stdout=None, **options) -> None:
    from sharing.hub import demo as hub_demo

    portal_office()
    hub_demo.using_agencies_seed()  # the portal office's using agency,
    hub_demo.refund_uses_seed()  # and its approved uses for the refund inquiry
    officers = privacy_officers_seed()
    if stdout:
        stdout.write(f"  privacy officers: {officers} new")
