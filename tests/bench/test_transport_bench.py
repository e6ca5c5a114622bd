"""Transport benchmark (``make bench``): the client's CPU per exchange, the portal's transport
(``sharing.providers.transport``, on urllib3) against other ways of making the same exchange.

One exchange is what a fetch sends an agency: a POST of a small signed token (about 800 bytes)
with the fetch's headers, answered by a small body (a compact JOSE token of about 1.5 KB) over a
kept connection. The agency is a minimal HTTP/1.1 keep-alive server in a process of its own, so
that only the client's work is counted: CPU time (``time.process_time``, user + system of this
process), not wall time, as the machine is shared. Four clients, in alternating rounds:

- ``transport``: ``sharing.providers.transport.request`` as the portal calls it (urllib3's
  ``HTTPConnectionPool``, one per agency address, held by the module);
- ``urllib3 PoolManager``: the same function written on urllib3's ``PoolManager`` (retries off,
  no redirects, the size cap, errors mapped), the other way to use urllib3;
- ``urllib3 HTTPConnectionPool, bare``: the pool's ``urlopen`` with the body preloaded, the least
  a urllib3 client can do per exchange;
- ``http.client by hand``: a kept ``http.client`` connection, checked for a hang-up before use,
  as the hand-written transport that urllib3 replaced did (its floor: no URL parsing, no cap).

The difference is related to the worker's CPU per fetch (``test_fetch_bench.py``; the README's
Performance table: ~6–7 ms). Knobs: ``BENCH_TRANSPORT_EXCHANGES`` (per round, default 3000),
``BENCH_TRANSPORT_ROUNDS`` (default 5), ``BENCH_FETCH_CPU_MS`` (the fetch's worker CPU the
difference is related to, default 6.8). Prints figures; asserts only that every answer came back.
"""

from __future__ import annotations

import http.client
import multiprocessing
import os
import select
import socket
import socketserver
import statistics
import threading
import time

import urllib3

from sharing.providers import transport

EXCHANGES = int(os.environ.get("BENCH_TRANSPORT_EXCHANGES", "3000"))
ROUNDS = int(os.environ.get("BENCH_TRANSPORT_ROUNDS", "5"))
FETCH_CPU_MS = float(os.environ.get("BENCH_FETCH_CPU_MS", "6.8"))

TOKEN = b"eyJhbGciOiJFUzI1NiIsImtpZCI6InBvcnRhbC0xIiwidHlwIjoiYXBwbGljYXRpb24vc2hhcmluZy1yZXF1ZXN0K2p3dCJ9." + (
    b"A" * 640 + b"." + b"B" * 86
)
HEADERS = {
    "Content-Type": "application/jose",
    "Accept": "application/jose",
    "Request-Timeout": "5",
}
ANSWER = b"eyJhbGciOiJFQ0RILUVTIiwiZW5jIjoiQTI1NkdDTSJ9." + b"C" * 1400 + b"." + b"D" * 86
# What gunicorn and Django's middleware put around an agency's answer.
ANSWER_HEAD = (
    b"HTTP/1.1 200 OK\r\n"
    b"Server: gunicorn\r\n"
    b"Date: Sun, 06 Dec 2026 05:00:00 GMT\r\n"
    b"Connection: keep-alive\r\n"
    b"Content-Type: application/jose\r\n"
    b"X-Frame-Options: DENY\r\n"
    b"Vary: Cookie\r\n"
    b"X-Content-Type-Options: nosniff\r\n"
    b"Referrer-Policy: same-origin\r\n"
    b"Cross-Origin-Opener-Policy: same-origin\r\n"
    b"Content-Length: " + str(len(ANSWER)).encode() + b"\r\n\r\n"
)
MAX_BYTES = 2 * 1024 * 1024  # as standard_http.MAX_RESPONSE_BYTES


class _Agency(socketserver.StreamRequestHandler):
    """Reads requests off one kept connection and answers each with the same small token."""

    def handle(self):
        while True:
            length = 0
            line = self.rfile.readline(65537)
            if not line:
                return
            while line not in (b"\r\n", b"\n", b""):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
                line = self.rfile.readline(65537)
            if length:
                self.rfile.read(length)
            self.wfile.write(ANSWER_HEAD + ANSWER)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def _serve(port_out):
    server = _Server(("127.0.0.1", 0), _Agency)
    server.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    port_out.put(server.server_address[1])
    threading.Timer(900, server.shutdown).start()  # stops by itself if the bench does not stop it
    server.serve_forever()


# --- urllib3 written as the replacement would be -------------------------------------------
_pools = urllib3.PoolManager(num_pools=32, maxsize=8, block=False, retries=False)


