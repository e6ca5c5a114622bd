"""A new citizen files a building use change on a phone, end to end, in Chromium.

Sign up → confirm identity (sandbox code) → catalogue → type page → wizard → submit → the
detail page shows the fetches completing live (sandbox agencies over real HTTP, fetched and
rendered by a real Celery worker process) → the receipt PDF downloads. axe-core finds no
serious or critical violation on any page of the way.

The worker shares the test database, so this needs PostgreSQL (CI); on SQLite it skips.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.worker]


@pytest.fixture
def journey_data(sandbox_agencies):
    from petitions.demo import petition_types_seed
    from portal.demo import seed as portal_seed

    portal_seed()
    petition_types_seed()
    return sandbox_agencies


def test_a_new_citizen_files_a_building_use_change_on_a_phone(
    journey_data, real_worker, phone_page, axe_check, live_server, monkeypatch, request
):
    from petitions import identity
    from petitions.models import Petition
    from sharing.sandbox.identity import SandboxIdentityProvider

    page = phone_page
    person = journey_data.people[0]
    codes: list[str] = []
    monkeypatch.setattr(SandboxIdentityProvider, "_print_code", staticmethod(lambda phone, code: codes.append(code)))
    # The provider is made once per process and keeps the sender it was made with: one an earlier
    # test in this process made would send this test's codes to that test's sender.
    identity.get_provider.cache_clear()
    request.addfinalizer(identity.get_provider.cache_clear)

    # Sign up.
    page.goto(live_server.url + "/account/sign-up/")
    axe_check(page)
    page.locator("input[name=username]").fill("newcitizen")
    page.locator("input[name=full_name]").fill(person["name"])
    page.locator("input[name=email]").fill("newcitizen@example.org")
    page.locator("input[name=password1]").fill("a long and new passphrase 42")
    page.locator("input[name=password2]").fill("a long and new passphrase 42")
    page.locator("label[for=id_agree_terms]").click()
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()

    # The catalogue and the type page.
    page.goto(live_server.url + "/petitions/")
    axe_check(page)
    page.get_by_role("link", name="건축물 용도변경 신고").click()
    page.wait_for_load_state()
    assert "건축물대장 등본" in page.content()
    axe_check(page)
    page.get_by_role("link", name="온라인 신청").click()

    # Identity confirmation, once.
    page.wait_for_url(re.compile(r"/my/identity/"))
    axe_check(page)
    page.get_by_label("주민등록상 성명").fill(person["name"])
    page.get_by_label("주민등록번호").fill(person["rrn"])
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/my/identity/code/"))
    assert person["rrn"] not in page.url
    axe_check(page)
    page.get_by_label("휴대전화로 받은 인증번호").fill(codes[-1])
    page.locator("main form button[type=submit]").click()

    # The wizard: notes → applicant → form → review.
    page.wait_for_url(re.compile(r"/apply/$"))
    axe_check(page)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/applicant/$"))
    assert "900101-1******" in page.content()
    axe_check(page)
    page.get_by_label("주소(우편물 받을 곳)").fill("서울특별시 종로구 자하문로 10")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/form/$"))
    axe_check(page)
    page.get_by_label("건축물 관리번호").fill(person["building_id"])
    page.get_by_label("토지 고유번호(PNU)").fill(person["pnu"])
    page.locator("label", has_text="제1종 근린생활시설").click()
    page.get_by_label("변경 부분 면적(㎡)").fill("85")
    page.get_by_label("변경 사유").fill("1층 주택을 소매점으로 바꾸려 합니다.")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/review/$"))
    axe_check(page)
    page.locator("label[for=id_confirm]").click()
    page.get_by_role("button", name="민원 신청하기").click()

    # The detail page: the fetches complete live, the petition moves to review.
    page.wait_for_url(re.compile(r"/my/petitions/\d{4}-\d{7}/$"))
    receipt_no = page.url.rstrip("/").rsplit("/", 1)[-1]
    axe_check(page)
    page.wait_for_selector("text=수집한 정보: 3건 중 3건", timeout=90_000)
    page.wait_for_selector("#petition-progress >> text=검토 중", timeout=30_000)
    assert page.locator("#petition-progress").get_attribute("hx-trigger") is None  # polling stopped
    assert "국토교통부에서 받았습니다" in page.locator("#petition-progress").inner_text()
    axe_check(page)

    # The receipt PDF.
    download_link = page.locator("a.documents-download").first
    download_link.wait_for(timeout=90_000)
    with page.expect_download() as download_info:
        download_link.click()
    path = download_info.value.path()
    assert Path(path).read_bytes()[:5] == b"%PDF-"

    petition = Petition.objects.get(receipt_no=receipt_no)
    assert petition.status == Petition.Status.UNDER_REVIEW
    assert page.js_errors == []
