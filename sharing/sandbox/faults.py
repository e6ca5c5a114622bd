"""The faults a sandbox agency simulates, drawn per transaction so that tests are repeatable.

Every random draw is a hash of (agency, txn id, what is drawn): the same request meets the
same fate, a retry (a new txn id) draws again.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import socket
import socketserver
import time
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings

from .models import SandboxAgency


def draw(agency_code: str, txn_key: str, what: str) -> float:
    """A number in [0, 1) fixed by the agency, the transaction and the kind of draw."""
    digest = hashlib.sha256(f"{agency_code}\x1f{txn_key}\x1f{what}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


@dataclass(frozen=True)
class FaultPlan:
    """What happens to one request."""

    delay_seconds: float = 0.0
    down: bool = False
    error: bool = False
    timeout: bool = False
    tamper_signature: bool = False
    malformed: bool = False


def plan_for(agency: SandboxAgency, txn_key: str) -> FaultPlan:
    delay_ms: float = agency.latency_ms
    if agency.jitter_ms:
        delay_ms += agency.jitter_ms * draw(agency.code, txn_key, "jitter")
    return FaultPlan(
        delay_seconds=delay_ms / 1000,
        down=agency.down,
        error=agency.error_rate > 0 and draw(agency.code, txn_key, "error") < agency.error_rate,
        timeout=agency.timeout_rate > 0 and draw(agency.code, txn_key, "timeout") < agency.timeout_rate,
        tamper_signature=agency.tamper_signature,
        malformed=agency.malformed,
    )


def timeout_hold_seconds(agency: SandboxAgency, request_timeout_header: str | None) -> float:
    """How long a request that times out is held: longer than the client waits.

    The agency's own setting wins; otherwise the client's timeout: from a ``Request-Timeout``
    header (seconds), else from the portal's ``Agency.timeout_seconds`` when the sandbox is
    mounted in the portal's own site, else ``SANDBOX_TIMEOUT_HOLD_SECONDS``; plus one second.
    """
    if agency.timeout_ms:
        return agency.timeout_ms / 1000
    client_timeout = _seconds(request_timeout_header)
    if client_timeout is None:
        client_timeout = _portal_timeout(agency.code)
    if client_timeout is None:
        client_timeout = float(getattr(settings, "SANDBOX_TIMEOUT_HOLD_SECONDS", 30))
    return client_timeout + 1.0


def _seconds(value) -> float | None:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if 0 < seconds <= 600 else None


def _portal_timeout(agency_code: str) -> float | None:
    try:
        portal_agency = apps.get_model("sharing", "Agency")
    except LookupError:
        return None
    value = portal_agency.objects.filter(code=agency_code).values_list("timeout_seconds", flat=True).first()
    return _seconds(value)


def sleep(seconds: float) -> None:
    if seconds > 0:
        time.sleep(seconds)


def close_connection(environ: dict) -> bool:
    """Closes the client's connection without an answer, as a down agency would.

    WSGI gives an application no handle on the socket, so this uses what the server offers:
    gunicorn's ``gunicorn.socket``, or the request handler of a ``socketserver`` based server
    (Django's runserver and the test live server) found up the call stack. Returns False on
    any other server; the caller then answers 503 instead.
    """
    connection = environ.get("gunicorn.socket")
    if connection is None:
        frame = inspect.currentframe()
        try:
            while frame is not None:
                handler = frame.f_locals.get("self")
                if isinstance(handler, socketserver.StreamRequestHandler):
                    connection = handler.connection
                    break
                frame = frame.f_back
        finally:
            del frame
    if not isinstance(connection, socket.socket):
        return False
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)
    return True
