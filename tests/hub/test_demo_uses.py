"""The demo's using agencies and approved uses: every demo office belongs to a using agency, every
demo petition type's required information names a use in force for every office it may go to,
and the portal holds uses for the refund inquiry. Idempotent."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from petitions.models import PetitionType, RequiredInformation
from petitions.uses import use_problems
from portal.models import Office
from sharing.hub.models import ApprovedUse, ApprovedUseEvent

pytestmark = pytest.mark.django_db


def test_seed_demo_gives_every_fetch_of_the_demo_an_approved_use():
    call_command("seed_demo", residents=10, stdout=io.StringIO())
    agencies = dict(Office.objects.values_list("code", "using_agency__code"))
    assert agencies == {
        "jongno": "seoul-jongno",
        "jung": "seoul-jung",
        "mapo": "seoul-mapo",
        "gangnam": "seoul-gangnam",
        "haeundae": "busan-haeundae",
        "portal": "portal",
    }
    assert PetitionType.objects.exists()
    for petition_type in PetitionType.objects.select_related("handling_office"):
        assert use_problems(petition_type) == [], petition_type.slug
    assert not RequiredInformation.objects.filter(approved_use=None).exists()
    refund = ApprovedUse.objects.filter(using_agency__code="portal", purpose__code="P-REFUND-INQUIRY")
    assert set(refund.values_list("item__code", flat=True)) == {
        "local_tax_refunds",
        "national_tax_refunds",
        "premium_refunds",
        "pension_refunds",
    }
    today = timezone.localdate()
    assert all(use.in_force_on(today) for use in ApprovedUse.objects.all())
    # Each use has its history: applied for, then approved (seeded, no actor).
    use = refund.first()
    assert [event.action for event in use.events.all()] == [
        ApprovedUseEvent.Action.APPLIED,
        ApprovedUseEvent.Action.APPROVED,
    ]
    count = ApprovedUse.objects.count()
    call_command("seed_demo", residents=10, stdout=io.StringIO())
    assert ApprovedUse.objects.count() == count
