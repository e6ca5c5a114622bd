"""The sandbox agencies' signing keys (EC P-256, ES256).

Each agency's private key is derived deterministically from the site's SECRET_KEY (or
SANDBOX_KEY_SEED when set) and the agency code, so the public keys the portal's ``Agency``
rows hold stay valid across restarts, re-seeds and worker processes without storing a
private key anywhere. A real agency keeps its key in an HSM; this is a sandbox.
"""

from __future__ import annotations

import functools
import hashlib
import hmac

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from joserfc.jwk import ECKey

from sharing import demo_catalogue

SIGNING_ALG = "ES256"
AGENCY_CODES = tuple(code for code, _name_ko, _name_en in demo_catalogue.AGENCIES)
# The order of the P-256 group: a private scalar lies in [1, n - 1].
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def _seed() -> bytes:
    return (getattr(settings, "SANDBOX_KEY_SEED", "") or settings.SECRET_KEY).encode()


@functools.cache
def agency_signing_key(code: str) -> ECKey:
    """The private key agency ``code`` signs its answers with (LookupError for an unknown agency)."""
    if code not in AGENCY_CODES:
        raise LookupError(f"No sandbox agency {code!r}.")
    digest = hmac.new(_seed(), f"sandbox-agency-signing-key:{code}:1".encode(), hashlib.sha512).digest()
    scalar = int.from_bytes(digest, "big") % (_P256_ORDER - 1) + 1
    private = ec.derive_private_key(scalar, ec.SECP256R1())
    key = ECKey.import_key(private)
    return ECKey.import_key(key.as_dict(private=True) | {"kid": key.thumbprint()})


def agency_public_jwks(code: str) -> dict:
    """The agency's public keys as a JWKS document, as an operator enters it in the portal's admin."""
    key = agency_signing_key(code)
    return {"keys": [key.as_dict(private=False) | {"kid": key.kid, "use": "sig", "alg": SIGNING_ALG}]}


@receiver(setting_changed)
def _clear_key_cache(*, setting, **kwargs):
    if setting in {"SECRET_KEY", "SANDBOX_KEY_SEED"}:
        agency_signing_key.cache_clear()
