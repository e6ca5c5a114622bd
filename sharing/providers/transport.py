"""The HTTP/1.1 line between the portal and the agencies: urllib3's connection pools, one per agency address.

Built on urllib3 (a maintained client) rather than by hand on ``http.client``: measured, its layers
cost the worker little next to the rest of a fetch. ``tests/bench/test_transport_bench.py`` (client
CPU per exchange: POST of an 824-byte signed token, 1.5 KB answer, kept connection, 3000 exchanges
x 5 alternating rounds), run as
``.venv/bin/python -m pytest tests/bench/test_transport_bench.py -p no:cacheprovider -s -o addopts=""``
on 2026-12-06, 2-core development machine (shared, load 1.7-2.5), two runs each:

- the hand-written ``http.client`` transport this replaced (bench at commit 1714762): 67-70 us;
- this module (urllib3 2.8 ``HTTPConnectionPool``, one per address): 131 us; urllib3's
  ``PoolManager`` instead: 151-161 us;

so +61-64 us per fetch, about 0.9 % of the worker's ~6.8 ms CPU per fetch (``test_fetch_bench.py``).

What it keeps:

- keep-alive: each agency address has a pool of kept connections shared by the threads (one
  connection per thread in use at once), made again after a fork;
- a connection the agency has closed while idle is noticed before it is used (urllib3 checks
  that the socket is not readable), and retries are off: a request is never re-sent;
- timeouts per operation (connecting, each read), as the agency's ``timeout_seconds``;
- https with the system's certificate authorities and host name checks;
- a cap on the size of an answer.

No proxy is used: the standard connection is a direct line to the agencies.
"""

from __future__ import annotations

import os
import ssl
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from urllib3.exceptions import HTTPError, NewConnectionError
from urllib3.exceptions import TimeoutError as Urllib3Timeout

USER_AGENT = "civil-petition-portal/1 standard-connection"
# Kept connections per agency address: one per worker thread in use at once (the threads pool
# runs 8); more threads than this still get a connection, closed after its exchange.
POOL_SIZE = 16


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


_lock = threading.Lock()
_pid = os.getpid()
_pools: dict[tuple[str, str, int], urllib3.HTTPConnectionPool] = {}
_tls_context: ssl.SSLContext | None = None


def _context() -> ssl.SSLContext:
    global _tls_context
    if _tls_context is None:
        _tls_context = ssl.create_default_context()  # the system's authorities, host names checked
    return _tls_context


def _pool(scheme: str, host: str, port: int) -> urllib3.HTTPConnectionPool:
    global _pid, _pools
    key = (scheme, host, port)
    pool = _pools.get(key) if _pid == os.getpid() else None
    if pool is not None:
        return pool
    with _lock:
        if _pid != os.getpid():  # a forked child must not share its parent's sockets
            _pools = {}
            _pid = os.getpid()
        pool = _pools.get(key)
        if pool is None:
            if scheme == "https":
                pool = urllib3.HTTPSConnectionPool(
                    host, port, maxsize=POOL_SIZE, block=False, retries=False, ssl_context=_context()
                )
            else:
                pool = urllib3.HTTPConnectionPool(host, port, maxsize=POOL_SIZE, block=False, retries=False)
            _pools[key] = pool
        return pool


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
    target = parts.path or "/"
    if parts.query:
        target += f"?{parts.query}"
    sent_headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity", **(headers or {})}
    try:
        response = _pool(parts.scheme, parts.hostname, port).urlopen(
            method,
            target,
            body=body,
            headers=sent_headers,
            retries=False,  # never re-sent, not even into a connection that broke under it
            redirect=False,
            timeout=urllib3.Timeout(connect=timeout, read=timeout),
            preload_content=False,
            decode_content=False,
        )
        reusable = False
        try:
            content = response.read(max_bytes + 1, decode_content=False)
            truncated = len(content) > max_bytes
            reusable = not truncated  # unread bytes left: the connection is not used again
            return Answer(
                response.status,
                {name.lower(): value for name, value in response.headers.items()},
                content[:max_bytes] if truncated else content,
                truncated,
            )
        finally:
            if not reusable:  # cut short, or broken while reading: its bytes must not answer the next request
                response.close()
            response.release_conn()  # back to the pool (a closed one is made again before use)
    except NewConnectionError as exc:  # urllib3 makes it a kind of connect timeout: it is a refusal
        raise TransportError(type(exc).__name__) from exc
    except Urllib3Timeout as exc:
        raise TransportTimeout(type(exc).__name__) from exc
    except (HTTPError, OSError) as exc:
        raise TransportError(type(exc).__name__) from exc


def close_all() -> None:
    """Closes the kept connections (tests, shutdown)."""
    with _lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.close()
