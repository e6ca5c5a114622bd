"""The portal's public keys, as the sandbox agencies learn them: from the JWKS the portal
publishes (``settings.SANDBOX_PORTAL_JWKS_URL``, the portal's ``/sharing/jwks.json``), over
HTTP, as a real agency on another host would. Never from the portal's key files.

The parsed keys are kept in the process: a request reads a dictionary, and nothing is fetched
on the fetch path but when the document is older than ``SANDBOX_PORTAL_JWKS_MAX_AGE_SECONDS``
or a request names a signing key (kid) the cached document does not hold (a rotation), at
most once per ``REFRESH_INTERVAL_SECONDS`` so that made-up kids cannot make the agency fetch.
A failed fetch keeps the keys already known.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.request
from dataclasses import dataclass, field

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from joserfc.jwk import ECKey

logger = logging.getLogger(__name__)

FETCH_TIMEOUT_SECONDS = 5.0
REFRESH_INTERVAL_SECONDS = 10.0
MAX_DOCUMENT_BYTES = 64 * 1024


@dataclass(frozen=True)
class PortalKeys:
    signing: dict[str, ECKey] = field(default_factory=dict)
    encryption: ECKey | None = None
    fetched_at: float = float("-inf")  # time.monotonic() of the fetch (or of the failed attempt)


def fetch_jwks_document(url: str) -> dict:
    """The JWKS document at ``url`` (the tests replace this with a test-client transport)."""
    accept = {"Accept": "application/jwk-set+json, application/json"}
    request = urllib.request.Request(url, headers=accept)  # noqa: S310 (http(s) from settings)
    with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS) as response:  # noqa: S310 (http(s) from settings)
        return json.loads(response.read(MAX_DOCUMENT_BYTES + 1)[:MAX_DOCUMENT_BYTES])


def parse(document: dict, *, fetched_at: float) -> PortalKeys:
    signing, encryption = {}, None
    for jwk in document.get("keys", []):
        if jwk.get("use") == "sig" and isinstance(jwk.get("kid"), str):
            signing[jwk["kid"]] = ECKey.import_key(jwk)
        elif jwk.get("use") == "enc" and encryption is None:
            encryption = ECKey.import_key(jwk)
    return PortalKeys(signing=signing, encryption=encryption, fetched_at=fetched_at)


_current = PortalKeys()
_lock = threading.Lock()


def _refresh(seen: PortalKeys) -> PortalKeys:
    """Fetches the document once for every thread that found ``seen`` wanting."""
    global _current
    with _lock:
        if _current is not seen:
            return _current  # another thread fetched it meanwhile
        now = time.monotonic()
        url = settings.SANDBOX_PORTAL_JWKS_URL
        try:
            fresh = parse(fetch_jwks_document(url), fetched_at=now)
        except Exception as exc:  # noqa: BLE001 (any failure keeps the keys known, logged)
            logger.warning("the portal's JWKS could not be fetched from %s: %s", url, type(exc).__name__)
            fresh = PortalKeys(signing=seen.signing, encryption=seen.encryption, fetched_at=now)
        _current = fresh
        return fresh


def current() -> PortalKeys:
    keys = _current
    if time.monotonic() - keys.fetched_at > settings.SANDBOX_PORTAL_JWKS_MAX_AGE_SECONDS:
        keys = _refresh(keys)
    return keys


def signing_key(kid: str) -> ECKey | None:
    """The portal's published signing key ``kid``, fetching the JWKS anew once if unknown."""
    keys = current()
    key = keys.signing.get(kid)
    if key is None and time.monotonic() - keys.fetched_at >= REFRESH_INTERVAL_SECONDS:
        key = _refresh(keys).signing.get(kid)
    return key


def encryption_key() -> ECKey | None:
    """The portal's current encryption key (the first one its JWKS publishes)."""
    return current().encryption


def forget() -> None:
    """Drops the keys learned (the next request fetches the JWKS)."""
    global _current
    with _lock:
        _current = PortalKeys()


@receiver(setting_changed)
def _forget_on_change(*, setting, **kwargs):
    if setting in {"SANDBOX_PORTAL_JWKS_URL", "SANDBOX_PORTAL_JWKS_MAX_AGE_SECONDS"}:
        forget()
