"""A minimal client of the standard connection for the sandbox's own tests.

It is written from PROTOCOL.md on purpose (not the portal's client in sharing/providers),
so that the sandbox is checked against the contract, not against the other implementation.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import time
import uuid

import httpx
from joserfc import jwe, jws
from joserfc.jwk import ECKey

from sharing import keys as portal_keys
from sharing.sandbox.keys import agency_public_jwks

# The using agency of the approved uses the sandbox's tests run under (``approvals_for_tests``).
USING_AGENCY = "seoul-jongno"
LEGAL_BASIS = "주민등록법 제29조"


def use_id_for(item: str, purpose: str) -> str:
    """The id of the test use of ``item`` for ``purpose`` (one per pair, all fields approved)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"sandbox-test-use:{item}:{purpose}"))


def affair_code_for(item: str, purpose: str) -> str:
    return "T-" + hashlib.sha256(f"{item}:{purpose}".encode()).hexdigest()[:12].upper()


def approvals_for_tests() -> int:
    """What the portal would have pushed: one approved use per (item, purpose) of the catalogue,
    to ``USING_AGENCY``, with all the item's fields, in force for a year around today."""
    from django.utils import timezone

    from sharing import demo_catalogue
    from sharing.sandbox.models import SandboxAgency, UseApproval

    today = timezone.localdate()
    agencies = {agency.code: agency for agency in SandboxAgency.objects.all()}
    rows = [
        UseApproval(
            agency=agencies[item["agency"]],
            use_id=use_id_for(item["code"], purpose),
            version=1,
            status="approved",
            using_agency=USING_AGENCY,
            item_code=item["code"],
            affair_code=affair_code_for(item["code"], purpose),
            affair_name="시험 사무",
            purpose=purpose,
            legal_basis=LEGAL_BASIS,
            fields=[spec["key"] for spec in item["fields"]],
            valid_from=today - datetime.timedelta(days=180),
            valid_until=today + datetime.timedelta(days=180),
        )
        for item in demo_catalogue.ITEMS
        for purpose in {*item["purposes"], "P-PARKING"}
        if item["agency"] in agencies
    ]
    return len(UseApproval.objects.bulk_create(rows, ignore_conflicts=True))


# payload(member=OMIT) leaves a member out.
OMIT = object()


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
    # Under the test use of the item and purpose, unless the test names another one.
    item, purpose = body.get("item"), body.get("purpose")
    if isinstance(item, str) and isinstance(purpose, str):
        body.setdefault("use_id", use_id_for(item, purpose))
        body.setdefault("affair_code", affair_code_for(item, purpose))
    body.setdefault("using_agency", USING_AGENCY)
    body.setdefault("legal_basis", LEGAL_BASIS)
    return {name: value for name, value in body.items() if value is not OMIT}


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
