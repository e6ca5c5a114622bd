"""The seal of an e-document: a detached JWS (ES256) over the SHA-256 of its file.

The payload is the lowercase hexadecimal SHA-256 of the file's bytes; it is left out of the
stored token (RFC 7515, appendix F), because whoever verifies holds the file and computes
it. The protected header names the signing key (``kid``), the verification code (``vc``) and
the time of sealing (``iat``). Verification uses every published signing key of the portal
(``sharing.keys.public_jwks()``), so a document sealed before a key rotation still verifies.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.registry import HeaderParameter

from sharing import keys

SEAL_TYPE = "edocument-seal+jws"
_REGISTRY = jws.JWSRegistry(
    header_registry={
        "vc": HeaderParameter("Verification code of the sealed document", "str", True),
        "iat": HeaderParameter("Time of sealing", "int", True),
    },
    algorithms=[keys.SIGNING_ALG],
)


def seal_sign(*, sha256: str, verification_code: str) -> str:
    key = keys.signing_key()
    header = {
        "alg": keys.SIGNING_ALG,
        "kid": key.kid,
        "typ": SEAL_TYPE,
        "vc": verification_code,
        "iat": int(time.time()),
    }
    token = jws.serialize_compact(header, sha256.encode("ascii"), key, registry=_REGISTRY)
    return jws.detach_content(token)


def seal_header(seal: str) -> dict:
    """The protected header of a seal, unverified (for display and indexing only)."""
    try:
        segment = seal.split(".", 1)[0]
        return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, TypeError):
        return {}


@dataclass(frozen=True)
class SealCheck:
    valid: bool
    kid: str = ""
    verification_code: str = ""


def _signing_keyset() -> KeySet:
    jwks = keys.public_jwks()
    return KeySet.import_key_set({"keys": [k for k in jwks["keys"] if k.get("use") == "sig"]})


def seal_verify(*, seal: str, sha256: str) -> SealCheck:
    """Whether ``seal`` is the portal's signature over ``sha256`` (hex)."""
    try:
        result = jws.deserialize_compact(seal, _signing_keyset(), registry=_REGISTRY, payload=sha256.encode("ascii"))
    except (JoseError, ValueError, TypeError, KeyError):
        return SealCheck(valid=False)
    header = result.protected
    if header.get("typ") != SEAL_TYPE:
        return SealCheck(valid=False)
    return SealCheck(valid=True, kid=header.get("kid", ""), verification_code=header.get("vc", ""))
