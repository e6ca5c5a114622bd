"""The standard connection over HTTP (sharing/PROTOCOL.md, version 1).

Request: a compact JWS (ES256) by the portal's signing key. Answer: a compact JWE
(ECDH-ES + A256GCM) to one of the portal's encryption keys, around a compact JWS (ES256) by
one of the agency's keys (``Agency.public_jwks``). Every way the exchange can go wrong
raises its own error (``sharing.providers.errors``); nothing of a rejected answer is kept.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from datetime import UTC, datetime
from ipaddress import ip_address
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from joserfc import jwe, jws
from joserfc.errors import BadSignatureError, DecodeError, JoseError
from joserfc.jwk import ECKey, KeySet

from sharing import keys

from . import errors, transport
from .base import BaseProvider, ProviderRequest, ProviderResponse
from .registry import register

logger = logging.getLogger(__name__)

PROTOCOL_VERSION = 1
REQUEST_TYPE = "share-request+jws"
RESPONSE_TYPE = "share-response+jws"
CONTENT_TYPE = "application/jose"
MAX_RESPONSE_BYTES = 2 * 1024 * 1024
MAX_PERSONS = 100
RRN_PATTERN = re.compile(r"\d{6}-\d{7}")


def item_url(agency, item_code: str) -> str:
    base = agency.base_url if agency.base_url.endswith("/") else agency.base_url + "/"
    return f"{base}items/{item_code}/"


def _agency_keyset(agency) -> KeySet:
    jwks = agency.public_jwks or {}
    if not jwks.get("keys"):
        raise errors.ProviderConfigurationError(
            _("The agency's public keys (JWKS) hold no EC P-256 key to verify its answers.")
        )
    try:
        # Parsed once per JWKS document, not per fetch: the document itself is the cache key,
        # so a key rotation entered in the admin takes effect at the next fetch.
        return _imported_keyset(json.dumps(jwks, sort_keys=True, separators=(",", ":")))
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise errors.ProviderConfigurationError(
            _("The agency's public keys (JWKS) do not import: %s") % type(exc).__name__
        ) from exc


@functools.lru_cache(maxsize=128)
def _imported_keyset(jwks_json: str) -> KeySet:
    return KeySet.import_key_set(json.loads(jwks_json))


_decryption: tuple[tuple[ECKey, ...] | None, KeySet | None] = (None, None)


def _decryption_keyset() -> KeySet:
    """The portal's encryption keys as a key set, rebuilt only when ``sharing.keys`` reloads them."""
    global _decryption
    portal_keys = keys.encryption_keys()
    loaded, keyset = _decryption
    if keyset is None or loaded is not portal_keys:
        keyset = KeySet(list(portal_keys))
        _decryption = (portal_keys, keyset)
    return keyset


def _error_body(response: transport.Answer) -> tuple[str, str]:
    try:
        body = json.loads(response.content)
    except ValueError:
        return "", ""
    if not isinstance(body, dict):
        return "", ""
    return str(body.get("error") or ""), str(body.get("message") or "")[:400]


