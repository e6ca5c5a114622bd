"""A petition filed while an agency is down, end to end in Chromium, with a real Celery worker.

The sandbox's 국토교통부 (molit) is down (it closes every connection) → a building use change is
filed → the worker's first attempts fail, and within seconds the citizen's petition page (its
progress part, polled with htmx) offers to upload each document instead, while the fetches keep
retrying → the citizen uploads them → the fetches stop and the petition reaches review. axe-core
finds no serious or critical violation at desktop and phone size.

The worker shares the test database and broker: PostgreSQL and Redis (CI); otherwise it skips.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import DESKTOP_VIEWPORT, PHONE_VIEWPORT
from tests.petitions.conftest import pdf_bytes

pytestmark = [pytest.mark.browser, pytest.mark.worker]


@pytest.fixture
def outage_data(sandbox_agencies):
    from petitions.demo import petition_types_seed
    from petitions.identity import ResidentRecord, resident_link_set
    from portal.demo import seed as portal_seed
    from portal.models import User

    portal_seed()
    petition_types_seed()
    person = sandbox_agencies.people[0]
    resident_link_set(
        user=User.objects.get(username="citizen1"),
        record=ResidentRecord(
            name=person["name"],
            rrn=person["rrn"],
            phone=person["phone"],
            address="서울특별시 종로구 자하문로 10",
            district_code=person["district_code"],
        ),
    )
    sandbox_agencies.set_faults("molit", down=True)
    return sandbox_agencies


def test_a_petition_filed_while_an_agency_is_down_offers_the_upload_and_reaches_review(
    outage_data, real_worker, page, axe_check, live_server, tmp_path
):
    from petitions.models import Petition
    from portal.demo import DEMO_PASSWORD
    from portal.models import User
    from sharing.models import FetchRequest
    from tests.petitions.helpers import file_building_use_change

    person = outage_data.people[0]
    citizen = User.objects.get(username="citizen1")
    petition = file_building_use_change(citizen, building_id=person["building_id"], pnu=person["pnu"])
    document = tmp_path / "paper.pdf"
    document.write_bytes(pdf_bytes())

    page.goto(live_server.url + f"/account/login/?next=/my/petitions/{petition.receipt_no}/")
    page.locator("input[name=username]").fill("citizen1")
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/my/petitions/\d{4}-\d{7}/$"))

    # Within seconds (the progress part is polled every 3 s), the upload is offered although
    # the fetches are still being retried.
    page.locator("form.petitions-fetch-upload").first.wait_for(timeout=30_000)
    assert "기다리지 않으셔도 됩니다" in page.locator("#petition-progress").inner_text()
    assert Petition.objects.get(pk=petition.pk).status == Petition.Status.COLLECTING
    axe_check(page)
    page.set_viewport_size(PHONE_VIEWPORT)
    axe_check(page)
    page.set_viewport_size(DESKTOP_VIEWPORT)

    # The citizen uploads each document the down agency holds.
    molit = FetchRequest.objects.filter(case_ref=petition.receipt_no, item__agency__code="molit").count()
    assert molit >= 1
    for _ in range(molit):
        form = page.locator("form.petitions-fetch-upload").first
        form.wait_for(timeout=30_000)
        form.locator("input[type=file]").set_input_files(str(document))
        form.locator("button[type=submit]").click()
        page.wait_for_load_state()
        assert "서류를 민원에 추가했습니다" in page.content() or "직접 제출" in page.content()

    # The fetches stop; with nothing left to wait for the petition reaches review.
    page.wait_for_selector("#petition-progress >> text=검토 중", timeout=60_000)
    fetches = FetchRequest.objects.filter(case_ref=petition.receipt_no, item__agency__code="molit")
    assert set(fetches.values_list("error_code", flat=True)) == {"uploaded_instead"}
    petition.refresh_from_db()
    assert petition.status == Petition.Status.UNDER_REVIEW
    assert petition.uploads.count() == molit
    assert page.locator("form.petitions-fetch-upload").count() == 0
    axe_check(page)
    page.set_viewport_size(PHONE_VIEWPORT)
    axe_check(page)
    assert page.js_errors == []
