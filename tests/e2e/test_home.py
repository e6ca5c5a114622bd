"""The home page in a real browser: KRDS styles, the language switcher, accessibility."""

import pytest

pytestmark = [pytest.mark.browser]


def test_home_renders_with_krds_styles(page, live_server):
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "ko"
    assert page.locator("#krds-masthead").is_visible()
    # The KRDS stylesheet is applied: its token sets the base font family of the page.
    font_family = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "Pretendard GOV" in font_family
    krds_rules = page.evaluate(
        "Array.from(document.styleSheets).filter(s => (s.href || '').includes('krds'))"
        ".reduce((n, s) => n + s.cssRules.length, 0)"
    )
    assert krds_rules > 500
    # The skip link is the first focusable element and leads to the main content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#main-content"
    assert page.js_errors == []


def test_language_switcher_switches_to_english_and_back(page, live_server):
    page.goto(live_server.url + "/")
    assert page.get_by_role("heading", level=1).inner_text() == "증명서를 모으지 않고 민원을 신청하세요"
    page.get_by_test_id("language-en").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "File a petition without collecting certificates"
    page.get_by_test_id("language-ko").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "ko"
    assert page.get_by_role("heading", level=1).inner_text() == "증명서를 모으지 않고 민원을 신청하세요"


@pytest.mark.parametrize("path", ["/", "/account/login/", "/account/sign-up/"])
def test_pages_have_no_serious_accessibility_violations(page, live_server, axe_check, path):
    page.goto(live_server.url + path)
    axe_check(page)


def test_sign_up_errors_are_accessible(page, live_server, axe_check):
    page.goto(live_server.url + "/account/sign-up/")
    page.get_by_role("button", name="회원가입").last.click()
    page.wait_for_load_state()
    assert page.locator(".form-hint-invalid").count() > 0
    axe_check(page)
