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
