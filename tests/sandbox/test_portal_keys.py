"""The sandbox learns the portal's public keys from the published JWKS, over HTTP, and keeps
them parsed: no fetch on the fetch path but for an old document or an unknown signing key."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sharing import keys
from sharing.sandbox import portal_keys
from sharing.sandbox.portal_keys import fetch_jwks_document as fetch_over_http


class Clock:
    def __init__(self):
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(portal_keys, "time", clock)
    return clock


@pytest.fixture
def counted(monkeypatch):
    """The documents served, in turn, and how many times the JWKS was fetched."""
    served = {"documents": [keys.public_jwks()], "fetches": 0}

    def fetch(url):
        served["fetches"] += 1
        return served["documents"][min(served["fetches"], len(served["documents"])) - 1]

    monkeypatch.setattr(portal_keys, "fetch_jwks_document", fetch)
    return served


def _signing_kid() -> str:
    kid = keys.signing_key().kid
    assert kid is not None
    return kid


def test_the_keys_come_from_the_portals_jwks_over_http(live_server, settings, monkeypatch):
    settings.SANDBOX_PORTAL_JWKS_URL = f"{live_server.url}{reverse('sharing:jwks')}"
    fetched = []
    monkeypatch.setattr(portal_keys, "fetch_jwks_document", lambda url: fetched.append(url) or fetch_over_http(url))
    key = portal_keys.signing_key(_signing_kid())
    published = keys.signing_key().as_dict(private=False)
    assert key is not None and {k: key.as_dict(private=False)[k] for k in ("crv", "x", "y")} == {
        k: published[k] for k in ("crv", "x", "y")
    }
    assert not key.is_private  # a public key: nothing private was read
    assert portal_keys.encryption_key().kid == keys.encryption_key().kid
    assert fetched == [settings.SANDBOX_PORTAL_JWKS_URL]


def test_the_parsed_keys_are_reused_until_the_document_is_old(settings, clock, counted):
    settings.SANDBOX_PORTAL_JWKS_MAX_AGE_SECONDS = 300
    first = portal_keys.signing_key(_signing_kid())
    clock.now += 299
    assert portal_keys.signing_key(_signing_kid()) is first
    assert portal_keys.encryption_key() is portal_keys.encryption_key()
    assert counted["fetches"] == 1
    clock.now += 2
    portal_keys.signing_key(_signing_kid())
    assert counted["fetches"] == 2


def test_an_unknown_kid_fetches_the_jwks_anew_once_then_waits(settings, clock, counted):
    settings.SANDBOX_PORTAL_JWKS_MAX_AGE_SECONDS = 300
    rotated = {
        "keys": [
            {**key, "kid": "rotated-signing-key"} if key["use"] == "sig" else key for key in keys.public_jwks()["keys"]
        ]
    }
    counted["documents"].append(rotated)
    assert portal_keys.signing_key(_signing_kid()) is not None
    # Straight after a fetch, a kid nobody published does not make the agency fetch again.
    assert portal_keys.signing_key("rotated-signing-key") is None
    assert counted["fetches"] == 1
    clock.now += portal_keys.REFRESH_INTERVAL_SECONDS
    assert portal_keys.signing_key("rotated-signing-key") is not None
    assert counted["fetches"] == 2
    assert portal_keys.signing_key("made-up") is None
    assert counted["fetches"] == 2


def test_a_failed_fetch_keeps_the_keys_known(settings, clock, counted, monkeypatch):
    settings.SANDBOX_PORTAL_JWKS_MAX_AGE_SECONDS = 300
    known = portal_keys.signing_key(_signing_kid())

    def down(url):
        raise OSError("connection refused")

    monkeypatch.setattr(portal_keys, "fetch_jwks_document", down)
    clock.now += 301
    assert portal_keys.signing_key(_signing_kid()) is known
