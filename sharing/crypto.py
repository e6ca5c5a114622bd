"""Encryption of personal data at rest, and the keyed hash that finds a person's rows.

AES-256-GCM with the keys of ``settings.FIELD_ENCRYPTION_KEYS`` (newest first: the first
encrypts, every one decrypts, so keys rotate without downtime; ``manage.py
reencrypt_fetched_data`` then moves old rows to the newest key).

A token is ``version (1 byte) | key id (4 bytes) | nonce (12 bytes) | ciphertext+tag``;
the key id is the start of the key's SHA-256, so a token names the key that opens it
without revealing it.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

_VERSION = b"\x01"
_KEY_ID_LENGTH = 4
_NONCE_LENGTH = 12
_HEADER_LENGTH = 1 + _KEY_ID_LENGTH + _NONCE_LENGTH


class DecryptionError(ValueError):
    """A token that no configured key opens (wrong key, or tampered)."""


def key_id(key: bytes) -> bytes:
    return hashlib.sha256(b"portal field key id" + key).digest()[:_KEY_ID_LENGTH]


@functools.cache
def _keys() -> tuple[tuple[bytes, AESGCM], ...]:
    keys = list(settings.FIELD_ENCRYPTION_KEYS)
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS names no key.")
    for key in keys:
        if len(key) != 32:
            raise ImproperlyConfigured("Every key of FIELD_ENCRYPTION_KEYS must be 32 bytes (AES-256).")
    return tuple((key_id(key), AESGCM(key)) for key in keys)


def current_key_id() -> bytes:
    return _keys()[0][0]


def token_key_id(token: bytes) -> bytes:
    return token[1 : 1 + _KEY_ID_LENGTH]


def encrypt(plaintext: bytes) -> bytes:
    kid, aead = _keys()[0]
    nonce = os.urandom(_NONCE_LENGTH)
    # The header is authenticated too: a token cannot be moved to another key id.
    header = _VERSION + kid + nonce
    return header + aead.encrypt(nonce, plaintext, header)


def decrypt(token: bytes) -> bytes:
    if len(token) < _HEADER_LENGTH + 16 or token[:1] != _VERSION:
        raise DecryptionError("Not an encrypted token of this portal.")
    kid, nonce = token[1 : 1 + _KEY_ID_LENGTH], token[1 + _KEY_ID_LENGTH : _HEADER_LENGTH]
    for candidate_id, aead in _keys():
        if hmac.compare_digest(candidate_id, kid):
            try:
                return aead.decrypt(nonce, token[_HEADER_LENGTH:], token[:_HEADER_LENGTH])
            except InvalidTag as exc:
                raise DecryptionError("The token does not authenticate.") from exc
    raise DecryptionError("No configured key opens this token (was its key removed from FIELD_ENCRYPTION_KEYS?).")


def encrypt_text(value: str) -> str:
    return base64.urlsafe_b64encode(encrypt(value.encode("utf-8"))).decode("ascii")


def decrypt_text(value: str) -> str:
    try:
        token = base64.urlsafe_b64decode(value.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise DecryptionError("Not an encrypted text of this portal.") from exc
    return decrypt(token).decode("utf-8")


def is_current(text_token: str) -> bool:
    """Whether a text token is encrypted under the newest key."""
    return token_key_id(base64.urlsafe_b64decode(text_token.encode("ascii"))) == current_key_id()


@functools.cache
def _hash_key() -> bytes:
    configured = getattr(settings, "SUBJECT_HASH_KEY", "")
    if configured:
        return configured.encode("utf-8") if isinstance(configured, str) else configured
    # Derived from SECRET_KEY when not set on its own; production sets SUBJECT_HASH_KEY so
    # that rotating SECRET_KEY does not orphan the access log.
    return hashlib.sha256(b"portal subject hash|" + settings.SECRET_KEY.encode("utf-8")).digest()


def normalise_subject(value: str) -> str:
    """One spelling per subject: without spaces and hyphens ("900101-1234567" == "9001011234567")."""
    return "".join(ch for ch in value.strip() if ch not in " -\t")


def subject_hash(value: str) -> str:
    return hmac.new(_hash_key(), normalise_subject(value).encode("utf-8"), hashlib.sha256).hexdigest()


def mask_rrn(value: str) -> str:
    """ "900101-1234567" -> "900101-1******": birth date and sex digit stay, the rest is hidden."""
    if not value:
        return value
    digits = normalise_subject(value)
    if len(digits) != 13 or not digits.isdigit():
        visible = max(0, min(len(value) // 2, 7))
        return value[:visible] + "*" * (len(value) - visible)
    return f"{digits[:6]}-{digits[6]}******"


MASK = "*****"


def mask_value(value):
    """Any fetched value masked for the screen: text keeps its first half (an RRN its birth date
    and sex digit, ``mask_rrn``); numbers, yes/no, lists and records are hidden whole."""
    if isinstance(value, str):
        return mask_rrn(value)  # "" stays ""
    return None if value is None else MASK


@receiver(setting_changed)
def _clear_caches(*, setting, **kwargs):
    if setting in {"FIELD_ENCRYPTION_KEYS", "SUBJECT_HASH_KEY", "SECRET_KEY"}:
        _keys.cache_clear()
        _hash_key.cache_clear()
