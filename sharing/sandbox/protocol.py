"""The agency side of the standard connection (sharing/PROTOCOL.md, version 1).

Reads and checks a signed request from the portal, and builds the signed and encrypted
answer, and reads the decisions on approved uses the portal pushes. Knows nothing of
registers or approvals; ``services.share_request_answer`` puts the
pieces together. The portal's public keys come from the JWKS the portal publishes
(``/sharing/jwks.json``), fetched over HTTP and cached (``portal_keys``), as a real agency's.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from dataclasses import dataclass

from joserfc import jwe, jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from . import portal_keys

PROTOCOL_VERSION = 1
REQUEST_TYPE = "share-request+jws"
APPROVAL_TYPE = "use-approval+jws"
RESPONSE_TYPE = "share-response+jws"
MAX_CLOCK_SKEW_SECONDS = 300
MAX_BODY_BYTES = 64 * 1024

SUBJECT_KINDS = ("person", "parcel", "building", "vehicle", "business")
REQUESTER_KINDS = ("official", "system")
SUBJECT_ID_PATTERNS = {
    "person": re.compile(r"\d{6}-\d{7}"),
    "parcel": re.compile(r"\d{19}"),
    "building": re.compile(r"[0-9A-Za-z-]{1,40}"),
    "vehicle": re.compile(r"\d{2,3}[가-힣]\d{4}"),
    "business": re.compile(r"\d{3}-\d{2}-\d{5}"),
}
_CODE = re.compile(r"[A-Za-z0-9_.:-]{1,80}")
_FIELD = re.compile(r"[a-z0-9_]{1,60}")
_AFFAIR_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{1,39}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
APPROVAL_STATUSES = ("approved", "suspended", "revoked")


class ProtocolError(Exception):
    """A refusal the agency answers with ``{"error": code, "message": text}``."""

    def __init__(self, status: int, error: str, message: str):
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message

    def body(self) -> dict:
        return {"error": self.error, "message": self.message}


def malformed(message: str) -> ProtocolError:
    return ProtocolError(400, "malformed_request", message)


@dataclass(frozen=True)
class ShareRequest:
    txn_id: str
    timestamp: float
    item: str
    subject_kind: str
    subject_id: str
    fields: tuple[str, ...]
    purpose: str
    case_ref: str
    office: str
    requester_kind: str
    requester_id: str | None
    # The approved use the request runs under (PROTOCOL.md "Request"): checked against the
    # approvals the portal pushed to this agency (``services._check_approval``).
    use_id: str
    using_agency: str
    affair_code: str
    legal_basis: str


@dataclass(frozen=True)
class ApprovalPush:
    """A decision on an approved use, pushed by the portal (PROTOCOL.md "Approved uses")."""

    timestamp: float
    use_id: str
    version: int
    status: str
    using_agency: str
    item: str
    affair_code: str
    affair_name: str
    purpose: str
    legal_basis: str
    consent_required: bool
    fields: tuple[str, ...]
    valid_from: str
    valid_until: str
    reason: str


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def unverified_txn_id(body: bytes) -> str | None:
    """The txn_id a request claims, read without checking anything (to draw faults per transaction)."""
    try:
        parts = body.split(b".")
        if len(parts) != 3:
            return None
        payload = json.loads(_b64decode(parts[1].decode("ascii")))
        txn_id = payload.get("txn_id") if isinstance(payload, dict) else None
        return txn_id if isinstance(txn_id, str) and len(txn_id) <= 64 else None
    except (ValueError, UnicodeDecodeError, binascii.Error):
        return None


def portal_encryption_key() -> ECKey:
    """The portal's current encryption key (the first one its JWKS publishes)."""
    encryption = portal_keys.encryption_key()
    if encryption is None:
        raise LookupError("The portal publishes no encryption key.")
    return encryption


def _verified_payload(body: bytes, *, typ: str):
    """The JSON payload of a compact JWS ``body`` of type ``typ`` signed by one of the portal's keys."""
    if not body:
        raise malformed("The body is empty; expected a compact JWS.")
    if len(body) > MAX_BODY_BYTES:
        raise ProtocolError(413, "malformed_request", f"The body is larger than {MAX_BODY_BYTES} bytes.")
    try:
        text = body.decode("ascii").strip()
    except UnicodeDecodeError:
        raise malformed("The body is not a compact JWS (non-ASCII bytes).") from None
    parts = text.split(".")
    if len(parts) != 3 or not all(parts):
        raise malformed("The body is not a compact JWS (three base64url parts separated by dots).")
    try:
        header = json.loads(_b64decode(parts[0]))
    except (ValueError, binascii.Error):
        raise malformed("The JWS header is not base64url-encoded JSON.") from None
    if not isinstance(header, dict):
        raise malformed("The JWS header is not a JSON object.")
    if header.get("alg") != "ES256":
        raise malformed("The JWS must be signed with alg ES256.")
    if header.get("typ") != typ:
        raise malformed(f"The JWS typ must be {typ!r}.")
    key = portal_keys.signing_key(header["kid"]) if isinstance(header.get("kid"), str) else None
    if key is None:
        raise ProtocolError(401, "bad_signature", "The JWS kid names none of the portal's published signing keys.")
    try:
        signed = jws.deserialize_compact(text, key, algorithms=["ES256"])
    except JoseError:
        raise ProtocolError(401, "bad_signature", "The signature does not verify against the portal's key.") from None
    except (ValueError, binascii.Error):
        raise malformed("The JWS could not be decoded.") from None
    try:
        return json.loads(signed.payload)
    except (ValueError, UnicodeDecodeError):
        raise malformed("The signed payload is not JSON.") from None


