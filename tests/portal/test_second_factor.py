"""Role and second-factor enforcement, seen from the outside through the test client."""

import re
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.demo import demo_totp_key_hex
from tests.conftest import login_verified
from tests.factories import TEST_PASSWORD, TOTPDeviceFactory

DUMMY = {
    "int": "1",
    "str": "x",
    "slug": "x",
    "path": "x",
    "uuid": "00000000-0000-0000-0000-000000000000",
    "receipt": "2026-0000001",
}


def _walk(patterns, prefix=""):
    for entry in patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            yield prefix + route


def _concrete(route: str) -> str | None:
    if route.startswith("^") or "(?P" in route:
        return None  # regex routes of the admin's catch-all; covered by the others
    path = re.sub(r"<(?:(\w+):)?\w+>", lambda m: DUMMY.get(m.group(1) or "str", "x"), route)
    return "/" + path


def protected_urls():
    urls = set()
    for route in _walk(get_resolver().url_patterns):
        path = _concrete(route)
        if path and path.startswith(("/officer/", "/admin/")) and path != "/admin/login/":
            urls.add(path)
    return sorted(urls)


PROTECTED = protected_urls()


def test_url_discovery_finds_officer_and_admin_pages():
    assert "/officer/" in PROTECTED
    assert "/admin/" in PROTECTED
    assert "/admin/portal/user/" in PROTECTED
    assert len([u for u in PROTECTED if u.startswith("/admin/")]) > 20


def _names_a_petition(url: str) -> bool:
    return url.startswith("/officer/petitions/")


@pytest.mark.django_db
@pytest.mark.parametrize("url", [u for u in PROTECTED if not _names_a_petition(u)])
def test_anonymous_is_sent_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == "/account/login/?next=" + quote(url, safe="/")


@pytest.mark.django_db
@pytest.mark.parametrize("url", [u for u in PROTECTED if _names_a_petition(u)])
def test_anonymous_gets_404_for_officer_urls_of_a_petition(client, url):
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404


@pytest.mark.django_db
def test_a_lapsed_session_on_a_petition_url_is_asked_to_log_in(client):
    client.cookies["sessionid"] = "expired-or-unknown"
    response = client.get("/officer/petitions/2026-0000001/")
    assert response.status_code == 302 and response["Location"].startswith("/account/login/?next=")