@register("standard-http")
class StandardHttpProvider(BaseProvider):
    verbose_name = gettext_lazy("Standard connection over HTTP (JWS/JWE)")

    # --- configuration -------------------------------------------------------------------
    def check_config(self, agency) -> None:
        parts = urlsplit(agency.base_url or "")
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise errors.ProviderConfigurationError(_("The base URL must be an http(s) address."))
        if not agency.base_url.endswith("/"):
            raise errors.ProviderConfigurationError(_("The base URL must end with a slash."))
        if parts.scheme != "https" and not settings.DEBUG and not _is_loopback(parts.hostname or ""):
            raise errors.ProviderConfigurationError(_("Outside development the base URL must use https."))
        keyset = _agency_keyset(agency)
        signing = [key for key in keyset.keys if key.key_type == "EC" and key.as_dict().get("crv") == "P-256"]
        if not signing:
            raise errors.ProviderConfigurationError(
                _("The agency's public keys (JWKS) hold no EC P-256 key to verify its answers.")
            )
        try:
            keys.signing_key()
            keys.encryption_key()
        except Exception as exc:
            raise errors.ProviderConfigurationError(_("The portal's key pairs do not load: %s") % exc) from exc
        try:
            transport.request("GET", agency.base_url, timeout=agency.timeout_seconds, max_bytes=MAX_RESPONSE_BYTES)
        except transport.TransportTimeout as exc:
            raise errors.ProviderConfigurationError(_("The agency did not answer within the timeout.")) from exc
        except transport.TransportError as exc:
            raise errors.ProviderConfigurationError(_("The agency could not be reached: %s") % exc) from exc

    # --- the exchange --------------------------------------------------------------------
    def build_request_token(self, request: ProviderRequest) -> str:
        payload = {
            "v": PROTOCOL_VERSION,
            "txn_id": request.txn_id,
            "timestamp": request.timestamp,
            "item": request.item_code,
            "subject": {"kind": request.subject_kind, "id": request.subject_id},
            "fields": list(request.fields),
            "purpose": request.purpose_code,
            "case_ref": request.case_ref,
            "office": request.office_code,
            "requester": {"kind": request.requester_kind, "id": request.requester_id},
            "use_id": request.use_id,
            "using_agency": request.using_agency_code,
            "affair_code": request.affair_code,
            "legal_basis": request.legal_basis,
        }
        key = keys.signing_key()
        header = {"alg": keys.SIGNING_ALG, "kid": key.kid, "typ": REQUEST_TYPE}
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return jws.serialize_compact(header, body, key)

    def fetch(self, request: ProviderRequest) -> ProviderResponse:
        agency = request.agency
        agency_keys = _agency_keyset(agency)
        token = self.build_request_token(request)
        try:
            response = transport.request(
                "POST",
                item_url(agency, request.item_code),
                body=token.encode("ascii"),
                # Request-Timeout tells the agency how long the portal waits (informational).
                headers={
                    "Content-Type": CONTENT_TYPE,
                    "Accept": CONTENT_TYPE,
                    "Request-Timeout": f"{agency.timeout_seconds:g}",
                },
                timeout=agency.timeout_seconds,
                max_bytes=MAX_RESPONSE_BYTES,
            )
        except transport.TransportTimeout as exc:
            raise errors.AgencyTimeout(f"no answer within {agency.timeout_seconds}s") from exc
        except transport.TransportError as exc:
            raise errors.ConnectionFailed(str(exc)) from exc
        if response.status_code != 200:
            raise self._refusal(response)
        if response.truncated:
            raise errors.MalformedResponse("answer larger than allowed")
        return self._open(response.content, request, agency_keys)

    def _refusal(self, response: transport.Answer) -> errors.ProviderError:
        status = response.status_code
        code, message = _error_body(response)
        if status == 503 or code == "unavailable":
            return errors.AgencyUnavailable(message or f"HTTP {status}", status=status)
        if status >= 500:
            return errors.AgencyServerError(f"HTTP {status}", status=status)
        if status == 403 and code in {"not_granted", "not_approved"}:
            return errors.Refused(message, code=code, status=status)
        if status == 404 and code in {"subject_not_found", "unknown_item"}:
            return errors.Refused(message, code=code, status=status)
        rejected = {
            (400, "malformed_request"): "malformed_request",
            (401, "bad_signature"): "request_signature_rejected",
            (401, "stale_timestamp"): "stale_timestamp",
            (409, "replayed_txn"): "replayed_txn",
        }.get((status, code), "http_error")
        return errors.RequestRejected(f"HTTP {status} {code}: {message}".strip(), code=rejected, status=status)

    def _open(self, body: bytes, request: ProviderRequest, agency_keys: KeySet) -> ProviderResponse:
        text = body.strip()
        if text.count(b".") != 4:
            raise errors.MalformedResponse("the answer is not a compact JWE")
        try:
            decrypted = jwe.decrypt_compact(
                text,
                _decryption_keyset(),
                algorithms=[keys.ENCRYPTION_ALG, keys.ENCRYPTION_ENC],
            )
        except (JoseError, ValueError, KeyError, TypeError) as exc:
            raise errors.Undecryptable(type(exc).__name__) from exc
        inner = decrypted.plaintext or b""
        if inner.count(b".") != 2:
            raise errors.MalformedResponse("the decrypted answer is not a compact JWS")
        try:
            signed = jws.deserialize_compact(inner, agency_keys, algorithms=[keys.SIGNING_ALG])
        except BadSignatureError as exc:
            raise errors.BadSignature("the signature does not verify against the agency's keys") from exc
        except DecodeError as exc:
            raise errors.MalformedResponse(f"undecodable JWS: {type(exc).__name__}") from exc
        except (JoseError, ValueError, KeyError, TypeError) as exc:
            # An unknown kid or a key of the wrong kind: not signed by a key we hold for the agency.
            raise errors.BadSignature(type(exc).__name__) from exc
        typ = signed.headers().get("typ")
        if typ is not None and typ != RESPONSE_TYPE:
            raise errors.MalformedResponse(f"unexpected typ {typ!r}")
        try:
            payload = json.loads(signed.payload)
        except ValueError as exc:
            raise errors.MalformedResponse("the payload is not JSON") from exc
        return self._validated(payload, request)

    def _validated(self, payload, request: ProviderRequest) -> ProviderResponse:
        if not isinstance(payload, dict) or payload.get("v") != PROTOCOL_VERSION:
            raise errors.MalformedResponse("not a version 1 answer")
        if not isinstance(payload.get("fields"), dict) or not isinstance(payload.get("txn_id"), str):
            raise errors.MalformedResponse("missing txn_id or fields")
        if payload["txn_id"] != request.txn_id:
            raise errors.TxnMismatch("the answer names another transaction")
        if payload.get("item") != request.item_code:
            raise errors.MalformedResponse("the answer names another item")
        subject = payload.get("subject")
        if subject is not None and (
            not isinstance(subject, dict)
            or subject.get("kind") != request.subject_kind
            or subject.get("id") != request.subject_id
        ):
            raise errors.MalformedResponse("the answer names another subject")
        returned, asked = set(payload["fields"]), set(request.fields)
        if returned != asked:
            raise errors.UnexpectedFields(f"unasked: {sorted(returned - asked)}, missing: {sorted(asked - returned)}")
        issued_at = payload.get("issued_at")
        if issued_at is not None and not isinstance(issued_at, int | float):
            raise errors.MalformedResponse("issued_at is not a timestamp")
        agency_code = payload.get("agency")
        if agency_code is not None and agency_code != request.agency.code:
            raise errors.MalformedResponse("the answer names another agency")
        return ProviderResponse(
            txn_id=payload["txn_id"],
            item_code=payload["item"],
            agency_code=request.agency.code,
            fields={key: payload["fields"][key] for key in request.fields},
            issued_at=datetime.fromtimestamp(issued_at, tz=UTC) if issued_at is not None else None,
            persons=_persons(payload, request),
        )


def _persons(payload: dict, request: ProviderRequest) -> tuple[str, ...]:
    """Whose the record is: the RRNs the answer names. Required for a subject that is not a person
    (the portal must know whose vehicle or land it is); a person subject may leave it out."""
    persons = payload.get("persons")
    if persons is None:
        if request.subject_kind != "person":
            raise errors.MalformedResponse("the answer does not say whose record it is (persons)")
        return ()
    if (
        not isinstance(persons, list)
        or len(persons) > MAX_PERSONS
        or not all(isinstance(rrn, str) and RRN_PATTERN.fullmatch(rrn) for rrn in persons)
    ):
        raise errors.MalformedResponse("persons is not a list of resident registration numbers")
    if len(set(persons)) != len(persons):
        raise errors.MalformedResponse("persons names someone twice")
    return tuple(persons)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False