def _check_timestamp(timestamp: float, now: float) -> None:
    if abs(now - timestamp) > MAX_CLOCK_SKEW_SECONDS:
        raise ProtocolError(
            401,
            "stale_timestamp",
            f"The timestamp is more than {MAX_CLOCK_SKEW_SECONDS} seconds from the agency's clock.",
        )


def read_request(body: bytes, *, now: float) -> ShareRequest:
    """Verifies the portal's signature and the payload; raises ProtocolError with the refusal."""
    request = _validate_payload(_verified_payload(body, typ=REQUEST_TYPE))
    _check_timestamp(request.timestamp, now)
    return request


def read_approval(body: bytes, *, now: float) -> ApprovalPush:
    """Verifies a pushed decision on an approved use (signed by the portal like a request)."""
    push = _validate_approval(_verified_payload(body, typ=APPROVAL_TYPE))
    _check_timestamp(push.timestamp, now)
    return push


def _string(payload: dict, name: str, *, pattern: re.Pattern | None = None, max_length: int = 80) -> str:
    value = payload.get(name)
    if not isinstance(value, str) or not value or len(value) > max_length:
        raise malformed(f"The member {name!r} must be a non-empty string of at most {max_length} characters.")
    if pattern is not None and not pattern.fullmatch(value):
        raise malformed(f"The member {name!r} has an invalid format.")
    return value


def _validate_payload(payload) -> ShareRequest:
    if not isinstance(payload, dict):
        raise malformed("The payload must be a JSON object.")
    required = {
        "v",
        "txn_id",
        "timestamp",
        "item",
        "subject",
        "fields",
        "purpose",
        "case_ref",
        "office",
        "requester",
        "use_id",
        "using_agency",
        "affair_code",
        "legal_basis",
    }
    missing = sorted(required - payload.keys())
    if missing:
        raise malformed(f"Missing members: {', '.join(missing)}.")
    if payload["v"] != PROTOCOL_VERSION or isinstance(payload["v"], bool):
        raise malformed(f"Unsupported protocol version; this agency speaks v{PROTOCOL_VERSION}.")
    txn_id = _string(payload, "txn_id", max_length=64)
    try:
        uuid.UUID(txn_id)
    except ValueError:
        raise malformed("The member 'txn_id' must be a UUID.") from None
    timestamp = _timestamp(payload)
    item = _string(payload, "item", pattern=_CODE)
    subject = payload["subject"]
    if not isinstance(subject, dict) or subject.get("kind") not in SUBJECT_KINDS:
        raise malformed(f"The member 'subject' must be an object with kind one of {', '.join(SUBJECT_KINDS)}.")
    subject_id = _string(subject, "id", max_length=64)
    if not SUBJECT_ID_PATTERNS[subject["kind"]].fullmatch(subject_id):
        raise malformed(f"The subject id is not a valid {subject['kind']} identifier.")
    fields = _fields(payload)
    purpose = _string(payload, "purpose", pattern=_CODE)
    case_ref = _string(payload, "case_ref", max_length=40)
    office = _string(payload, "office", pattern=_CODE)
    requester = payload["requester"]
    if not isinstance(requester, dict) or requester.get("kind") not in REQUESTER_KINDS:
        raise malformed("The member 'requester' must be an object with kind 'official' or 'system'.")
    requester_id = requester.get("id")
    if requester["kind"] == "official":
        requester_id = _string(requester, "id", max_length=40)
    elif requester_id is not None:
        raise malformed("A 'system' requester has id null.")
    use_id = _uuid(payload, "use_id")
    using_agency = _string(payload, "using_agency", pattern=_CODE, max_length=40)
    affair_code = _string(payload, "affair_code", pattern=_AFFAIR_CODE, max_length=40)
    legal_basis = _string(payload, "legal_basis", max_length=300)
    return ShareRequest(
        txn_id=txn_id,
        timestamp=timestamp,
        item=item,
        subject_kind=subject["kind"],
        subject_id=subject_id,
        fields=tuple(fields),
        purpose=purpose,
        case_ref=case_ref,
        office=office,
        requester_kind=requester["kind"],
        requester_id=requester_id,
        use_id=use_id,
        using_agency=using_agency,
        affair_code=affair_code,
        legal_basis=legal_basis,
    )


def _uuid(payload: dict, name: str) -> str:
    value = _string(payload, name, max_length=64)
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise malformed(f"The member {name!r} must be a UUID.") from None


