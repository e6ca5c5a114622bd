"""Open API benchmark (``make bench``): the catalogue and a petition-status read, over HTTP
against gunicorn, with requests per second and latency percentiles.

The issue's target is >= 200 requests/s with p95 < 100 ms for each. This prints the figures and
asserts nothing on time (the machine is shared). Set-up: the demo catalogue, one citizen with a
filed petition and an access token of an app they authorised; gunicorn (gthread,
``BENCH_API_WORKERS`` x ``BENCH_API_THREADS``, default 2 x 4) on the test database, with the
cache of ``CACHE_URL`` (Redis in CI: the throttle counts there) and the access log on the
database. The load: ``BENCH_API_CLIENTS`` (default 8) client processes with keep-alive
connections, each sending requests one after the other for ``BENCH_API_SECONDS`` (default 10)
per endpoint, after a warm-up. Every status read is an access-log entry (the chain's lock is
part of what is measured).

gunicorn runs as the README deploys it, with DEBUG=0 (the production settings), like the load
bench's stack (tests/bench/load/stack.py): the secret key, the field-encryption keys and the key
files of the test process (so the rows it made decrypt and hash alike in gunicorn), plain HTTP
on 127.0.0.1 (no TLS redirect, no secure-only cookies: nothing a reverse proxy would change on
these two paths).
"""

from __future__ import annotations

import base64
import http.client
import multiprocessing
import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from tests.bench.processes import cpu_seconds

BASE_DIR = Path(__file__).resolve().parents[2]
WORKERS = int(os.environ.get("BENCH_API_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_API_THREADS", "4"))
CLIENTS = int(os.environ.get("BENCH_API_CLIENTS", "8"))
SECONDS = float(os.environ.get("BENCH_API_SECONDS", "10"))

pytestmark = pytest.mark.django_db(transaction=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return f"sqlite:///{db['NAME']}"


def _client(port: int, path: str, headers: dict, until: float, queue) -> None:
    """One client: requests one after the other on a keep-alive connection until ``until``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies, errors = [], 0
    while time.monotonic() < until:
        start = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        latencies.append(time.perf_counter() - start)
        if response.status != 200:
            errors += 1
    conn.close()
    queue.put((latencies, errors))


def _run(port: int, path: str, headers: dict, seconds: float) -> dict:
    queue: multiprocessing.Queue = multiprocessing.Queue()
    until = time.monotonic() + seconds
    started = time.monotonic()
    processes = [
        multiprocessing.Process(target=_client, args=(port, path, headers, until, queue)) for _ in range(CLIENTS)
    ]
    for process in processes:
        process.start()
    results = [queue.get() for _ in processes]
    for process in processes:
        process.join()
    elapsed = time.monotonic() - started
    latencies = sorted(latency for found, _errors in results for latency in found)
    errors = sum(errors for _found, errors in results)
    quantiles = statistics.quantiles(latencies, n=100)
    return {
        "requests": len(latencies),
        "errors": errors,
        "per_second": len(latencies) / elapsed,
        "p50_ms": quantiles[49] * 1000,
        "p95_ms": quantiles[94] * 1000,
        "p99_ms": quantiles[98] * 1000,
    }


def test_catalogue_and_petition_status_throughput(office):
    from oauth2_provider.models import AccessToken, Application

    from petitions.demo import petition_types_seed
    from petitions.identity import resident_link_set
    from sharing.demo import seed as catalogue_seed
    from tests.factories import CITIZEN1, CitizenFactory
    from tests.petitions.factories import PetitionFactory, PetitionTypeFactory

    catalogue_seed()
    petition_types_seed()
    citizen = CitizenFactory(username="bench-citizen")
    resident_link_set(user=citizen, record=CITIZEN1)
    petition = PetitionFactory(applicant=citizen, petition_type=PetitionTypeFactory(handling_office=office))
    app = Application.objects.create(
        name="Bench app",
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://bench.example/callback",
        algorithm="",
    )
    token = AccessToken.objects.create(
        user=citizen,
        application=app,
        token=secrets.token_urlsafe(30),
        expires=timezone.now() + timedelta(hours=2),
        scope="petitions.read",
    )

    from sharing import keys

    keys.signing_keys(), keys.encryption_keys()  # the key files exist before gunicorn reads them
    port = _free_port()
    env = os.environ.copy()
    for name in ("DJANGO_SETTINGS_MODULE", "PYTEST_ADDOPTS"):
        env.pop(name, None)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DEBUG": "0",
            "SECRET_KEY": settings.SECRET_KEY,
            "FIELD_ENCRYPTION_KEYS": ",".join(
                base64.urlsafe_b64encode(key).decode() for key in settings.FIELD_ENCRYPTION_KEYS
            ),
            "SUBJECT_HASH_KEY": settings.SUBJECT_HASH_KEY,
            "PORTAL_SIGNING_KEY_FILES": ",".join(settings.PORTAL_SIGNING_KEY_FILES),
            "PORTAL_ENCRYPTION_KEY_FILES": ",".join(settings.PORTAL_ENCRYPTION_KEY_FILES),
            "SITE_URL": f"http://127.0.0.1:{port}",
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "SECURE_HSTS_SECONDS": "0",
            "STATIC_ROOT": str(settings.STATIC_ROOT),
            "DATABASE_URL": _database_url(),
            "DATABASE_CONN_MAX_AGE": "600",
            "PORTAL_VAR_DIR": os.environ.get("PORTAL_VAR_DIR", str(settings.VAR_DIR)),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LOG_LEVEL": "WARNING",
            # Generous limits: the rate per client is not what is measured here.
            "API_RATE_ANONYMOUS": "1000000/minute",
            "API_RATE_CLIENT": "1000000/minute",
            "PYTHONPATH": str(BASE_DIR),
        }
    )
    web = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--worker-class",
            "gthread",
            "--workers",
            str(WORKERS),
            "--threads",
            str(THREADS),
            "--log-level",
            "warning",
        ],
        cwd=BASE_DIR,
        env=env,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or web.poll() is not None:
                    raise
                time.sleep(0.3)
        cases = {
            "catalogue": ("/api/v1/catalogue/types/", {}),
            "petition status": (
                f"/api/v1/me/petitions/{petition.receipt_no}/status/",
                {"Authorization": f"Bearer {token.token}"},
            ),
        }
        print(
            f"\nopen API over gunicorn (DEBUG off) {WORKERS}x{THREADS} threads, {CLIENTS} clients, "
            f"{SECONDS:.0f} s each, "
            f"database {connection.vendor}, cache {'redis' if os.environ.get('CACHE_URL') else 'file'}"
        )
        for name, (path, headers) in cases.items():
            _run(port, path, headers, 2)  # warm-up: connections, caches, prepared statements
            cpu_before = cpu_seconds(web.pid)
            figures = _run(port, path, headers, SECONDS)
            cpu = cpu_seconds(web.pid) - cpu_before
            print(
                f"{name:16} {figures['per_second']:7.1f} req/s  p50 {figures['p50_ms']:6.1f} ms  "
                f"p95 {figures['p95_ms']:6.1f} ms  p99 {figures['p99_ms']:6.1f} ms  "
                f"({figures['requests']} requests, {figures['errors']} not 200, "
                f"gunicorn CPU {1000 * cpu / max(figures['requests'], 1):.2f} ms/request)"
            )
            assert figures["errors"] == 0
    finally:
        os.killpg(web.pid, 15)
        web.wait(timeout=30)
