"""Starts the development site: the web server and a Celery worker, until Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation

from petitions.api.demo import AGENCY_CLIENT_ID, SANDBOX_APP_CLIENT_ID
from portal.celery import ensure_broker_folders
from portal.demo import ACCOUNT_NOTES, ACCOUNTS, DEMO_DELEGATION, DEMO_PASSWORD, DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Runs the web server on ADDRESS together with a Celery worker (with beat); Ctrl-C stops both."

    def add_arguments(self, parser):
        parser.add_argument("--address", default="127.0.0.1:8000")

    def handle(self, *args, address, **options):
        ensure_broker_folders()
        self._prepare_document_fonts()
        python = sys.executable
        env = os.environ.copy()
        # The worker time-stamps documents at the sandbox TSA this web server serves.
        env.setdefault("TSA_URL", f"http://{address}/sandbox/tsa/")
        env.setdefault("TSA_CA_URL", f"http://{address}/sandbox/tsa/ca.pem")
        queues = ",".join(settings.PORTAL_WORKER_QUEUES())
        processes = {
            "web": subprocess.Popen([python, "manage.py", "runserver", "--noreload", address], env=env),
            "worker": subprocess.Popen(
                # -B: the worker also runs Celery beat (the daily retention job, CELERY_BEAT_SCHEDULE).
                [
                    python,
                    "-m",
                    "celery",
                    "-A",
                    "portal",
                    "worker",
                    "--pool=threads",
                    "--concurrency=8",
                    "--loglevel=INFO",
                    "-Q",
                    queues,
                    "-B",
                    f"--schedule={settings.CELERY_BEAT_SCHEDULE_FILENAME}",
                ],
                env=env,
            ),
        }
        self._banner(address)
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                for name, process in processes.items():
                    if process.poll() is not None:
                        self.stderr.write(f"The {name} process stopped (exit {process.returncode}); stopping the rest.")
                        stopping = True
                time.sleep(0.5)
        finally:
            for process in processes.values():
                if process.poll() is None:
                    process.terminate()
            deadline = time.monotonic() + 10
            for process in processes.values():
                try:
                    process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    process.kill()
            self.stdout.write("Stopped.")

    def _prepare_document_fonts(self) -> None:
        """E-documents embed fonts converted from the vendored ones, once per font cache (var/fonts):
        some seconds of CPU. Done here, before the worker starts, rather than in the first receipt's
        render, which runs in a transaction: on SQLite that would hold the database's write lock
        (and keep every citizen filing at that moment waiting) for as long."""
        from sharing.documents.rendering import html_to_pdf

        self.stdout.write("Preparing the e-document fonts (slow only the first time) …")
        html_to_pdf('<html lang="ko"><body><p>민원 포털 Civil petition portal 0123456789</p></body></html>')

    def _banner(self, address: str) -> None:
        lines = [
            "",
            "=" * 64,
            f"  Civil petition portal: http://{address}/",
            f"  Admin: http://{address}/admin/",
            f"  Demo accounts (password {DEMO_PASSWORD}):",
        ]
        with translation.override("en"):
            for username, role, name, *_rest, totp in ACCOUNTS:
                extra = "  + TOTP" if totp else ""
                note = f"  ({ACCOUNT_NOTES[username]})" if username in ACCOUNT_NOTES else ""
                lines.append(f"    {username:<12} {str(role.label):<14} {name}{extra}{note}")
        lines += [
            f"  Delegation: {DEMO_DELEGATION['delegate']} may file for {DEMO_DELEGATION['principal']} (대리 신청)",
            f"  TOTP secret of the officials and admin: {DEMO_TOTP_SECRET} (base32)",
            f"  Open API: http://{address}/api/v1/docs/",
            f"    sandbox app (citizens authorise it): client id {SANDBOX_APP_CLIENT_ID}; as citizen1 open",
            f"      http://{address}/oauth/authorize/?response_type=code&client_id={SANDBOX_APP_CLIENT_ID}"
            f"&redirect_uri=http://{address}/my/apps/&scope=petitions.read&code_challenge=<S256 of your verifier>"
            "&code_challenge_method=S256",
            "      then swap the code (in the address bar of /my/apps/) at /oauth/token/ within 60 s",
            f"    Jongno office system (client credentials, scopes lookups inbox): client id {AGENCY_CLIENT_ID},",
            "      secret as printed by seed_demo; e.g. GET /api/v1/agency/inbox/ with its token",
            "  Press Ctrl-C to stop the web server and the worker.",
            "=" * 64,
            "",
        ]
        self.stdout.write("\n".join(lines))
