"""A minimal client of the standard connection for the sandbox's own tests.

It is written from PROTOCOL.md on purpose (not the portal's client in sharing/providers),
so that the sandbox is checked against the contract, not against the other implementation.
"""

from __future__ import annotations

import json
import time
import uuid

import httpx
from joserfc import jwe, jws
from joserfc.jwk import ECKey

from sharing import keys as portal_keys
from sharing.sandbox.keys import agency_public_jwks


def payload(**overrides) -> dict:
    body = {
        "v": 1,
        "txn_id": str(uuid.uuid4()),
        "timestamp": int(time.time()),
        "item": "resident_abstract",
        "subject": {"kind": "person", "id": "900101-1234567"},
        "fields": ["name", "address", "move_in_date"],
        "purpose": "P-PARKING",
        "case_ref": "2026-0000123",
        "office": "jongno",
        "requester": {"kind": "official", "id": "JN-2041"},
    }
    body.update(overrides)
    return body


def sign(body: dict | bytes, *, key: ECKey | None = None, header: dict | None = None) -> str:
    key = key or portal_keys.signing_key()
    protected = {"alg": "ES256", "kid": key.kid, "typ": "share-request+jws"} | (header or {})
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return jws.serialize_compact(protected, raw, key)


def post(url: str, body: str | bytes, *, timeout: float = 10.0, headers: dict | None = None) -> httpx.Response:
    return httpx.post(
        url, content=body, timeout=timeout, headers={"Content-Type": "application/jose"} | (headers or {})
    )


def ask(sandbox, agency: str, item: str, *, timeout: float = 10.0, **overrides) -> httpx.Response:
    return post(sandbox.item_url(agency, item), sign(payload(item=item, **overrides)), timeout=timeout)


def decrypt(token: str) -> str:
    """The JWS inside an answer (decrypted with the portal's key the JWE names)."""
    header = json.loads(_b64(token.split(".")[0]))
    key = next(k for k in portal_keys.encryption_keys() if k.kid == header["kid"])
    plaintext = jwe.decrypt_compact(token, key).plaintext
    assert plaintext is not None
    return plaintext.decode("ascii")


def open_answer(token: str, agency: str) -> dict:
    """Decrypts an answer and verifies the agency's signature; returns the signed payload."""
    signed = jws.deserialize_compact(decrypt(token), portal_keys.public_keyset(agency_public_jwks(agency)))
    assert signed.headers()["typ"] == "share-response+jws"
    return json.loads(signed.payload)


def _b64(segment: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
