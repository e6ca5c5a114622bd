"""RFC 3161 time stamps from a time-stamping authority (TSA).

A time stamp is a token the TSA signs over a digest of some data and the time it saw it: with
it, anyone who trusts the TSA can show that the data existed then, without trusting the
portal's clock or database. The portal asks the TSA at ``settings.TSA_URL`` (the sandbox TSA in
development, ``/sandbox/tsa/``; any RFC 3161 service by setting) and checks every token against
the certificates in ``settings.TSA_CA_FILE``: the token's signer must chain to one of them and
carry the timeStamping extended key usage.

- ``timestamp(data)``: the DER TimeStampToken over SHA-256 of ``data`` (checked before it is
  returned: a TSA that stamps another digest, or signs with a key we do not trust, is an error);
- ``verify_timestamp(token, data)``: the time the token certifies for ``data``, or
  ``TimestampInvalid`` saying what is wrong;
- ``timestamper()``: the same TSA as a pyHanko ``TimeStamper``, for signing PDFs (PAdES).

With ``SANDBOX_TRUST`` (development and sandbox deployments), when ``TSA_CA_FILE`` is unset, the
trusted root is learned once per process from ``TSA_CA_URL`` (the sandbox TSA publishes its root
there); in production the file is required. The sandbox TSA's keys are derived from the site's
secret, so the root is the same in every process and every restart.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from asn1crypto import cms, core, tsp, x509
from asn1crypto.pem import detect as pem_detect
from asn1crypto.pem import unarmor as pem_unarmor
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko.sign.validation.status import TimestampSignatureStatus
from pyhanko_certvalidator import ValidationContext

from sharing.providers import transport

MEDIA_TYPE_QUERY = "application/timestamp-query"
MEDIA_TYPE_REPLY = "application/timestamp-reply"
DIGEST_ALGORITHM = "sha256"
MAX_REPLY_BYTES = 64 * 1024
MAX_CA_BYTES = 256 * 1024
# The digests a token's imprint may use when verifying (a token made elsewhere may use another).
_DIGESTS = {"sha256", "sha384", "sha512"}


class TimestampError(Exception):
    """Base of the time-stamping errors."""


class TimestampUnavailable(TimestampError):
    """The TSA could not be reached, refused the request or answered something unusable."""


class TimestampInvalid(TimestampError):
    """A token does not certify the data: ``reason`` says why.

    - ``malformed``: not a DER RFC 3161 TimeStampToken;
    - ``imprint``: the token is over other data (the data changed, or it is another token);
    - ``signature``: the TSA's signature over the token does not verify (the token was altered);
    - ``untrusted``: the signer does not chain to the configured TSA certificates
      (``TSA_CA_FILE``), or is not a time-stamping certificate.
    """

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


_T = TypeVar("_T")


# -- pyHanko's coroutines, from synchronous code --------------------------------------------------


def run_sync(make_coroutine: Callable[[], Coroutine[Any, Any, _T]]) -> _T:
    """Runs a coroutine to completion from synchronous code. Where this thread already runs an event
    loop (a caller inside asyncio, Playwright's synchronous API in the browser tests), ``asyncio.run``
    would refuse: the coroutine runs on a loop of its own in another thread instead."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make_coroutine())
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pyhanko") as pool:
        return pool.submit(lambda: asyncio.run(make_coroutine())).result()


# -- the line to the TSA (the tests route it through Django's test client) -------------------------


def post_query(url: str, body: bytes) -> tuple[int, str, bytes]:
    """POSTs a DER TimeStampReq; returns the status, the media type and the body of the answer."""
    headers = {"Content-Type": MEDIA_TYPE_QUERY, "Accept": MEDIA_TYPE_REPLY}
    if settings.TSA_AUTHORIZATION:
        headers["Authorization"] = settings.TSA_AUTHORIZATION
    try:
        answer = transport.request(
            "POST", url, body=body, headers=headers, timeout=settings.TSA_TIMEOUT_SECONDS, max_bytes=MAX_REPLY_BYTES
        )
    except (transport.TransportError, transport.TransportTimeout) as exc:
        raise TimestampUnavailable(f"The time-stamping authority at {url} could not be reached: {exc}") from exc
    media_type = answer.headers.get("content-type", "").split(";")[0].strip()
    return answer.status_code, media_type, answer.content


def fetch_ca_document(url: str) -> bytes:
    """The PEM document at ``url`` (SANDBOX_TRUST only: the sandbox TSA's published root)."""
    try:
        answer = transport.request("GET", url, headers={}, timeout=settings.TSA_TIMEOUT_SECONDS, max_bytes=MAX_CA_BYTES)
    except (transport.TransportError, transport.TransportTimeout) as exc:
        raise TimestampUnavailable(f"The TSA's certificate could not be fetched from {url}: {exc}") from exc
    if answer.status_code != 200:
        raise TimestampUnavailable(f"The TSA's certificate could not be fetched from {url}: {answer.status_code}")
    return answer.content


# -- what the portal trusts ------------------------------------------------------------------------


def parse_certificates(document: bytes) -> list[x509.Certificate]:
    """The certificates of a PEM (one or more) or DER document."""
    if pem_detect(document):
        return [x509.Certificate.load(der) for _type, _headers, der in pem_unarmor(document, multiple=True)]
    return [x509.Certificate.load(document)]


_trust_lock = threading.Lock()


@functools.cache
def trusted_certificates() -> tuple[x509.Certificate, ...]:
    """The certificates a token's signer must chain to (loaded once per process)."""
    with _trust_lock:
        if settings.TSA_CA_FILE:
            path = Path(settings.TSA_CA_FILE)
            try:
                document = path.read_bytes()
            except OSError as exc:
                raise ImproperlyConfigured(f"TSA_CA_FILE: {path} cannot be read ({exc}).") from exc
        elif settings.SANDBOX_TRUST:
            document = fetch_ca_document(settings.TSA_CA_URL)
        else:
            raise ImproperlyConfigured("TSA_CA_FILE is not set: name the PEM file of the TSA's root certificate.")
        try:
            certificates = parse_certificates(document)
        except ValueError as exc:
            raise ImproperlyConfigured(f"The TSA certificates (TSA_CA_FILE / TSA_CA_URL) do not parse: {exc}") from exc
        if not certificates:
            raise ImproperlyConfigured("The TSA certificates (TSA_CA_FILE / TSA_CA_URL) hold no certificate.")
        return tuple(certificates)


def validation_context(*, moment: datetime | None = None) -> ValidationContext:
    """A pyHanko validation context that trusts the configured TSA certificates."""
    return ValidationContext(trust_roots=list(trusted_certificates()), moment=moment, allow_fetching=False)


# -- the client ------------------------------------------------------------------------------------


class TimeStampResponse(core.Sequence):
    """RFC 3161's TimeStampResp, whose token is absent when the TSA refuses (asn1crypto's
    ``tsp.TimeStampResp`` requires it, so a refusal would not even parse)."""

    _fields = [("status", tsp.PKIStatusInfo), ("time_stamp_token", cms.ContentInfo, {"optional": True})]


def _granted_token(response: TimeStampResponse, nonce: int | None) -> cms.ContentInfo:
    status = response["status"]
    if status["status"].native not in {"granted", "granted_with_mods"}:
        texts = "; ".join(status["status_string"].native or [])
        failures = ", ".join(sorted(status["fail_info"].native or []))
        raise TimestampUnavailable(f"The time-stamping authority refused the request ({failures}): {texts}")
    token = response["time_stamp_token"]
    if token.native is None:
        raise TimestampUnavailable("The time-stamping authority granted the request but sent no token.")
    info = token["content"]["encap_content_info"]["content"].parsed
    if nonce is not None and info["nonce"].native != nonce:
        raise TimestampUnavailable("The time-stamping authority answered another request (its nonce differs).")
    return token


class PortalTimeStamper(TimeStamper):
    """pyHanko's ``TimeStamper`` over the portal's line to the TSA (``post_query``)."""

    def __init__(self, url: str):
        super().__init__(include_nonce=True)
        self.url = url

    def token_for(self, request: tsp.TimeStampReq) -> cms.ContentInfo:
        """Sends ``request``; the token the TSA granted (``TimestampUnavailable`` otherwise)."""
        status, media_type, body = post_query(self.url, request.dump())
        if status != 200 or media_type != MEDIA_TYPE_REPLY:
            raise TimestampUnavailable(f"The time-stamping authority answered {status} {media_type or '(no type)'}.")
        try:
            response = TimeStampResponse.load(body)
            response.native  # noqa: B018 (parses it whole: a malformed answer fails here)
            nonce = request["nonce"].native
            return _granted_token(response, nonce)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise TimestampUnavailable("The time-stamping authority's answer is not a usable TimeStampResp.") from exc

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        # One short exchange on a kept connection: not worth a thread. pyHanko checks the
        # status and nonce again on what this returns.
        token = self.token_for(req)
        return tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token})


