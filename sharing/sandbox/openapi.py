"""OpenAPI 3.1 description of the standard connection as the sandbox agencies serve it."""

from __future__ import annotations

import copy
import functools

from sharing import demo_catalogue

from .keys import AGENCY_CODES
from .protocol import APPROVAL_TYPE, MAX_BODY_BYTES, MAX_CLOCK_SKEW_SECONDS, REQUEST_TYPE, RESPONSE_TYPE, SUBJECT_KINDS

ITEM_CODES = [item["code"] for item in demo_catalogue.ITEMS]


def _error(description: str, codes: list[str], example_code: str, example_message: str) -> dict:
    return {
        "description": description,
        "content": {
            "application/json": {
                "schema": {
                    "allOf": [
                        {"$ref": "#/components/schemas/Error"},
                        {"properties": {"error": {"enum": codes}}},
                    ]
                },
                "example": {"error": example_code, "message": example_message},
            }
        },
    }


@functools.cache
def _document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Standard connection of the owning agencies (sandbox)",
            "version": "1",
            "summary": "Portal ⇄ owning agency: signed requests, signed and encrypted answers.",
            "description": (
                "The protocol of sharing/PROTOCOL.md as the simulated agencies serve it. A request is a compact "
                f"JWS (ES256, typ `{REQUEST_TYPE}`) signed by the portal over a `ShareRequest`; an answer is a "
                f"compact JWE (ECDH-ES, A256GCM) encrypted to the portal's current encryption key, whose plaintext "
                f"is a compact JWS (ES256, typ `{RESPONSE_TYPE}`) signed by the agency over a `ShareResponse`. "
                f"Timestamps more than {MAX_CLOCK_SKEW_SECONDS} s from the agency's clock and transaction ids "
                "seen before are refused.\n\n"
                "Sandbox faults (per agency, `manage.py sandbox_faults`): added latency; 503 `unavailable` at an "
                "error rate; at a timeout rate the request is held longer than the client's timeout (the "
                "`Request-Timeout` header in seconds, else a setting) and then answered 504; a tampered "
                "signature; a malformed body (signed and encrypted, but the signed payload is cut in half and "
                "is not JSON); down (the connection is closed without an answer)."
            ),
        },
        "servers": [{"url": "/sandbox", "description": "The sandbox agencies mounted in the portal's site"}],
        "paths": {
            "/agencies/{agency}/items/{item}/": {
                "parameters": [
                    {"$ref": "#/components/parameters/Agency"},
                    {
                        "name": "item",
                        "in": "path",
                        "required": True,
                        "description": "Code of the information item.",
                        "schema": {"type": "string", "enum": ITEM_CODES},
                    },
                ],
                "post": {
                    "operationId": "shareItem",
                    "summary": "Ask the agency for fields of one item about one subject",
                    "parameters": [
                        {
                            "name": "Request-Timeout",
                            "in": "header",
                            "required": False,
                            "description": (
                                "The client's timeout in seconds (used only by the sandbox's timeout fault)."
                            ),
                            "schema": {"type": "number", "exclusiveMinimum": 0, "maximum": 600},
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "description": f"A compact JWS over a ShareRequest, at most {MAX_BODY_BYTES} bytes.",
                        "content": {
                            "application/jose": {
                                "schema": {"$ref": "#/components/schemas/CompactJWS"},
                                "x-signed-payload": {"$ref": "#/components/schemas/ShareRequest"},
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "The requested fields, signed by the agency and encrypted to the portal.",
                            "content": {
                                "application/jose": {
                                    "schema": {"$ref": "#/components/schemas/CompactJWE"},
                                    "x-signed-payload": {"$ref": "#/components/schemas/ShareResponse"},
                                }
                            },
                        },
                        "400": _error(
                            "Not a JWS, bad JSON, missing or invalid members.",
                            ["malformed_request"],
                            "malformed_request",
                            "Missing members: fields.",
                        ),
                        "401": _error(
                            "The signature does not verify, or the timestamp is stale.",
                            ["bad_signature", "stale_timestamp"],
                            "stale_timestamp",
                            "The timestamp is more than 300 seconds from the agency's clock.",
                        ),
                        "403": _error(
                            "Outside the approved use the request names: unknown to the agency, not in force "
                            "(suspended, revoked, expired, not yet), for another item, purpose, affair, legal "
                            "basis or using agency, or fields outside the approved ones.",
                            ["not_approved"],
                            "not_approved",
                            "The fields rrn are not approved under approved use "
                            "3f1c2a9e-0000-4000-8000-000000000001 (LOCAL-PARKING-01).",
                        ),
                        "404": _error(
                            "Unknown agency, item not owned by the agency, or no such subject.",
                            ["unknown_agency", "unknown_item", "subject_not_found"],
                            "subject_not_found",
                            "The register of 'resident_abstract' holds no such subject.",
                        ),
                        "405": _error(
                            "Only POST is allowed.",
                            ["method_not_allowed"],
                            "method_not_allowed",
                            "Use POST with a compact JWS body.",
                        ),
                        "409": _error(
                            "The txn_id was seen before.",
                            ["replayed_txn"],
                            "replayed_txn",
                            "This txn_id has been used before.",
                        ),
                        "413": _error(
                            "The body is too large.",
                            ["malformed_request"],
                            "malformed_request",
                            f"The body is larger than {MAX_BODY_BYTES} bytes.",
                        ),
                        "503": _error(
                            "The agency is unavailable (down for maintenance, or a simulated failure).",
                            ["unavailable"],
                            "unavailable",
                            "The agency failed to answer.",
                        ),
                        "504": _error(
                            "Sandbox timeout fault: answered only after the client's timeout.",
                            ["timeout"],
                            "timeout",
                            "The agency did not answer in time (simulated).",
                        ),
                    },
                },
            },
            "/agencies/{agency}/approvals/": {
                "parameters": [{"$ref": "#/components/parameters/Agency"}],
                "post": {
                    "operationId": "pushApproval",
                    "summary": "The portal tells the agency of a decision on an approved use of its items",
                    "requestBody": {
                        "required": True,
                        "description": f"A compact JWS (ES256, typ `{APPROVAL_TYPE}`) over an ApprovalPush.",
                        "content": {
                            "application/jose": {
                                "schema": {"$ref": "#/components/schemas/CompactJWS"},
                                "x-signed-payload": {"$ref": "#/components/schemas/ApprovalPush"},
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "Stored, or already held at this version or a newer one.",
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/ApprovalReceipt"}}
                            },
                        },
                        "400": _error(
                            "Not a JWS, bad JSON, missing or invalid members.",
                            ["malformed_request"],
                            "malformed_request",
                            "Missing members: version.",
                        ),
                        "401": _error(
                            "The signature does not verify, or the timestamp is stale.",
                            ["bad_signature", "stale_timestamp"],
                            "bad_signature",
                            "The signature does not verify against the portal's key.",
                        ),
                        "404": _error(
                            "Unknown agency, or an item the agency does not own.",
                            ["unknown_agency", "unknown_item"],
                            "unknown_item",
                            "The agency 'mois' does not own an item 'vehicle_registration'.",
                        ),
                        "409": _error(
                            "The use is held by another agency.",
                            ["use_conflict"],
                            "use_conflict",
                            "The use 3f1c2a9e-0000-4000-8000-000000000001 is held by another agency.",
                        ),
                        "503": _error(
                            "The agency is down.", ["unavailable"], "unavailable", "The agency is down for maintenance."
                        ),
                    },
                },
            },
            "/agencies/{agency}/": {
                "parameters": [{"$ref": "#/components/parameters/Agency"}],
                "get": {
                    "operationId": "agencyDescription",
                    "summary": "What the agency serves (the portal's connection check)",
                    "responses": {
                        "200": {
                            "description": "The agency, its items and where its keys are.",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["agency", "protocol", "items", "jwks"],
                                        "properties": {
                                            "agency": {"type": "string"},
                                            "protocol": {"type": "string"},
                                            "items": {"type": "array", "items": {"type": "string"}},
                                            "jwks": {"type": "string", "format": "uri"},
                                        },
                                    }
                                }
                            },
                        },
                        "404": _error(
                            "Unknown agency.", ["unknown_agency"], "unknown_agency", "There is no sandbox agency 'x'."
                        ),
                        "503": _error(
                            "The agency is down (on servers that cannot close the connection).",
                            ["unavailable"],
                            "unavailable",
                            "The agency is down for maintenance.",
                        ),
                    },
                },
            },
            "/agencies/{agency}/jwks.json": {
                "parameters": [{"$ref": "#/components/parameters/Agency"}],
                "get": {
                    "operationId": "agencyKeys",
                    "summary": "The agency's public signing keys",
                    "responses": {
                        "200": {
                            "description": "A JWK set.",
                            "content": {"application/jwk-set+json": {"schema": {"$ref": "#/components/schemas/JWKS"}}},
                        },
                        "404": _error(
                            "Unknown agency.", ["unknown_agency"], "unknown_agency", "There is no sandbox agency 'x'."
                        ),
                    },
                },
            },
        },
        "components": {
            "parameters": {
                "Agency": {
                    "name": "agency",
                    "in": "path",
                    "required": True,
                    "description": "Code of the agency.",
                    "schema": {"type": "string", "enum": list(AGENCY_CODES)},
                },
            },
            "schemas": {
                "CompactJWS": {
                    "type": "string",
                    "pattern": r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$",
                    "description": "header.payload.signature, base64url without padding.",
                },
                "CompactJWE": {
                    "type": "string",
                    "pattern": r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"
                    r"\.[A-Za-z0-9_-]+$",
                    "description": "header.encrypted_key.iv.ciphertext.tag (ECDH-ES: empty key).",
                },
                "Subject": {
                    "type": "object",
                    "required": ["kind", "id"],
                    "additionalProperties": False,
                    "properties": {
                        "kind": {"type": "string", "enum": list(SUBJECT_KINDS)},
                        "id": {
                            "type": "string",
                            "maxLength": 64,
                            "description": (
                                "person: RRN with hyphen; parcel: 19-digit PNU; building: management number; "
                                "vehicle: registration plate."
                            ),
                        },
                    },
                },
                "Requester": {
                    "type": "object",
                    "required": ["kind", "id"],
                    "properties": {
                        "kind": {"type": "string", "enum": ["official", "system"]},
                        "id": {"type": ["string", "null"], "description": "Staff number; null for the system."},
                    },
                },
                "ShareRequest": {
                    "type": "object",
                    "required": [
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
                    ],
                    "properties": {
                        "v": {"const": 1},
                        "txn_id": {"type": "string", "format": "uuid"},
                        "timestamp": {"type": "number", "description": "Seconds since the epoch."},
                        "item": {"type": "string", "enum": ITEM_CODES},
                        "subject": {"$ref": "#/components/schemas/Subject"},
                        "fields": {"type": "array", "items": {"type": "string"}, "minItems": 1, "uniqueItems": True},
                        "purpose": {"type": "string", "enum": sorted(demo_catalogue.PURPOSES)},
                        "case_ref": {"type": "string", "examples": ["2026-0000123"]},
                        "office": {"type": "string", "examples": ["jongno"]},
                        "requester": {"$ref": "#/components/schemas/Requester"},
                        "use_id": {
                            "type": "string",
                            "format": "uuid",
                            "description": "The approved use the request runs under (pushed to the agency before).",
                        },
                        "using_agency": {"type": "string", "examples": ["seoul-jongno"]},
                        "affair_code": {"type": "string", "pattern": r"^[A-Z0-9][A-Z0-9-]{1,39}$"},
                        "legal_basis": {"type": "string", "maxLength": 300, "examples": ["주차장법 제10조"]},
                    },
                },
                "ApprovalPush": {
                    "type": "object",
                    "required": [
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
                    ],
                    "properties": {
                        "v": {"const": 1},
                        "timestamp": {"type": "number", "description": "Seconds since the epoch."},
                        "use_id": {"type": "string", "format": "uuid"},
                        "version": {"type": "integer", "minimum": 1, "description": "Grows with every decision."},
                        "status": {"type": "string", "enum": ["approved", "suspended", "revoked"]},
                        "using_agency": {"type": "string"},
                        "item": {"type": "string", "enum": ITEM_CODES},
                        "affair_code": {"type": "string", "pattern": r"^[A-Z0-9][A-Z0-9-]{1,39}$"},
                        "affair_name": {"type": "string", "maxLength": 200},
                        "purpose": {"type": "string"},
                        "legal_basis": {"type": "string", "maxLength": 300},
                        "consent_required": {"type": "boolean"},
                        "fields": {"type": "array", "items": {"type": "string"}, "minItems": 1, "uniqueItems": True},
                        "valid_from": {"type": "string", "format": "date"},
                        "valid_until": {"type": "string", "format": "date"},
                        "reason": {"type": "string", "maxLength": 500},
                    },
                },
                "ApprovalReceipt": {
                    "type": "object",
                    "required": ["use_id", "version", "stored"],
                    "properties": {
                        "use_id": {"type": "string", "format": "uuid"},
                        "version": {"type": "integer", "description": "The version the agency now holds."},
                        "stored": {"type": "boolean", "description": "false: it held this version or a newer one."},
                    },
                },
                "ShareResponse": {
                    "type": "object",
                    "required": ["v", "txn_id", "item", "subject", "fields", "issued_at", "agency"],
                    "properties": {
                        "v": {"const": 1},
                        "txn_id": {"type": "string", "format": "uuid"},
                        "item": {"type": "string"},
                        "subject": {"$ref": "#/components/schemas/Subject"},
                        "fields": {
                            "type": "object",
                            "description": "Exactly the requested keys; a value may be null.",
                            "additionalProperties": True,
                        },
                        "issued_at": {"type": "integer"},
                        "agency": {"type": "string", "enum": list(AGENCY_CODES)},
                        "persons": {
                            "type": "array",
                            "maxItems": 100,
                            "uniqueItems": True,
                            "items": {"type": "string", "pattern": r"^\d{6}-\d{7}$"},
                            "description": "Whose the record is: the resident registration numbers of the persons "
                            "whose personal data the record holds (a vehicle's, a parcel's or a "
                            "building's owners), whether or not their fields were asked for; empty "
                            "when it holds nobody's. Required when the subject is not a person.",
                        },
                    },
                },
                "Error": {
                    "type": "object",
                    "required": ["error", "message"],
                    "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
                },
                "JWKS": {
                    "type": "object",
                    "required": ["keys"],
                    "properties": {
                        "keys": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["kty", "crv", "x", "y", "kid"],
                                "properties": {
                                    "kty": {"const": "EC"},
                                    "crv": {"const": "P-256"},
                                    "x": {"type": "string"},
                                    "y": {"type": "string"},
                                    "kid": {"type": "string"},
                                    "use": {"const": "sig"},
                                    "alg": {"const": "ES256"},
                                },
                            },
                        }
                    },
                },
            },
        },
    }


def document() -> dict:
    return copy.deepcopy(_document())
