"""Issue 13, point 8: the sandbox's developer page masks the demo residents' registration numbers."""

import pytest
from django.test import Client

from sharing.crypto import mask_rrn
from sharing.sandbox.demo import DEMO_PEOPLE


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ko", "en"])
def test_the_sandbox_page_shows_registration_numbers_masked(language):
    client = Client(headers={"accept-language": language})
    page = client.get("/sandbox/")
    assert page.status_code == 200
    content = page.content.decode()
    assert DEMO_PEOPLE, "the page must have demo residents to show"
    for person in DEMO_PEOPLE:
        assert person["rrn"] not in content
        assert person["rrn"].replace("-", "") not in content
        assert person["rrn"].split("-")[1] not in content  # the back half, in any form
        assert mask_rrn(person["rrn"]) in content
        assert person["username"] in content


@pytest.mark.django_db
def test_the_sandbox_admin_shows_registration_numbers_masked(admin_client_verified):
    from django.urls import reverse

    from sharing.sandbox import demo, models

    demo.seed(residents=1)
    residents = list(models.Resident.objects.order_by("pk")[:20])
    assert residents
    listing = admin_client_verified.get(reverse("admin:sandbox_resident_changelist")).content.decode()
    detail = admin_client_verified.get(
        reverse("admin:sandbox_resident_change", args=[residents[0].pk])
    ).content.decode()
    for resident in residents:
        assert resident.rrn not in listing and resident.rrn.split("-")[1] not in listing
    assert mask_rrn(residents[0].rrn) in listing and mask_rrn(residents[0].rrn) in detail
    assert residents[0].rrn not in detail and residents[0].rrn.split("-")[1] not in detail
    # Found by the whole number all the same, and still shown masked.
    found = admin_client_verified.get(reverse("admin:sandbox_resident_changelist"), {"q": residents[0].rrn})
    assert residents[0].name in found.content.decode()