@functools.cache
def timestamper() -> PortalTimeStamper:
    """The TSA as a pyHanko ``TimeStamper`` (one per process: it keeps the dummy token pyHanko
    sizes signatures with, so signing a PDF asks the TSA once, not twice)."""
    return PortalTimeStamper(settings.TSA_URL)


def timestamp(data: bytes) -> bytes:
    """The DER TimeStampToken (a CMS ContentInfo) over SHA-256 of ``data``, checked."""
    stamper = timestamper()
    _nonce, request = stamper.request_cms(hashlib.sha256(data).digest(), DIGEST_ALGORITHM)
    token = stamper.token_for(request).dump()
    try:
        verify_timestamp(token, data)
    except TimestampInvalid as exc:
        raise TimestampUnavailable(f"The time-stamping authority's token does not check: {exc}") from exc
    return token


def _tst_info(token: bytes) -> tuple[cms.SignedData, tsp.TSTInfo]:
    try:
        content_info = cms.ContentInfo.load(token)
        if content_info["content_type"].native != "signed_data":
            raise ValueError("not SignedData")
        signed_data = content_info["content"]
        encapsulated = signed_data["encap_content_info"]
        if encapsulated["content_type"].native != "tst_info":
            raise ValueError("not a TSTInfo")
        info = encapsulated["content"].parsed
        info.native  # noqa: B018 (parses it whole)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise TimestampInvalid("malformed", f"Not an RFC 3161 time-stamp token: {exc}") from exc
    return signed_data, info