def _fields(payload: dict) -> list[str]:
    fields = payload["fields"]
    if (
        not isinstance(fields, list)
        or not fields
        or len(fields) > 50
        or not all(isinstance(name, str) and _FIELD.fullmatch(name) for name in fields)
    ):
        raise malformed("The member 'fields' must be a non-empty list of field keys.")
    if len(set(fields)) != len(fields):
        raise malformed("The member 'fields' lists a field twice.")
    return fields


def _timestamp(payload: dict) -> float:
    timestamp = payload["timestamp"]
    if isinstance(timestamp, bool) or not isinstance(timestamp, int | float) or not 0 < timestamp < 1e11:
        raise malformed("The member 'timestamp' must be seconds since the epoch.")
    return float(timestamp)


def _validate_approval(payload) -> ApprovalPush:
    if not isinstance(payload, dict):
        raise malformed("The payload must be a JSON object.")
    required = {
        "v",
        "timestamp",
        "use_id",
        "version",
        "status",
        "using_agency",
        "item",
        "affair_code",
        "affair_name",
        "purpose",
        "legal_basis",
        "consent_required",
        "fields",
        "valid_from",
        "valid_until",
        "reason",
    }
    missing = sorted(required - payload.keys())
    if missing:
        raise malformed(f"Missing members: {', '.join(missing)}.")
    if payload["v"] != PROTOCOL_VERSION or isinstance(payload["v"], bool):
        raise malformed(f"Unsupported protocol version; this agency speaks v{PROTOCOL_VERSION}.")
    version = payload["version"]
    if isinstance(version, bool) or not isinstance(version, int) or not 0 < version < 2**31:
        raise malformed("The member 'version' must be a positive integer.")
    if payload["status"] not in APPROVAL_STATUSES:
        raise malformed(f"The member 'status' must be one of {', '.join(APPROVAL_STATUSES)}.")
    if not isinstance(payload["consent_required"], bool):
        raise malformed("The member 'consent_required' must be true or false.")
    valid_from = _string(payload, "valid_from", pattern=_DATE, max_length=10)
    valid_until = _string(payload, "valid_until", pattern=_DATE, max_length=10)
    if valid_from > valid_until:
        raise malformed("The period ends before it starts.")
    reason = payload["reason"]
    if not isinstance(reason, str) or len(reason) > 500:
        raise malformed("The member 'reason' must be a string of at most 500 characters.")
    return ApprovalPush(
        timestamp=_timestamp(payload),
        use_id=_uuid(payload, "use_id"),
        version=version,
        status=payload["status"],
        using_agency=_string(payload, "using_agency", pattern=_CODE, max_length=40),
        item=_string(payload, "item", pattern=_CODE),
        affair_code=_string(payload, "affair_code", pattern=_AFFAIR_CODE, max_length=40),
        affair_name=_string(payload, "affair_name", max_length=200),
        purpose=_string(payload, "purpose", pattern=_CODE),
        legal_basis=_string(payload, "legal_basis", max_length=300),
        consent_required=payload["consent_required"],
        fields=tuple(_fields(payload)),
        valid_from=valid_from,
        valid_until=valid_until,
        reason=reason,
    )


def build_response(
    *,
    request: ShareRequest,
    agency_code: str,
    signing_key: ECKey,
    fields: dict,
    now: float,
    persons: list[str] | None = None,
    tamper_signature: bool = False,
    malformed_payload: bool = False,
) -> str:
    """The answer: a JWS signed by the agency, encrypted (JWE ECDH-ES/A256GCM) to the portal's key.

    ``persons``: whose the record is (the RRNs of the persons whose personal data it holds), sent
    inside the signed and encrypted payload only; None leaves the member out (a person subject).

    ``tamper_signature`` and ``malformed_payload`` are the sandbox's faults: a signature
    that does not verify, or a properly signed and encrypted payload that is not the
    protocol's JSON.
    """
    payload = {
        "v": PROTOCOL_VERSION,
        "txn_id": request.txn_id,
        "item": request.item,
        "subject": {"kind": request.subject_kind, "id": request.subject_id},
        "fields": fields,
        "issued_at": int(now),
        "agency": agency_code,
    }
    if persons is not None:
        payload["persons"] = list(persons)
    payload_bytes = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    if malformed_payload:
        payload_bytes = payload_bytes[: len(payload_bytes) // 2]  # cut in the middle: not JSON any more
    signed = jws.serialize_compact(
        {"alg": "ES256", "kid": signing_key.kid, "typ": RESPONSE_TYPE},
        payload_bytes,
        signing_key,
        algorithms=["ES256"],
    )
    if tamper_signature:
        signed = _tamper(signed)
    encryption_key = portal_encryption_key()
    return jwe.encrypt_compact(
        {"alg": "ECDH-ES", "enc": "A256GCM", "kid": encryption_key.kid},
        signed,
        encryption_key,
        algorithms=["ECDH-ES", "A256GCM"],
    )


def _tamper(compact: str) -> str:
    header, payload, signature = compact.split(".")
    raw = bytearray(_b64decode(signature))
    raw[0] ^= 0x01
    return ".".join([header, payload, base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode("ascii")])
