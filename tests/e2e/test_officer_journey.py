"""The official's side, end to end, in Chromium: officer1 logs in with the TOTP of the demo
secret, finds the petition citizen1 filed, reviews the information fetched from the sandbox
agencies (over real HTTP), requests a supplement; the citizen answers; the official approves;
the citizen downloads the result notice. axe-core finds no serious or critical violation on
any page of the way.

The petition is filed through the services (the citizen's own browser journey has its own
test); fetches and document rendering run eagerly, on commit, as the test settings say.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser]


@pytest.fixture
def filed(sandbox_agencies):
    from petitions.demo import demo_citizens_link, petition_types_seed
    from portal.demo import seed as portal_seed
    from portal.models import User
    from tests.petitions.helpers import file_building_use_change

    portal_seed()
    petition_types_seed()
    demo_citizens_link()
    citizen = User.objects.get(username="citizen1")
    person = sandbox_agencies.people[0]
    return file_building_use_change(citizen, building_id=person["building_id"], pnu=person["pnu"])


def _log_in(page, live_server, username, *, next_url):
    from portal.demo import DEMO_PASSWORD

    page.goto(f"{live_server.url}/account/login/?next={next_url}")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def _totp() -> str:
    from django_otp.oath import totp

    from portal.demo import demo_totp_key_hex

    return f"{totp(bytes.fromhex(demo_totp_key_hex())):06d}"


def _no_script_errors(page):
    assert page.js_errors == []


def test_officer_reviews_requests_a_supplement_and_approves(filed, page, phone_page, axe_check, live_server):
    from petitions.models import Petition
    from sharing.models import AccessLogEntry, FetchRequest

    petition = Petition.objects.get(pk=filed.pk)
    assert petition.status == Petition.Status.UNDER_REVIEW  # every fetch came back from the sandbox
    receipt_no = petition.receipt_no
    review_path = f"/officer/petitions/{receipt_no}/"

    # officer1: password, then the TOTP of the demo secret.
    _log_in(page, live_server, "officer1", next_url="/officer/")
    page.wait_for_url(re.compile(r"/account/two-factor/"))
    axe_check(page)
    page.locator("input[name=otp_token]").fill(_totp())
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/officer/$"))

    # The queue: the petition is there, unassigned; officer1 opens it.
    axe_check(page)
    row = page.locator("table.officer-queue tr", has_text=receipt_no)
    assert row.count() == 1
    row.get_by_role("link", name=receipt_no).click()
    page.wait_for_url(re.compile(review_path + "$"))

    # The review page: the fetched information with its provenance, nothing unmasked.
    information = page.locator("#information")
    assert information.locator("article.officer-panel").count() == 3
    text = information.inner_text()
    assert "국토교통부" in text and "행정안전부" in text
    assert filed.applicant_details["name"] in text
    # One "viewed" entry per panel under its subject, and the building ledger's once more under the
    # building's owner (the citizen: it is theirs); the land-use plan names nobody.
    viewed = AccessLogEntry.objects.filter(case_ref=receipt_no, action="viewed")
    subjects = {(f.item.code, f.subject_hash) for f in FetchRequest.objects.filter(case_ref=receipt_no)}
    owner = ("building_ledger", petition.applicant.resident_link.rrn_hash)
    assert viewed.count() == 4 and set(viewed.values_list("item_code", "subject_hash")) == subjects | {owner}
    axe_check(page)

    # Claim it, then ask for a supplement: the area is to be corrected.
    page.locator("form.officer-claim button[type=submit]").click()
    page.wait_for_url(re.compile(review_path + "$"))
    supplement = page.locator(f"form[action='{review_path}supplement/']")
    supplement.locator("textarea[name=message]").fill("변경 부분 면적을 건축물대장과 맞게 고쳐 주세요.")
    box = supplement.locator("input[name=field_keys][value=floor_area]")
    supplement.locator(f"label[for={box.get_attribute('id')}]").click()  # KRDS styles the label, not the box
    assert box.is_checked()
    supplement.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(review_path + "$"))
    petition.refresh_from_db()
    assert petition.status == Petition.Status.SUPPLEMENT_REQUESTED and petition.suspended_since is not None
    axe_check(page)
    _no_script_errors(page)

    # citizen1 answers the supplement on a phone.
    citizen = phone_page
    _log_in(citizen, live_server, "citizen1", next_url=f"/my/petitions/{receipt_no}/")
    citizen.wait_for_url(re.compile(rf"/my/petitions/{receipt_no}/$"))
    citizen.goto(f"{live_server.url}/my/petitions/{receipt_no}/supplement/")
    axe_check(citizen)
    citizen.locator("input[name=floor_area]").fill("85")
    citizen.locator("main form button[type=submit]").last.click()
    citizen.wait_for_url(re.compile(rf"/my/petitions/{receipt_no}/$"))
    petition.refresh_from_db()
    assert petition.status == Petition.Status.SUPPLEMENT_SUBMITTED

    # The official sees the answer and approves.
    page.goto(live_server.url + review_path)
    assert "85" in page.locator("#entered-title + dl").inner_text()
    approve = page.locator(f"form[action='{review_path}approve/']")
    approve.locator("textarea[name=decision]").fill("용도변경 신고를 수리합니다.")
    approve.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(review_path + "$"))
    petition.refresh_from_db()
    assert petition.status == Petition.Status.APPROVED
    axe_check(page)
    _no_script_errors(page)

    # The citizen downloads the result notice.
    citizen.goto(f"{live_server.url}/my/petitions/{receipt_no}/")
    link = citizen.locator("a.documents-download", has_text=receipt_no).filter(has_text=re.compile("결과|Result")).first
    link.wait_for(timeout=60_000)
    with citizen.expect_download() as download_info:
        link.click()
    assert Path(download_info.value.path()).read_bytes()[:5] == b"%PDF-"
    # The check is of the page at rest, not of the link's hover or active transition.
    citizen.mouse.move(0, 0)
    citizen.reload()
    citizen.wait_for_load_state()
    axe_check(citizen)
    _no_script_errors(citizen)


def test_officer_claims_a_petition_from_the_queue(filed, page, axe_check, live_server):
    """The queue's claim buttons submit the one form outside the table (formaction), which holds
    the CSRF token: the petition is assigned and the queue shows who has it."""
    from petitions.models import Petition
    from portal.models import User

    receipt_no = filed.receipt_no
    _log_in(page, live_server, "officer1", next_url="/officer/")
    page.wait_for_url(re.compile(r"/account/two-factor/"))
    page.locator("input[name=otp_token]").fill(_totp())
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/officer/$"))
    row = page.locator("table.officer-queue tr", has_text=receipt_no)
    row.get_by_role("button", name=re.compile(receipt_no)).click()
    page.wait_for_url(re.compile(r"/officer/$"))
    petition = Petition.objects.get(pk=filed.pk)
    assert petition.assigned_to_id == User.objects.get(username="officer1").pk
    row = page.locator("table.officer-queue tr", has_text=receipt_no)
    assert row.get_by_role("button").count() == 0
    assert petition.assigned_to.display_name in row.inner_text()
    axe_check(page)
    _no_script_errors(page)
