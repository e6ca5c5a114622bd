"""Filing for someone else (대리 신청), end to end, in Chromium: citizen1 holds the demo
delegation of citizen2, files a building use change for them through the wizard; the
information is fetched about citizen2 from the sandbox agencies (over real HTTP); citizen2, on a
phone, sees the petition filed for them and, on "who viewed my information", the fetches and the
delegate's view. axe-core finds no serious or critical violation at desktop and phone size.

Fetches and document rendering run eagerly, on commit, as the test settings say.
"""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.browser]


@pytest.fixture
def delegation(sandbox_agencies):
    from petitions.demo import demo_citizens_link, demo_delegation_seed, petition_types_seed
    from portal.demo import seed as portal_seed

    portal_seed()
    petition_types_seed()
    demo_citizens_link()
    assert demo_delegation_seed() == 1
    return sandbox_agencies


def _log_in(page, live_server, username, *, next_url):
    from portal.demo import DEMO_PASSWORD

    page.goto(f"{live_server.url}/account/login/?next={next_url}")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def test_a_delegate_files_for_the_principal_who_sees_it_and_the_access_entries(
    delegation, page, phone_page, axe_check, live_server
):
    from petitions.models import Petition
    from sharing.crypto import subject_hash
    from sharing.models import AccessLogEntry

    principal = delegation.people[1]  # citizen2, 이시민
    masked = principal["rrn"][:8] + "******"

    # The delegate (desktop): the delegations page lists the grant they hold.
    _log_in(page, live_server, "citizen1", next_url="/my/delegations/")
    page.wait_for_url(re.compile(r"/my/delegations/$"))
    assert principal["name"] in page.locator("main").inner_text()
    axe_check(page)

    # The wizard: "who are you filing for?" → the principal.
    page.goto(live_server.url + "/petitions/building-use-change/apply/")
    axe_check(page)
    page.locator("label", has_text="나에게 위임한 분").click()
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/applicant/$"))
    assert masked in page.content() and principal["rrn"] not in page.content()
    axe_check(page)
    page.get_by_label("주소(우편물 받을 곳)").fill("서울특별시 강남구 테헤란로 20 302호")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/form/$"))
    page.get_by_label("건축물 관리번호").fill(principal["building_id"])
    page.get_by_label("토지 고유번호(PNU)").fill(principal["pnu"])
    page.locator("label", has_text="제1종 근린생활시설").click()
    page.get_by_label("변경 부분 면적(㎡)").fill("40")
    page.get_by_label("변경 사유").fill("어머니 건물 1층을 소매점으로 바꾸려 합니다.")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/review/$"))
    assert "위임인" in page.content()
    axe_check(page)
    page.locator("label[for=id_confirm]").click()
    # The fetches run eagerly when the filing commits (test settings): the answer takes a while.
    page.get_by_role("button", name="민원 신청하기").click(timeout=120_000)
    page.wait_for_url(re.compile(r"/my/petitions/\d{4}-\d{7}/$"), timeout=120_000)
    receipt_no = page.url.rstrip("/").rsplit("/", 1)[-1]
    page.wait_for_selector("#petition-progress >> text=검토 중", timeout=60_000)
    axe_check(page)
    assert page.js_errors == []

    petition = Petition.objects.select_related("representation__principal").get(receipt_no=receipt_no)
    assert petition.applicant.username == "citizen1"
    assert petition.representation.principal.username == "citizen2"
    principal_hash = subject_hash(principal["rrn"])
    fetched = AccessLogEntry.objects.filter(case_ref=receipt_no, action="fetched")
    assert fetched.exists() and set(fetched.values_list("subject_hash", flat=True)) >= {principal_hash}
    assert AccessLogEntry.objects.filter(case_ref=receipt_no, action="viewed", subject_hash=principal_hash).exists()

    # The principal (phone): the petition filed for them, its page, and who viewed their information.
    _log_in(phone_page, live_server, "citizen2", next_url="/my/petitions/")
    phone_page.wait_for_url(re.compile(r"/my/petitions/$"))
    row = phone_page.locator("tr", has_text=receipt_no)
    assert row.count() == 1 and "김민원 님이 대리 신청" in row.inner_text()
    axe_check(phone_page)
    row.get_by_role("link", name=receipt_no).click()
    phone_page.wait_for_url(re.compile(receipt_no + "/$"))
    assert "김민원" in phone_page.locator("main").inner_text()
    axe_check(phone_page)
    phone_page.goto(live_server.url + "/my/delegations/")
    axe_check(phone_page)
    phone_page.goto(live_server.url + "/my/data-access/")
    entries = phone_page.locator("main").inner_text()
    assert receipt_no in entries and "김민원" in entries
    axe_check(phone_page)
    assert phone_page.js_errors == []