def _urllib3_request(method, url, *, body=None, headers=None, timeout, max_bytes):
    sent_headers = {"User-Agent": transport.USER_AGENT, "Accept-Encoding": "identity", **(headers or {})}
    try:
        response = _pools.request(
            method,
            url,
            body=body,
            headers=sent_headers,
            timeout=urllib3.Timeout(connect=timeout, read=timeout),
            retries=False,
            redirect=False,
            preload_content=False,
            decode_content=False,
        )
        content = response.read(max_bytes + 1, decode_content=False)
        truncated = len(content) > max_bytes
        if truncated:
            response.close()  # unread bytes left: not reusable
        else:
            response.release_conn()
        return transport.Answer(
            response.status,
            {name.lower(): value for name, value in response.headers.items()},
            content[:max_bytes] if truncated else content,
            truncated,
        )
    except urllib3.exceptions.TimeoutError as exc:
        raise transport.TransportTimeout(type(exc).__name__) from exc
    except urllib3.exceptions.HTTPError as exc:
        raise transport.TransportError(type(exc).__name__) from exc


def test_transport_cpu_per_exchange():
    context = multiprocessing.get_context("spawn")
    ports = context.Queue()
    server = context.Process(target=_serve, args=(ports,), daemon=True)
    server.start()
    try:
        port = ports.get(timeout=30)
        url = f"http://127.0.0.1:{port}/sandbox/agencies/mois/items/resident_abstract/"
        bare_pool = urllib3.HTTPConnectionPool("127.0.0.1", port, maxsize=1, retries=False)
        bare_headers = {"User-Agent": transport.USER_AGENT, "Accept-Encoding": "identity", **HEADERS}
        path = "/sandbox/agencies/mois/items/resident_abstract/"
        bare_timeout = urllib3.Timeout(connect=5, read=5)

        by_hand = http.client.HTTPConnection("127.0.0.1", port, timeout=5)

        def run_by_hand():
            sock = by_hand.sock
            if sock is not None and select.select([sock], [], [], 0)[0]:
                by_hand.close()
            by_hand.request("POST", path, body=TOKEN, headers=bare_headers)
            response = by_hand.getresponse()
            return response.status, len(response.read())

        def run_transport():
            answer = transport.request("POST", url, body=TOKEN, headers=HEADERS, timeout=5, max_bytes=MAX_BYTES)
            return answer.status_code, len(answer.content)

        def run_pool_manager():
            answer = _urllib3_request("POST", url, body=TOKEN, headers=HEADERS, timeout=5, max_bytes=MAX_BYTES)
            return answer.status_code, len(answer.content)

        def run_bare_pool():
            response = bare_pool.urlopen(
                "POST", path, body=TOKEN, headers=bare_headers, retries=False, redirect=False, timeout=bare_timeout
            )
            return response.status, len(response.data)

        clients = {
            "transport (urllib3)": run_transport,
            "urllib3 PoolManager": run_pool_manager,
            "urllib3 pool, bare": run_bare_pool,
            "http.client by hand": run_by_hand,
        }
        for client in clients.values():  # warm up: connections open, code paths loaded
            for _ in range(200):
                assert client() == (200, len(ANSWER))
        cpu: dict[str, list[float]] = {name: [] for name in clients}
        wall: dict[str, list[float]] = {name: [] for name in clients}
        for round_number in range(ROUNDS):
            order = list(clients.items())
            if round_number % 2:
                order.reverse()
            for name, client in order:
                wall_started, cpu_started = time.perf_counter(), time.process_time()
                for _ in range(EXCHANGES):
                    client()
                cpu[name].append((time.process_time() - cpu_started) / EXCHANGES)
                wall[name].append((time.perf_counter() - wall_started) / EXCHANGES)
                assert client() == (200, len(ANSWER))
        transport.close_all()
        bare_pool.close()
        by_hand.close()
        _pools.clear()
    finally:
        server.terminate()
        server.join(10)

    print()
    print(
        f"transport bench: {EXCHANGES} exchanges x {ROUNDS} alternating rounds, POST {len(TOKEN)} B token -> "
        f"{len(ANSWER)} B answer, kept connection, urllib3 {urllib3.__version__}; {os.cpu_count()} CPUs, "
        f"load {os.getloadavg()[0]:.1f}"
    )
    base = statistics.median(cpu["transport (urllib3)"])
    for name in clients:
        median = statistics.median(cpu[name])
        extra = median - base
        print(
            f"  {name:21s} CPU per exchange median {median * 1e6:.0f} us "
            f"(rounds {', '.join(f'{value * 1e6:.0f}' for value in cpu[name])}); "
            f"wall {statistics.median(wall[name]) * 1e6:.0f} us; "
            f"vs transport {extra * 1e6:+.0f} us = {extra * 1000 / FETCH_CPU_MS:+.1%} of a fetch's worker CPU "
            f"({FETCH_CPU_MS} ms)"
        )
