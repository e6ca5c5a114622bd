"""Access control, discovered from the URL configuration.

Every route whose parameters name a petition, a document or a person is requested with the
victim's real identifiers, as anonymous, as another citizen and as an official of another
office, by GET and by POST: each must be refused (a redirect to the login or second-factor
page, 403, 404 or 405; for a POST also 400), never answered, never a server error, and must
write nothing. The same URLs opened by the rightful owner prove that the values were real.
"""

from __future__ import annotations

import pytest

from .access import (
    ALLOWED_PUBLIC_ROUTES,
    GENERIC_POST,
    UnfillableParameter,
    combinations,
    is_sensitive,
    reached,
    refused,
    url_for,
)
from .routes import all_routes
from .world import fingerprint

ROUTES = all_routes()
CHECKED = [r for r in ROUTES if is_sensitive(r) and not r.is_admin and r.name not in ALLOWED_PUBLIC_ROUTES]
ADMIN = [r for r in ROUTES if r.parameters and r.is_admin]


def test_discovery_finds_the_private_routes():
    names = {r.name for r in CHECKED}
    assert {
        "petitions:my_detail",
        "petitions:my_withdraw",
        "petitions:wizard_step",
        "documents:download",
        "documents:request_status",
        "submissions:document",
        "submissions:submit",
        "submissions:my_submission",
        "submissions:withdraw",
        "submissions:inbox_submission",
        "submissions:inbox_download",
    } <= names
    assert not any(r.path.startswith("/sandbox/") for r in CHECKED)
    assert len(ADMIN) > 20


def test_every_allowed_public_route_still_exists_and_says_why():
    names = {r.name for r in ROUTES}
    for name, reason in ALLOWED_PUBLIC_ROUTES.items():
        assert len(reason) > 20, name
        if name.startswith("sandbox:"):
            continue  # mounted only where the sandbox is enabled
        assert name in names, f"{name} is allow-listed but no longer routed; remove it from ALLOWED_PUBLIC_ROUTES"


def _request(client, method: str, url: str):
    if method == "GET":
        return client.get(url)
    return client.post(url, GENERIC_POST)


@pytest.mark.parametrize("route", CHECKED, ids=[r.name or r.template for r in CHECKED])
def test_private_route_refuses_everyone_but_its_owner(route, world):
    try:
        combos = combinations(route, world)
    except UnfillableParameter as exc:
        pytest.fail(str(exc))
    urls = [url for url in (url_for(route, values) for values in combos) if url]
    assert urls, f"{route.path}: none of the world's values resolve to this route; extend tests/security/access.py"

    before = fingerprint()
    attempts = []
    for who, client in world.clients().items():
        for url in urls:
            for method in ("GET", "POST"):
                attempts.append((who, method, url, _request(client, method, url)))
    assert fingerprint() == before, f"{route.path}: a refused request changed the database"

    # The owners last: their requests may act (a POST-only route is opened with a POST).
    real = set()
    owner_errors = []
    for who, client in world.owner_clients().items():
        for url in urls:
            response = client.get(url)
            if response.status_code == 405:
                response = client.post(url, {})
            if response.status_code >= 500:
                owner_errors.append(f"{who} {url}: {response.status_code}")
            if reached(response):
                real.add(url)
    assert not owner_errors, f"{route.path}: server errors for rightful users: {owner_errors}"
    assert real, (
        f"{route.path} ({route.name}): no rightful user could open it with the world's values, so the check proves "
        f"nothing; extend the fixture world or the value resolver (tests/security/world.py, access.py)"
    )

    problems = []
    for who, method, url, response in attempts:
        if response.status_code >= 500:
            problems.append(f"{who} {method} {url}: server error {response.status_code}")
        elif url in real and not refused(response, method):
            where = response.get("Location", "")
            problems.append(f"{who} {method} {url}: answered {response.status_code} {where}".rstrip())
    assert not problems, "\n".join(problems)


def test_admin_routes_refuse_everyone_but_administrators(world):
    """The admin site checks who asks before it looks anything up; every parameterised admin
    route is tried with the victim's rows where the model has them."""
    before = fingerprint()
    problems = []
    clients = world.clients()
    for route in ADMIN:
        try:
            combos = combinations(route, world)
        except UnfillableParameter as exc:
            problems.append(str(exc))
            continue
        urls = [url for url in (url_for(route, values) for values in combos[:3]) if url]
        if not urls:
            problems.append(f"{route.path} ({route.name}): no value resolves to this route")
        for url in urls:
            for who, client in clients.items():
                for method in ("GET", "POST"):
                    response = _request(client, method, url)
                    if response.status_code >= 500 or not refused(response, method):
                        problems.append(f"{who} {method} {url}: {response.status_code} {response.get('Location', '')}")
    assert fingerprint() == before, "a refused admin request changed the database"
    assert not problems, "\n".join(problems)
