"""The citizen's pages on a phone and for low vision (issue 14, and issue 13's consent errors,
empty heading, consent step of types without consent, favicon and masthead landmark).

At 390x844 and at 320 px wide, over home, catalogue, type page, every wizard step of a type with a
consent step (passport) and one without (building use change), my petitions, a petition, identity,
who viewed my information, the savings page and log in: the page does not scroll sideways, axe finds
nothing moderate or worse (``region`` included), every tab stop has a visible box and a visible
focus, links standing on their own are at least 24 px high, and the wizard's step links answer 200.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

import pytest
from django.test import Client

from tests.factories import CITIZEN1
from tests.petitions.helpers import file_building_use_change

from .conftest import _new_page
from .layout import NO_TRANSITIONS, axe_findings, layout_problems

pytestmark = [pytest.mark.browser]

VIEWPORTS = {"phone-390": {"width": 390, "height": 844}, "reflow-320": {"width": 320, "height": 640}}


def _world(office, citizen):
    from petitions.demo import petition_types_seed
    from sharing import audit, crypto
    from sharing.demo import seed as catalogue_seed
    from tests.factories import OfficeFactory

    OfficeFactory(code="mapo", name_ko="마포구청", name_en="Mapo-gu Office", district_code="11440")
    catalogue_seed()
    petition_types_seed()
    petition = file_building_use_change(citizen)
    audit.log_personal_data_access(
        action="fetched",
        subject_hash=crypto.subject_hash(CITIZEN1.rrn),
        case_ref=petition.receipt_no,
        office=office,
        actor=None,
        item_code="resident_abstract",
        fields=["name", "address"],
        purpose="P-BLDG-USE",
        detail="",
    )
    return {"citizen": citizen, "petition": petition}


@pytest.fixture
def citizen_world(transactional_db, office, other_office, queued_fetches, linked_citizen):
    """A filed petition whose receipt is rendered (its link shows on the petition's page)."""
    return _world(office, linked_citizen)


@pytest.fixture
def light_world(transactional_db, office, other_office, queued_fetches, queued_renders, linked_citizen):
    """The same without rendering the receipt (slow), for the tests that do not look at it."""
    return _world(office, linked_citizen)


def _signed_in(chromium, live_server, user, viewport):
    context, page = _new_page(chromium, viewport)
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    return context, page


def _check(page, problems: dict, label: str):
    found = layout_problems(page)
    if found:
        problems[label] = found


def _submit(page):
    page.locator("main form:not(.petitions-discard) button[type=submit]").last.click()
    page.wait_for_load_state()


def _step_links_answer(page) -> list[str]:
    """The step indicator's links: visible, and each answers 200."""
    failures = []
    for link in page.locator("nav.petitions-progress a").all():
        href = link.get_attribute("href")
        box = link.bounding_box()
        if not box or box["width"] < 8 or box["height"] < 24:
            failures.append(f"{href}: box {box}")
        status = page.request.get(urljoin(page.url, href)).status
        if status != 200:
            failures.append(f"{href}: {status}")
    return failures


def _step_count(page) -> str:
    return page.locator(".petitions-step-count").inner_text()


@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
def test_the_citizens_pages_reflow_and_show_every_tab_stop(citizen_world, chromium, live_server, viewport):
    petition = citizen_world["petition"]
    problems: dict[str, list[str]] = {}

    context, page = _new_page(chromium, viewport)
    page.goto(live_server.url + "/account/login/")
    _check(page, problems, "login")
    context.close()

    context, page = _signed_in(chromium, live_server, citizen_world["citizen"], viewport)
    for path in [
        "/",
        "/petitions/",
        "/petitions/passport-issuance/",
        "/my/petitions/",
        f"/my/petitions/{petition.receipt_no}/",
        "/my/identity/",
        "/stats/",
    ]:
        page.goto(live_server.url + path)
        _check(page, problems, path)

    # A type with a consent step: five steps, numbered 1 to 5.
    page.goto(live_server.url + "/petitions/passport-issuance/apply/")
    assert page.locator("main h1").inner_text().strip() == "신청 안내"
    assert _step_count(page) == "전체 5단계 중 1단계: 신청 안내"
    _check(page, problems, "passport: notes")
    _submit(page)
    page.wait_for_url(re.compile(r"/applicant/$"))
    _check(page, problems, "passport: applicant")
    page.locator("input[name=email]").fill("kim@example.org")
    page.locator("input[name=address]").fill("서울특별시 종로구 자하문로 10")
    _submit(page)
    page.wait_for_url(re.compile(r"/form/$"))
    assert _step_count(page) == "전체 5단계 중 3단계: 신청 내용"
    _check(page, problems, "passport: form")
    page.locator("label", has_text="복수여권(10년)").click()
    page.locator("label", has_text="26면").click()
    page.locator("input[name=english_name]").fill("KIM MINWON")
    _submit(page)
    page.wait_for_url(re.compile(r"/consent/$"))
    _check(page, problems, "passport: consent")
    _submit(page)  # nothing chosen: the errors, and the focus on their summary
    page.wait_for_function("document.activeElement && document.activeElement.hasAttribute('data-error-summary')")
    _check(page, problems, "passport: consent with errors")
    for label in page.locator("label", has_text="동의합니다").all():
        label.click()
    _submit(page)
    page.wait_for_url(re.compile(r"/review/$"))
    assert _step_count(page) == "전체 5단계 중 5단계: 확인 및 신청"
    _check(page, problems, "passport: review")
    assert _step_links_answer(page) == []
    page.locator("nav.petitions-progress a").first.click()
    page.wait_for_url(re.compile(r"/notes/$"))
    assert page.locator("main h1").inner_text().strip() == "신청 안내"
    _check(page, problems, "passport: notes of the draft")

    # A type without a consent step: four steps, numbered 1 to 4, none called consent.
    page.goto(live_server.url + "/petitions/building-use-change/apply/")
    assert _step_count(page) == "전체 4단계 중 1단계: 신청 안내"
    assert "정보 조회 동의" not in page.locator("nav.petitions-progress").inner_text()
    _check(page, problems, "building: notes")
    _submit(page)
    page.wait_for_url(re.compile(r"/applicant/$"))
    page.locator("input[name=email]").fill("kim@example.org")
    page.locator("input[name=address]").fill("서울특별시 종로구 자하문로 10")
    _submit(page)
    page.wait_for_url(re.compile(r"/form/$"))
    _check(page, problems, "building: form")
    page.locator("input[name=building_id]").fill("11110-100000001")
    page.locator("input[name=pnu]").fill("1111010100109410000")
    page.locator("label", has_text="제1종 근린생활시설").click()
    page.locator("input[name=floor_area]").fill("85")
    page.locator("textarea[name=reason]").fill("1층 주택을 소매점으로 바꾸려 합니다.")
    _submit(page)
    page.wait_for_url(re.compile(r"/review/$"))
    assert _step_count(page) == "전체 4단계 중 4단계: 확인 및 신청"
    _check(page, problems, "building: review")
    assert _step_links_answer(page) == []
    assert page.js_errors == []
    context.close()
    assert not problems, "\n".join(f"{where}:\n  " + "\n  ".join(found) for where, found in problems.items())


@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
def test_who_viewed_my_information_reflows(light_world, chromium, live_server, viewport):
    context, page = _signed_in(chromium, live_server, light_world["citizen"], viewport)
    page.goto(live_server.url + "/my/data-access/")
    problems = layout_problems(page)
    context.close()
    assert not problems, "\n".join(problems)


def test_the_phone_header_is_a_compact_bar_with_all_menus(light_world, chromium, live_server):
    context, page = _signed_in(chromium, live_server, light_world["citizen"], VIEWPORTS["phone-390"])
    page.goto(live_server.url + "/petitions/")
    height = page.evaluate("document.getElementById('krds-header').getBoundingClientRect().bottom")
    assert height <= 110, f"the header takes {height} px of an 844 px screen"
    # The masthead is inside the banner landmark; the page has a favicon.
    assert page.locator("header#krds-header #krds-masthead").count() == 1
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert page.request.get(live_server.url + icon).status == 200

    menu_button = page.get_by_role("button", name="전체메뉴", exact=True)
    assert menu_button.get_attribute("aria-expanded") == "false"
    assert not page.get_by_role("link", name="나의 민원").first.is_visible()
    menu_button.click()
    page.wait_for_selector("#mobile-nav.is-open")
    assert menu_button.get_attribute("aria-expanded") == "true"
    nav = page.locator("#mobile-nav")
    page.wait_for_function("document.activeElement.closest('#mobile-nav') !== null")
    assert nav.get_by_role("link", name="나의 민원").is_visible()
    current = nav.locator("[aria-current=page]")
    assert current.count() == 1 and current.inner_text() == "온라인으로 신청할 수 있는 민원"
    assert axe_findings(page) == []
    page.keyboard.press("Escape")
    page.wait_for_selector("#mobile-nav", state="hidden")
    assert menu_button.get_attribute("aria-expanded") == "false"
    nav_link = page.locator("#mobile-nav a", has_text="나의 민원")
    assert not nav_link.is_visible()

    # Scrolling does not move the page under the reader's finger: KRDS fixes the bar to the top
    # once the page is scrolled, and the header keeps its place (it jumped up by the bar's height).
    heading_at = "document.querySelector('main h1').getBoundingClientRect().top + scrollY"
    resting = page.evaluate(heading_at)
    page.mouse.wheel(0, 400)
    page.wait_for_function("document.getElementById('wrap').classList.contains('scroll-down')")
    assert page.evaluate("getComputedStyle(document.querySelector('#krds-header .header-in')).position") == "fixed"
    assert page.evaluate(heading_at) == resting

    # Scrolling back up brings back the compact bar only.
    page.mouse.wheel(0, 1100)
    page.wait_for_timeout(300)
    page.mouse.wheel(0, -300)
    page.wait_for_timeout(700)
    overlay = page.evaluate("""() => { const r = document.querySelector('#krds-header .header-in').getBoundingClientRect();
                                       return Math.max(0, Math.min(r.bottom, innerHeight) - Math.max(r.top, 0)); }""")
    assert overlay <= 80, f"scrolling up covers {overlay} px"
    assert page.js_errors == []
    context.close()


def test_only_the_current_page_is_marked_in_the_menu_under_forced_colours(light_world, chromium, live_server):
    context, page = _signed_in(chromium, live_server, light_world["citizen"], {"width": 1280, "height": 900})
    page.emulate_media(forced_colors="active")
    page.goto(live_server.url + "/petitions/")
    marks = page.evaluate("""() => Array.from(document.querySelectorAll('.portal-main-menu .portal-menu-link')).map(a => {
        const s = getComputedStyle(a);
        return {current: a.getAttribute('aria-current') === 'page', text: a.textContent,
                mark: [s.borderBottomStyle !== 'none' && parseFloat(s.borderBottomWidth) > 0,
                       s.textDecorationLine.includes('underline'), s.boxShadow !== 'none'].some(Boolean)}; })""")
    assert [m["text"] for m in marks if m["current"]] == ["민원"]
    assert [m["text"] for m in marks if m["mark"]] == ["민원"], marks
    context.close()


def _mark_colour(page, input_id: str) -> str:
    return page.evaluate(
        """(id) => { const l = document.querySelector(`label[for="${id}"]`);
        const a = getComputedStyle(l, '::after'), b = getComputedStyle(l, '::before');
        return [a.backgroundColor, a.maskImage || a.webkitMaskImage, b.backgroundColor, b.borderTopColor].join(' ');}""",
        input_id,
    )


def _label_pixels(page, input_id: str) -> bytes:
    return page.locator(f"label[for='{input_id}']").screenshot(animations="disabled")


def test_radios_and_checkboxes_show_their_state_and_focus_under_forced_colours(light_world, chromium, live_server):
    from petitions import services
    from petitions.models import PetitionType

    draft = services.petition_draft_start(
        petition_type=PetitionType.objects.get(slug="passport-issuance"), applicant=light_world["citizen"]
    )
    services.petition_draft_update_applicant(
        petition=draft, phone="010-1234-5678", email="a@example.org", address="서울특별시 종로구 자하문로 10"
    )
    services.petition_draft_update_answers(
        petition=draft, answers={"passport_type": "multiple", "pages": "26", "english_name": "KIM MINWON"}
    )
    context, page = _signed_in(chromium, live_server, light_world["citizen"], VIEWPORTS["phone-390"])
    page.emulate_media(forced_colors="active")
    assert page.evaluate("matchMedia('(forced-colors: active)').matches")
    base = f"{live_server.url}/petitions/passport-issuance/apply/{draft.public_id}"

    # A radio: its dot shows once selected, and a focus ring shows while focused.
    page.goto(base + "/consent/")
    page.add_style_tag(content=NO_TRANSITIONS)  # the end states, not a frame of a transition
    radio = "id_consent_family_relation_0"
    before, pixels_before = _mark_colour(page, radio), _label_pixels(page, radio)
    page.locator(f"label[for={radio}]").click()
    page.locator(f"#{radio}").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.id") == radio
    assert page.locator(f"#{radio}").is_checked()
    after, pixels_after = _mark_colour(page, radio), _label_pixels(page, radio)
    assert after != before, "the selected radio looks as before"
    assert pixels_after != pixels_before
    ring = page.evaluate(f"""() => {{ const s = getComputedStyle(document.querySelector('label[for={radio}]'));
                                    return [s.outlineStyle, parseFloat(s.outlineWidth)]; }}""")
    assert ring[0] != "none" and ring[1] >= 2, ring

    # Every control of the consent page shows its focus there: radios, file inputs, buttons.
    problems = [p for p in layout_problems(page, check_axe=False) if "focus" in p]
    assert problems == []

    # A checkbox: its tick shows once checked.
    for label in page.locator("label", has_text="동의합니다").all():
        label.click()
    _submit(page)
    page.wait_for_url(re.compile(r"/review/$"))
    page.add_style_tag(content=NO_TRANSITIONS)
    before, pixels_before = _mark_colour(page, "id_confirm"), _label_pixels(page, "id_confirm")
    page.locator("label[for=id_confirm]").click()
    assert page.locator("#id_confirm").is_checked()
    after, pixels_after = _mark_colour(page, "id_confirm"), _label_pixels(page, "id_confirm")
    assert after != before and pixels_after != pixels_before
    problems = [p for p in layout_problems(page, check_axe=False) if "focus" in p]
    assert problems == []

    # Text fields, selects and the rest on the form step.
    page.goto(base + "/applicant/")
    problems = [p for p in layout_problems(page, check_axe=False) if "focus" in p]
    assert problems == []
    context.close()


def test_a_first_visit_does_not_jump_as_the_typeface_arrives(chromium, live_server, transactional_db):
    """A new visitor's first page (no font cached) is drawn once: no layout shift at all."""
    context, page = _new_page(chromium, VIEWPORTS["phone-390"])
    page.add_init_script(
        "window.portalShifts = []; new PerformanceObserver((list) => { for (const entry of list.getEntries())"
        " window.portalShifts.push(entry.value); }).observe({type: 'layout-shift', buffered: true});"
    )
    page.goto(live_server.url + "/account/sign-up/")
    page.evaluate("document.fonts.ready.then(() => true)")
    page.wait_for_timeout(500)
    shifts = page.evaluate("window.portalShifts")
    context.close()
    assert shifts == []
