"""The token format of encryption at rest, built and opened by hand in the test: rows written
by an earlier release must still open, and a key that no longer matches is refused plainly.

A token is ``version 0x01 | key id (first 4 bytes of SHA-256("portal field key id" + key)) |
nonce (12 bytes) | AES-256-GCM ciphertext and tag``, the 17-byte header authenticated too."""

import base64
import hashlib
import hmac

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.exceptions import ImproperlyConfigured

from sharing import crypto

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
NONCE = b"\x07" * 12


def _kid(key: bytes) -> bytes:
    return hashlib.sha256(b"portal field key id" + key).digest()[:4]


def _token(plaintext: bytes, key: bytes = KEY, version: bytes = b"\x01") -> bytes:
    header = version + _kid(key) + NONCE
    return header + AESGCM(key).encrypt(NONCE, plaintext, header)


@pytest.fixture
def one_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY]


def test_the_key_id_is_the_start_of_the_keys_sha256():
    assert crypto.key_id(KEY) == _kid(KEY)
    assert len(crypto.key_id(KEY)) == 4


def test_a_token_built_by_hand_opens(one_key):
    assert crypto.decrypt(_token(b"900101-1234567")) == b"900101-1234567"
    text = base64.urlsafe_b64encode(_token("김민원".encode())).decode("ascii")
    assert crypto.decrypt_text(text) == "김민원"


def test_a_token_of_the_portal_opens_by_hand(one_key):
    token = crypto.encrypt(b"secret")
    assert token[:1] == b"\x01" and token[1:5] == _kid(KEY)
    assert crypto.token_key_id(token) == _kid(KEY) == crypto.current_key_id()
    nonce = token[5:17]
    assert AESGCM(KEY).decrypt(nonce, token[17:], token[:17]) == b"secret"
    assert len(token) == 17 + len(b"secret") + 16
    text = crypto.encrypt_text("비밀")
    raw = base64.urlsafe_b64decode(text)
    assert AESGCM(KEY).decrypt(raw[5:17], raw[17:], raw[:17]) == "비밀".encode()


def test_an_empty_value_round_trips(one_key):
    assert crypto.decrypt(crypto.encrypt(b"")) == b""
    assert crypto.decrypt(_token(b"")) == b""
    assert crypto.decrypt_text(crypto.encrypt_text("")) == ""


def test_the_newest_key_encrypts_and_every_key_opens(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OTHER_KEY, KEY]
    assert crypto.decrypt(_token(b"old")) == b"old"
    assert crypto.encrypt(b"new")[1:5] == _kid(OTHER_KEY)
    assert crypto.is_current(base64.urlsafe_b64encode(_token(b"x", key=OTHER_KEY)).decode())
    assert not crypto.is_current(base64.urlsafe_b64encode(_token(b"x", key=KEY)).decode())


@pytest.mark.parametrize(
    ("token", "message"),
    [
        (_token(b"x", version=b"\x02"), "Not an encrypted token of this portal."),
        (b"\x01" + b"\x00" * 31, "Not an encrypted token of this portal."),  # shorter than header and tag
        (_token(b"x", key=OTHER_KEY), "No configured key opens this token"),
        (_token(b"x")[:-1] + bytes([_token(b"x")[-1] ^ 1]), "The token does not authenticate."),
    ],
)
def test_tokens_that_do_not_open_say_why(one_key, token, message):
    with pytest.raises(crypto.DecryptionError) as caught:
        crypto.decrypt(token)
    assert str(caught.value).startswith(message)


def test_a_token_of_exactly_header_and_tag_is_read(one_key):
    token = _token(b"")
    assert len(token) == 33
    assert crypto.decrypt(token) == b""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not-a-token!", "Not an encrypted text of this portal."),  # not base64 (its padding)
        ("한글", "Not an encrypted text of this portal."),  # not even ASCII
        ("=", "Not an encrypted token of this portal."),  # base64 of nothing: no token
        ("AAAA", "Not an encrypted token of this portal."),  # base64 of three zero bytes
    ],
)
def test_text_that_is_not_a_token_is_refused_saying_why(one_key, text, message):
    with pytest.raises(crypto.DecryptionError) as caught:
        crypto.decrypt_text(text)
    assert str(caught.value) == message


@pytest.mark.parametrize("keys", [[], [b"short"], [KEY, b"x" * 33]])
def test_misconfigured_keys_are_refused(settings, keys):
    settings.FIELD_ENCRYPTION_KEYS = keys
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt(b"x")


def test_the_subject_hash_is_hmac_sha256_of_the_normalised_subject(settings):
    settings.SUBJECT_HASH_KEY = "subject key"
    expected = hmac.new(b"subject key", b"9001011234567", hashlib.sha256).hexdigest()
    assert crypto.subject_hash("900101-1234567") == expected
    assert crypto.subject_hash(" 900101 1234567\t") == expected
    settings.SUBJECT_HASH_KEY = b"subject key"
    assert crypto.subject_hash("9001011234567") == expected


def test_without_its_own_key_the_subject_hash_derives_one_from_the_secret_key(settings):
    settings.SUBJECT_HASH_KEY = ""
    settings.SECRET_KEY = "a secret key"
    derived = hashlib.sha256(b"portal subject hash|a secret key").digest()
    assert crypto.subject_hash("9001011234567") == hmac.new(derived, b"9001011234567", hashlib.sha256).hexdigest()


@pytest.mark.parametrize(
    ("value", "normal"),
    [
        ("900101-1234567", "9001011234567"),
        (" 900101 - 1234567\t", "9001011234567"),
        ("1111010100-1-0001", "111101010010001"),
        ("AB-X1", "ABX1"),  # only spaces, hyphens and tabs go
        ("9001011234567", "9001011234567"),
    ],
)
def test_normalise_subject(value, normal):
    assert crypto.normalise_subject(value) == normal
