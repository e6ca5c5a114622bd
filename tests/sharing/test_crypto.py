import base64
import os

import pytest

from sharing import crypto


def _key() -> bytes:
    return os.urandom(32)


def test_round_trip_and_tokens_differ_each_time():
    first = crypto.encrypt(b"900101-1234567")
    second = crypto.encrypt(b"900101-1234567")
    assert first != second
    assert crypto.decrypt(first) == crypto.decrypt(second) == b"900101-1234567"
    assert b"900101" not in first
    assert crypto.decrypt_text(crypto.encrypt_text("김민원")) == "김민원"


def test_tampered_token_is_refused():
    token = bytearray(crypto.encrypt(b"secret"))
    token[-1] ^= 1
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(bytes(token))
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_text("not-a-token")


def test_rotation_old_tokens_still_open_and_new_ones_use_the_newest_key(settings):
    old_key, new_key = _key(), _key()
    settings.FIELD_ENCRYPTION_KEYS = [old_key]
    old_token = crypto.encrypt_text("value")
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    assert crypto.decrypt_text(old_token) == "value"
    assert not crypto.is_current(old_token)
    assert crypto.is_current(crypto.encrypt_text("value"))
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt_text(old_token)


def test_header_cannot_be_moved_to_another_key(settings):
    a, b = _key(), _key()
    settings.FIELD_ENCRYPTION_KEYS = [a, b]
    token = bytearray(base64.urlsafe_b64decode(crypto.encrypt_text("x")))
    token[1:5] = crypto.key_id(b)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(bytes(token))


def test_subject_hash_is_keyed_and_spelling_independent(settings):
    value = crypto.subject_hash("900101-1234567")
    assert value == crypto.subject_hash("9001011234567") == crypto.subject_hash(" 900101-1234567 ")
    assert value != crypto.subject_hash("900101-1234568")
    assert len(value) == 64 and "900101" not in value
    settings.SUBJECT_HASH_KEY = "another key"
    assert crypto.subject_hash("900101-1234567") != value


@pytest.mark.parametrize(
    ("value", "masked"),
    [("900101-1234567", "900101-1******"), ("9001011234567", "900101-1******"), ("", "")],
)
def test_mask_rrn(value, masked):
    assert crypto.mask_rrn(value) == masked


def test_threads_generating_the_portal_keys_at_once_all_hold_the_key_in_the_file(settings, tmp_path):
    import threading

    from sharing import keys

    settings.PORTAL_ENCRYPTION_KEY_FILES = [str(tmp_path / "keys" / "encryption.pem")]
    seen, start = [], threading.Barrier(8)

    def load():
        start.wait()
        seen.append(keys.encryption_keys()[0].kid)

    threads = [threading.Thread(target=load) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    on_disk = keys._load_or_create(tmp_path / "keys" / "encryption.pem", create=False).kid
    assert seen == [on_disk] * 8
    assert not list((tmp_path / "keys").glob("*.tmp"))
