"""The portal's key pairs for the standard connection and the seal of e-documents.

Two EC P-256 key pairs, each a list of PEM files named in settings, newest first:

- signing (ES256): the first file signs requests to agencies and seals e-documents;
  every file's public key stays published, so signatures made before a rotation
  still verify (rotation without downtime);
- encryption (ECDH-ES + A256GCM): agencies encrypt answers to the first key; the portal
  decrypts with whichever key the answer names (``kid``), so answers in flight during a
  rotation still open.

In development the files are generated under ``var/keys/`` on first use.
"""

from __future__ import annotations

import functools
import os
import threading
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from joserfc.jwk import ECKey, KeySet

if TYPE_CHECKING:
    from joserfc.jwk import KeySetSerialization

SIGNING_ALG = "ES256"
ENCRYPTION_ALG = "ECDH-ES"
ENCRYPTION_ENC = "A256GCM"


def _load_or_create(path: Path, *, create: bool) -> ECKey:
    if not path.exists():
        if not create:
            raise ImproperlyConfigured(f"The key file {path} does not exist (see PORTAL_*_KEY_FILES in README.md).")
        path.parent.mkdir(parents=True, exist_ok=True)
        key = ECKey.generate_key("P-256", private=True)
        # Write through a temporary name so that two processes starting at once never
        # read a half-written key.
        # A name of its own per process *and thread*: two threads sharing one temporary file
        # could link one key and cache the other.
        temporary = path.with_suffix(f".{os.getpid()}.{uuid.uuid4().hex}.tmp")
        temporary.write_bytes(key.as_pem(private=True))
        temporary.chmod(0o600)
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink(missing_ok=True)
    key = ECKey.import_key(path.read_bytes())
    if not key.is_private:
        raise ImproperlyConfigured(f"The key file {path} holds no private key.")
    return ECKey.import_key(key.as_dict(private=True) | {"kid": key.thumbprint()})


def _keys(setting: str) -> list[ECKey]:
    paths = [Path(p) for p in getattr(settings, setting)]
    if not paths:
        raise ImproperlyConfigured(f"{setting} names no key file.")
    return [_load_or_create(path, create=settings.DEBUG_KEY_GENERATION) for path in paths]


# Loading (and in development, generating) happens once per process, under a lock, so that
# the threads of a worker all hold the key that is in the file.
_load_lock = threading.Lock()


@functools.cache
def signing_keys() -> tuple[ECKey, ...]:
    with _load_lock:
        return tuple(_keys("PORTAL_SIGNING_KEY_FILES"))


@functools.cache
def encryption_keys() -> tuple[ECKey, ...]:
    with _load_lock:
        return tuple(_keys("PORTAL_ENCRYPTION_KEY_FILES"))


def signing_key() -> ECKey:
    """The key that signs now."""
    return signing_keys()[0]


def encryption_key() -> ECKey:
    """The key agencies encrypt to now."""
    return encryption_keys()[0]


def public_jwks() -> dict:
    """The portal's public keys as a JWK set, as agencies (and verifiers of seals) configure them."""
    keys: list[dict[str, Any]] = []
    for key in signing_keys():
        keys.append({**key.as_dict(private=False), "kid": key.kid, "use": "sig", "alg": SIGNING_ALG})
    for key in encryption_keys():
        keys.append({**key.as_dict(private=False), "kid": key.kid, "use": "enc", "alg": ENCRYPTION_ALG})
    return {"keys": keys}


def public_keyset(jwks: dict) -> KeySet:
    """A key set of public keys from a JWKS document (an agency's, or the portal's)."""
    # A document from outside: import_key_set checks its shape.
    return KeySet.import_key_set(cast("KeySetSerialization", jwks))


@receiver(setting_changed)
def _clear_key_cache(*, setting, **kwargs):
    if setting in {"PORTAL_SIGNING_KEY_FILES", "PORTAL_ENCRYPTION_KEY_FILES", "DEBUG_KEY_GENERATION"}:
        signing_keys.cache_clear()
        encryption_keys.cache_clear()
