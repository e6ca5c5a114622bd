"""The seal: a detached ES256 JWS over the file's SHA-256, verifiable after key rotation."""

import hashlib

import pytest
from django.test import override_settings

from sharing import keys
from sharing.documents import codes
from sharing.documents.seal import seal_header, seal_sign, seal_verify

DIGEST = hashlib.sha256(b"issued file").hexdigest()


def test_seal_verifies_for_the_hash_it_was_made_for():
    seal = seal_sign(sha256=DIGEST, verification_code="A" * 20)
    check = seal_verify(seal=seal, sha256=DIGEST)
    assert check.valid and check.kid == keys.signing_key().kid and check.verification_code == "A" * 20
    assert seal_header(seal)["alg"] == "ES256"


def test_seal_fails_for_another_hash_or_a_tampered_token():
    seal = seal_sign(sha256=DIGEST, verification_code="A" * 20)
    assert not seal_verify(seal=seal, sha256=hashlib.sha256(b"tampered file").hexdigest()).valid
    header, _empty, signature = seal.split(".")
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    assert not seal_verify(seal=f"{header}..{flipped}", sha256=DIGEST).valid
    assert not seal_verify(seal="not a seal", sha256=DIGEST).valid


def test_a_seal_made_before_a_key_rotation_still_verifies(tmp_path, settings):
    old_files = list(settings.PORTAL_SIGNING_KEY_FILES)
    seal = seal_sign(sha256=DIGEST, verification_code=codes.generate())
    new_file = str(tmp_path / "portal-signing-2.pem")
    with override_settings(PORTAL_SIGNING_KEY_FILES=[new_file, *old_files]):
        assert keys.signing_key().kid != seal_header(seal)["kid"]
        assert seal_verify(seal=seal, sha256=DIGEST).valid
        new_seal = seal_sign(sha256=DIGEST, verification_code=codes.generate())
        assert seal_header(new_seal)["kid"] == keys.signing_key().kid
    with override_settings(PORTAL_SIGNING_KEY_FILES=[new_file]):
        # once the old key is withdrawn from the published set, its seals no longer verify
        assert not seal_verify(seal=seal, sha256=DIGEST).valid


def test_codes_are_random_grouped_and_forgiving():
    code = codes.generate()
    assert len(code) == 20 and len(codes.ALPHABET) == 32  # 100 bits
    assert codes.generate() != code
    shown = codes.display(code)
    assert shown.count("-") == 4 and all(len(group) == 4 for group in shown.split("-"))
    assert codes.normalize(shown) == code
    assert codes.normalize(f"  {shown.lower().replace('-', ' ')} ") == code
    assert codes.normalize("O0IL" + code[4:]) == "0011" + code[4:]
    assert codes.normalize("too short") is None
    assert codes.normalize("U" * 20) is None


@pytest.mark.parametrize("raw", ["", "----", "<script>", "ABCD-EFGH-JKMN-PQRS-TVWX-YZ12"])
def test_malformed_codes_are_not_codes(raw):
    assert codes.normalize(raw) is None
