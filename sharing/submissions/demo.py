"""Demo recipients: a bank and an employer, each with a staff account (portal.demo makes the
accounts), and the Jongno-gu using agency when the hub's demo made it. Idempotent."""

from __future__ import annotations

from django.db import transaction

from portal.models import User, UsingAgency

from .models import Recipient, RecipientStaff

RECIPIENTS = [
    # code, Korean name, English name, kind, contact, staff usernames
    (
        "hanbit-bank",
        "한빛은행",
        "Hanbit Bank",
        Recipient.Kind.BANK,
        "02-1588-0000 · docs@hanbit-bank.example.com",
        ["bank1"],
    ),
    (
        "saesol",
        "주식회사 새솔",
        "Saesol Co., Ltd.",
        Recipient.Kind.EMPLOYER,
        "02-555-0100 · hr@saesol.example.com",
        ["employer1"],
    ),
]
USING_AGENCY_RECIPIENT = "seoul-jongno"


@transaction.atomic
def seed(*, stdout=None, **options) -> None:
    made = 0
    for code, name_ko, name_en, kind, contact, staff in RECIPIENTS:
        recipient, created = Recipient.objects.get_or_create(
            code=code, defaults={"name_ko": name_ko, "name_en": name_en, "kind": kind, "contact": contact}
        )
        made += int(created)
        for username in staff:
            user = User.objects.filter(username=username).first()
            if user is not None:
                RecipientStaff.objects.get_or_create(recipient=recipient, user=user)
    agency = UsingAgency.objects.filter(code=USING_AGENCY_RECIPIENT).first()
    if agency is not None and not Recipient.objects.filter(using_agency=agency).exists():
        Recipient.objects.create(
            code=f"agency-{agency.code}",
            name_ko=agency.name_ko,
            name_en=agency.name_en,
            kind=Recipient.Kind.USING_AGENCY,
            using_agency=agency,
        )
        made += 1
    if stdout:
        stdout.write(f"  recipients: {Recipient.objects.count()} ({made} new)")
