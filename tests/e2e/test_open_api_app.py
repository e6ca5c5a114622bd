"""The open API in a real browser: a citizen lets a sandbox app read their petitions (the
consent screen, authorization code with PKCE), the app lists them over HTTP, the citizen
revokes the app on "Connected apps" and the app's next call is refused. The app is this test:
its page is served by the browser's request routing, its calls go over HTTP with httpx."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
import pytest

from .conftest import DESKTOP_VIEWPORT, PHONE_VIEWPORT, _new_page

pytestmark = [pytest.mark.browser]

APP_PAGE = "<!doctype html><html lang='en'><head><title>Sandbox app</title></head><body><main><h1>Sandbox app</h1></main></body></html>"


def _log_in(page, live_server, username, *, next_url):
    from tests.factories import TEST_PASSWORD

    page.goto(f"{live_server.url}/account/login/?{urlencode({'next': next_url})}")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(TEST_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_a_citizen_authorises_a_sandbox_app_then_revokes_it(
    chromium, live_server, transactional_db, linked_citizen, office, axe_check, viewport
):
    from oauth2_provider.models import Application

    from tests.petitions.factories import PetitionFactory, PetitionTypeFactory

    petition_type = PetitionTypeFactory(handling_office=office)
    receipts = {PetitionFactory(applicant=linked_citizen, petition_type=petition_type).receipt_no for _ in range(2)}
    callback = f"{live_server.url}/sandbox-app/callback"
    app = Application.objects.create(
        name="샌드박스 가계부 앱",
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=callback,
        algorithm="",
    )
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    authorize = "/oauth/authorize/?" + urlencode(
        {
            "response_type": "code",
            "client_id": app.client_id,
            "redirect_uri": callback,
            "scope": "petitions.read",
            "state": "s1",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )

    context, page = _new_page(chromium, DESKTOP_VIEWPORT if viewport == "desktop" else PHONE_VIEWPORT)
    try:
        page.route(
            "**/sandbox-app/**", lambda route: route.fulfill(status=200, content_type="text/html", body=APP_PAGE)
        )
        # The app sends the citizen to the portal; the portal asks them to log in first.
        _log_in(page, live_server, linked_citizen.get_username(), next_url=authorize)
        page.wait_for_url(re.compile(r"/oauth/authorize/"))
        main = page.locator("main").inner_text()
        assert "샌드박스 가계부 앱" in main
        assert "내 민원과 각 민원의 처리 상태 보기" in main  # the scope, in words
        axe_check(page)
        page.locator("button[name=allow]").click()
        page.wait_for_url(re.compile(r"/sandbox-app/callback"))
        query = parse_qs(urlparse(page.url).query)
        assert query["state"] == ["s1"]

        # The app swaps the code (with its PKCE verifier) for a token and lists the petitions.
        api = httpx.Client(base_url=live_server.url, timeout=30)
        token = api.post(
            "/oauth/token/",
            data={
                "grant_type": "authorization_code",
                "code": query["code"][0],
                "redirect_uri": callback,
                "client_id": app.client_id,
                "code_verifier": verifier,
            },
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        listed = api.get("/api/v1/me/petitions/", headers=headers)
        assert listed.status_code == 200
        assert {row["receipt_no"] for row in listed.json()["results"]} == receipts

        # The citizen sees the app on "Connected apps" and revokes it.
        page.goto(f"{live_server.url}/my/apps/")
        assert "샌드박스 가계부 앱" in page.locator("main table").inner_text()
        axe_check(page)
        page.locator("main table button[type=submit]").click()
        page.wait_for_load_state()
        assert "이제 내 정보를 읽을 수 없습니다" in page.locator("body").inner_text()
        assert page.locator("main table").count() == 0
        axe_check(page)

        refused = api.get("/api/v1/me/petitions/", headers=headers)
        assert refused.status_code == 401
        assert refused.headers["content-type"] == "application/problem+json"

        # The app's read is in the citizen's "who viewed my information", in words.
        page.goto(f"{live_server.url}/my/data-access/")
        assert "내가 허용한 앱이 포털의 오픈 API로 읽음" in page.locator("main").inner_text()
        assert page.js_errors == []
    finally:
        context.close()


def test_the_api_docs_load_without_the_network(page, live_server):
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=30_000)
    assert "/api/v1/catalogue/types/" in page.locator("#swagger-ui").inner_text()
    assert page.js_errors == []
