"""The HTTP/1.1 line between the portal and the agencies: persistent connections, one set per thread.

Built on the standard library's ``http.client`` rather than a general-purpose client: a fetch
is one POST of a small signed token and one small answer, and on the machines we measure a
general client's layers cost about as much CPU as the rest of the exchange. What it keeps:

- keep-alive: each thread keeps one connection per agency address, made again after a fork;
- a connection the agency has closed while idle is noticed before it is used (the socket is
  readable), so a request is never sent into a dead connection and never re-sent;
- timeouts per operation (connecting, sending, each read), as the agency's ``timeout_seconds``;
- https with the system's certificate authorities and host name checks;
- a cap on the size of an answer.

No proxy is used: the standard connection is a direct line to the agencies.
"""

from __future__ import annotations

import http.client
import os
import select
import ssl
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

USER_AGENT = "civil-petition-portal/1 standard-connection"


class TransportTimeout(Exception):
    """The agency did not connect, accept or answer within the timeout."""


class TransportError(Exception):
    """The agency could not be reached, or the connection broke."""


@dataclass(frozen=True)
class Answer:
    status_code: int
    headers: dict[str, str]
    content: bytes
    truncated: bool = False  # the answer was larger than the cap: only the cap was read


class _Connections(threading.local):
    def __init__(self):
        self.pid = os.getpid()
        self.open: dict[tuple[str, str, int], http.client.HTTPConnection] = {}


_local = _Connections()
_tls_context: ssl.SSLContext | None = None


def _context() -> ssl.SSLContext:
    global _tls_context
    if _tls_context is None:
        _tls_context = ssl.create_default_context()
    return _tls_context


def _dropped(connection: http.client.HTTPConnection) -> bool:
    """Whether an idle connection was closed by the other side (or has unread bytes: unusable)."""
    sock = connection.sock
    if sock is None:
        return True
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def _connection(scheme: str, host: str, port: int, timeout: float) -> http.client.HTTPConnection:
    if _local.pid != os.getpid():  # a forked child must not share its parent's sockets
        _local.open = {}
        _local.pid = os.getpid()
    key = (scheme, host, port)
    connection = _local.open.get(key)
    if connection is not None and _dropped(connection):
        connection.close()
        connection = None
    if connection is None:
        if scheme == "https":
            connection = http.client.HTTPSConnection(host, port, timeout=timeout, context=_context())
        else:
            connection = http.client.HTTPConnection(host, port, timeout=timeout)
        _local.open[key] = connection
    else:
        connection.timeout = timeout
        connection.sock.settimeout(timeout)
    return connection


def _discard(key) -> None:
    connection = _local.open.pop(key, None)
    if connection is not None:
        connection.close()


def request(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float,
    max_bytes: int,
) -> Answer:
    """Sends one request and reads the answer (at most ``max_bytes`` of it).

    Raises ``TransportTimeout`` or ``TransportError``; an answer with any status is returned.
    """
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise TransportError(f"not an http(s) address: {parts.scheme or '?'}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    key = (parts.scheme, parts.hostname, port)
    target = parts.path or "/"
    if parts.query:
        target += f"?{parts.query}"
    sent_headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity", **(headers or {})}
    try:
        connection = _connection(parts.scheme, parts.hostname, port, timeout)
        connection.request(method, target, body=body, headers=sent_headers)
        response = connection.getresponse()
        content = (
            response.read(max_bytes + 1) if response.length is None or response.length > max_bytes else response.read()
        )
        truncated = len(content) > max_bytes
        if truncated or response.will_close or not response.isclosed():
            _discard(key)  # unread bytes left, or the agency closes: not reusable
        return Answer(
            response.status,
            {name.lower(): value for name, value in response.getheaders()},
            content[:max_bytes] if truncated else content,
            truncated,
        )
    except TimeoutError as exc:
        _discard(key)
        raise TransportTimeout(type(exc).__name__) from exc
    except (OSError, http.client.HTTPException, ssl.SSLError) as exc:
        _discard(key)
        raise TransportError(type(exc).__name__) from exc


def close_all() -> None:
    """Closes this thread's connections (tests, shutdown)."""
    for key in list(_local.open):
        _discard(key)