def token_time(token: bytes) -> datetime:
    """The time a token states, unverified (for display; ``verify_timestamp`` to rely on it)."""
    return _tst_info(token)[1]["gen_time"].native


def verify_timestamp(token: bytes, data: bytes) -> datetime:
    """The time ``token`` certifies for ``data``; ``TimestampInvalid`` (with its ``reason``) if it
    is not a valid token of a trusted TSA over exactly these bytes."""
    signed_data, info = _tst_info(token)
    algorithm = info["message_imprint"]["hash_algorithm"]["algorithm"].native
    if algorithm not in _DIGESTS:
        raise TimestampInvalid("imprint", f"The token's imprint uses {algorithm}, not an accepted digest.")
    expected = hashlib.new(algorithm, data).digest()
    if info["message_imprint"]["hashed_message"].native != expected:
        raise TimestampInvalid("imprint", "The token was issued for other data.")
    stamped_at = info["gen_time"].native
    try:
        # The certificates are checked as of the stamp's time: a token stays valid after the
        # TSA's certificate expires, as long as it was valid when it signed.
        status_kwargs = run_sync(
            lambda: validate_tst_signed_data(
                signed_data, validation_context(moment=stamped_at), lambda name: hashlib.new(name, data).digest()
            )
        )
        status = TimestampSignatureStatus(**status_kwargs)
    except (SignatureValidationError, ValueError, TypeError, KeyError) as exc:
        raise TimestampInvalid("signature", f"The token's signature cannot be checked: {exc}") from exc
    if not (status.intact and status.valid):
        raise TimestampInvalid("signature", "The time-stamping authority's signature over the token does not verify.")
    if not status.trusted:
        raise TimestampInvalid(
            "untrusted", "The token is not signed by a time-stamping authority the portal trusts (TSA_CA_FILE)."
        )
    return stamped_at


@receiver(setting_changed)
def _forget(*, setting, **kwargs):
    if setting in {"TSA_URL", "TSA_CA_FILE", "TSA_CA_URL", "SANDBOX_TRUST"}:
        trusted_certificates.cache_clear()
        timestamper.cache_clear()
