"""A small client for ClamAV's daemon (clamd) over its INSTREAM protocol.

Configured by ``CLAMD_SOCKET`` (a Unix socket path) or ``CLAMD_HOST``/``CLAMD_PORT`` (TCP);
when neither is set there is no scanner and ``scanner_configured()`` is false. The protocol:
send ``zINSTREAM\\0``, then chunks each prefixed by their length as a 4-byte big-endian
integer, then a zero length; clamd answers ``stream: OK\\0`` or
``stream: <signature> FOUND\\0`` (or ``... ERROR``).
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

from django.conf import settings

CHUNK = 64 * 1024


class ScannerUnavailable(Exception):
    """clamd could not be reached or gave no usable answer."""


@dataclass(frozen=True)
class ScanResult:
    clean: bool
    signature: str = ""


def scanner_configured() -> bool:
    return bool(getattr(settings, "CLAMD_SOCKET", "") or getattr(settings, "CLAMD_HOST", ""))


def _connect() -> socket.socket:
    timeout = float(getattr(settings, "CLAMD_TIMEOUT", 30))
    path = getattr(settings, "CLAMD_SOCKET", "")
    try:
        if path:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            sock.connect(path)
            return sock
        return socket.create_connection(
            (settings.CLAMD_HOST, int(getattr(settings, "CLAMD_PORT", 3310))), timeout=timeout
        )
    except OSError as exc:
        raise ScannerUnavailable(f"cannot connect to clamd: {exc.__class__.__name__}") from exc


def scan_bytes(content: bytes) -> ScanResult:
    with _connect() as sock:
        try:
            sock.sendall(b"zINSTREAM\0")
            for start in range(0, len(content), CHUNK):
                chunk = content[start : start + CHUNK]
                sock.sendall(struct.pack("!L", len(chunk)) + chunk)
            sock.sendall(struct.pack("!L", 0))
            answer = b""
            while not answer.endswith(b"\0"):
                part = sock.recv(4096)
                if not part:
                    break
                answer += part
        except OSError as exc:
            raise ScannerUnavailable(f"clamd stream failed: {exc.__class__.__name__}") from exc
    text = answer.rstrip(b"\0").decode("utf-8", "replace").strip()
    if text.endswith("OK"):
        return ScanResult(clean=True)
    if text.endswith("FOUND"):
        signature = text.removeprefix("stream:").strip().removesuffix("FOUND").strip()
        return ScanResult(clean=False, signature=signature)
    raise ScannerUnavailable(f"unexpected clamd answer: {text[:80]!r}")