@pytest.mark.parametrize("url", PROTECTED)
def test_official_without_second_factor_is_sent_to_the_otp_step(official, url):
    TOTPDeviceFactory(user=official)
    client = Client()
    client.force_login(official, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == "/account/two-factor/?next=" + quote(url, safe="")


@pytest.mark.parametrize("url", PROTECTED)
def test_administrator_without_second_factor_is_sent_to_the_otp_step(administrator, url):
    client = Client()
    client.force_login(administrator, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == "/account/two-factor/?next=" + quote(url, safe="")


# Written by hand: what a verified administrator must get from each admin page. The dummy
# object id "x" names no row, so an object's pages send back to the index; a model that the
# admin may not add to or delete from (records written only by the portal: the access log,
# fetched data, e-documents, the sandbox registers, ...) refuses those pages before any lookup.
# (may add, may delete) per admin model:
ADMIN_MODELS = {
    "api/agencyclient": (True, True),
    "auth/group": (True, True),
    "axes/accessattempt": (False, True),
    "axes/accessfailurelog": (False, True),
    "axes/accesslog": (False, True),
    "documents/documentrequest": (False, False),
    "hub/approveduse": (False, False),  # applied for and decided on the hub's pages, not here
    "hub/oversightflag": (False, False),  # raised by the job, closed on /hub/oversight/
    "hub/consentgrant": (False, False),  # given and withdrawn by the citizen on their page
    "hub/lookup": (False, False),  # made by officials on the hub's pages; the log is append-only
    "hub/owningagencyreviewer": (True, True),
    "hub/usingagencyadministrator": (True, True),
    "submissions/recipient": (True, True),  # the recipient registry, with its staff inline
    "submissions/submission": (False, False),  # sent, withdrawn and retrieved on the pages only
    "documents/edocument": (False, False),
    # django-oauth-toolkit's: apps are registered here; tokens are issued by /oauth/token/ and
    # revoked by their citizen on /my/apps/.
    "oauth2_provider/accesstoken": (False, False),
    "oauth2_provider/application": (True, True),
    "oauth2_provider/grant": (False, True),
    "oauth2_provider/idtoken": (False, True),
    "oauth2_provider/refreshtoken": (False, False),
    # every notification the portal sends, and the channels each citizen chose on their page
    "notifications/notification": (False, False),
    "notifications/notificationpreference": (False, False),
    "otp_static/staticdevice": (True, True),
    "otp_totp/totpdevice": (True, True),
    "petitions/identityattempt": (False, False),
    "petitions/payment": (False, False),
    "petitions/paymentreconciliation": (False, False),
    "petitions/petition": (False, False),
    "petitions/petitiontype": (True, True),
    "petitions/residentlink": (False, True),
    "portal/office": (True, True),
    "portal/user": (True, True),
    "portal/usingagency": (True, True),
    "sandbox/building": (False, False),
    "sandbox/useapproval": (False, False),  # only the portal's pushes change it
    "sandbox/parcel": (False, False),
    "sandbox/refund": (False, False),
    "sandbox/registerblock": (False, False),
    "sandbox/resident": (False, False),
    "sandbox/sandboxagency": (False, False),
    "sandbox/sandboxpayment": (False, False),
    "sandbox/sandboxwebhookdelivery": (False, False),
    "sandbox/vehicle": (False, False),
    "sharing/accesslogcheckpoint": (False, False),
    "sharing/accesslogentry": (False, False),
    "sharing/agency": (True, True),
    "sharing/fetcheddata": (False, False),
    "sharing/fetchrequest": (False, False),
    "sharing/informationitem": (True, True),
    "sharing/purpose": (True, True),
    "tracker/exchange": (False, False),
    "tracker/privacyinquiry": (False, False),
    "tracker/privacyofficer": (True, True),
    "tracker/refundinquiry": (False, False),
}
# Pages that are not a model's, with their one outcome (status, Location or None).
ADMIN_SITE_PAGES = {
    "/admin/": (200, None),
    "/admin/jsi18n/": (200, None),
    "/admin/password_change/": (200, None),
    "/admin/password_change/done/": (200, None),
    "/admin/logout/": (405, None),  # POST only
    "/admin/autocomplete/": (403, None),  # asked without a field to complete
    "/admin/r/x/x/": (404, None),  # "view on site" of an unknown content type
    "/admin/portal/user/x/password/": (404, None),
    # Nobody sees another person's TOTP secret or its QR code (OTP_ADMIN_HIDE_SENSITIVE_DATA).
    "/admin/otp_totp/totpdevice/1/config/": (403, None),
    "/admin/otp_totp/totpdevice/1/qrcode/": (403, None),
}


def expected_for_verified_administrator(url: str) -> tuple[int, str | None]:
    if url in ADMIN_SITE_PAGES:
        return ADMIN_SITE_PAGES[url]
    parts = url.strip("/").split("/")  # admin, app, model, [rest]
    may_add, may_delete = ADMIN_MODELS["/".join(parts[1:3])]
    rest = parts[3:]
    model_url = "/" + "/".join(parts[:3]) + "/"
    if rest == []:
        return 200, None
    if rest == ["add"]:
        return (200, None) if may_add else (403, None)
    if rest == ["x"]:
        return 302, model_url + "x/change/"
    if rest in (["x", "change"], ["x", "history"]):
        return 302, "/admin/"  # no such object: back to the index with a message
    if rest == ["x", "delete"]:
        return (302, "/admin/") if may_delete else (403, None)
    raise AssertionError(f"{url}: no expected outcome written for this admin page; add it above")


ADMIN_URLS = [u for u in PROTECTED if u.startswith("/admin/")]


def test_every_admin_model_has_its_expected_outcomes_written():
    models = {
        "/".join(u.strip("/").split("/")[1:3]) for u in ADMIN_URLS if u not in ADMIN_SITE_PAGES and u != "/admin/"
    }
    assert models == set(ADMIN_MODELS)
    assert set(ADMIN_SITE_PAGES) <= set(ADMIN_URLS)


@pytest.mark.parametrize("url", ADMIN_URLS)
def test_verified_administrator_reaches_admin_pages(admin_client_verified, url):
    status, location = expected_for_verified_administrator(url)
    response = admin_client_verified.get(url)
    assert response.status_code == status
    assert response.get("Location") == location


def test_verified_administrator_opens_a_real_object_and_an_unverified_one_does_not(
    admin_client_verified, administrator, office
):
    url = f"/admin/portal/office/{office.pk}/change/"
    response = admin_client_verified.get(url)
    assert response.status_code == 200
    assert office.name_ko in response.content.decode()
    unverified = Client()
    unverified.force_login(administrator, backend="django.contrib.auth.backends.ModelBackend")
    response = unverified.get(url)
    assert response.status_code == 302
    assert response["Location"] == "/account/two-factor/?next=" + quote(url, safe="")


def test_verified_official_reaches_the_workspace(official_client, office):
    response = official_client.get("/officer/")
    assert response.status_code == 200
    assert office.name_ko in response.content.decode()


def test_citizen_gets_404_in_the_officer_workspace(citizen_client):
    assert citizen_client.get("/officer/").status_code == 404


def test_official_is_refused_by_the_admin_site(official_client):
    # Sent to the admin's login page, which refuses a signed-in official outright.
    response = official_client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/"
    assert official_client.get(response["Location"]).status_code == 403


def _login(client, username):
    return client.post("/account/login/", {"username": username, "password": TEST_PASSWORD, "next": "/officer/"})


def test_login_of_an_official_leads_to_the_otp_step_and_a_valid_code_passes(official):
    device = TOTPDeviceFactory(user=official)
    client = Client()
    response = _login(client, official.username)
    assert response.status_code == 302
    assert response["Location"].startswith("/account/two-factor/")
    code = f"{totp(device.bin_key):06d}"
    response = client.post("/account/two-factor/", {"otp_token": code, "next": "/officer/"})
    assert response.status_code == 302 and response["Location"] == "/officer/"
    assert client.get("/officer/").status_code == 200


def test_a_totp_code_cannot_be_used_twice(official):
    device = TOTPDeviceFactory(user=official)
    code = f"{totp(device.bin_key):06d}"
    first = Client()
    _login(first, official.username)
    assert first.post("/account/two-factor/", {"otp_token": code})["Location"] == "/"

    second = Client()
    _login(second, official.username)
    response = second.post("/account/two-factor/", {"otp_token": code})
    assert response.status_code == 200
    assert "이미 사용" in response.content.decode()
    assert second.get("/officer/").status_code == 302


def test_wrong_code_is_refused_with_a_message(official):
    TOTPDeviceFactory(user=official)
    client = Client()
    _login(client, official.username)
    response = client.post("/account/two-factor/", {"otp_token": "000000"})
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()


def test_official_without_a_device_is_led_through_enrolment(official):
    client = Client()
    response = _login(client, official.username)
    assert response["Location"].startswith("/account/two-factor/setup/")
    page = client.get(response["Location"])
    assert page.status_code == 200
    content = page.content.decode()
    assert "<svg" in content  # the QR code of the otpauth URI
    device = TOTPDevice.objects.get(user=official, confirmed=False)
    assert device.config_url.startswith("otpauth://totp/")

    response = client.post(
        "/account/two-factor/setup/", {"otp_token": f"{totp(device.bin_key):06d}", "next": "/officer/"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/account/two-factor/backup-codes/")
    codes_page = client.get(response["Location"]).content.decode()
    codes = StaticToken.objects.filter(device__user=official).values_list("token", flat=True)
    assert len(codes) == 10
    assert all(code in codes_page for code in codes)
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/officer/").status_code == 200


def test_a_backup_code_works_once(official):
    from portal.services import backup_codes_regenerate

    TOTPDeviceFactory(user=official)
    code = backup_codes_regenerate(user=official)[0]
    client = Client()
    _login(client, official.username)
    assert client.post("/account/two-factor/", {"otp_token": code.upper()})["Location"] == "/"
    again = Client()
    _login(again, official.username)
    assert again.post("/account/two-factor/", {"otp_token": code}).status_code == 200


def test_enrolment_cannot_replace_an_existing_device_without_the_second_factor(official):
    TOTPDeviceFactory(user=official)
    client = Client()
    _login(client, official.username)
    response = client.get("/account/two-factor/setup/")
    assert response.status_code == 302 and response["Location"].startswith("/account/two-factor/?")
    assert TOTPDevice.objects.filter(user=official).count() == 1


def test_citizens_do_not_need_a_second_factor(citizen):
    client = Client()
    response = client.post("/account/login/", {"username": citizen.username, "password": TEST_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/account/two-factor/setup/").status_code == 403


def test_demo_secret_is_the_published_one():
    assert demo_totp_key_hex() == "48656c6c6f21deadbeef"


def test_verified_session_of_an_official_expires_after_idle_time(official_client, settings):
    official_client.get("/officer/")
    assert official_client.session.get_expiry_age() == settings.STAFF_SESSION_IDLE_SECONDS == 1800


def test_official_session_ends_after_the_absolute_limit(official, settings):
    from portal.middleware import STAFF_SESSION_STARTED_KEY

    client = login_verified(Client(), official)
    session = client.session
    session[STAFF_SESSION_STARTED_KEY] = 1  # the epoch: far more than 12 hours ago
    session.save()
    response = client.get("/officer/")
    assert response.status_code == 302 and response["Location"].startswith("/account/login/")
    assert "_auth_user_id" not in client.session
