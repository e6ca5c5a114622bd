"""A real Celery worker process consumes a task and its answer reaches the test.

In CI the broker and result backend are Redis (CELERY_BROKER_URL); without it, kombu's
filesystem transport in a temporary folder plays the broker, as in `make run`.
"""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from celery import Celery

pytestmark = pytest.mark.worker

ROOT = Path(__file__).resolve().parents[2]


def test_a_real_worker_runs_a_task_and_the_test_sees_its_result(tmp_path, monkeypatch):
    broker_url = os.environ.get("CELERY_BROKER_URL", "")
    env = os.environ.copy() | {"DJANGO_SETTINGS_MODULE": "portal.settings", "PORTAL_VAR_DIR": str(tmp_path)}
    if broker_url.startswith("redis"):
        backend = broker_url
        transport_options = {}
    else:
        broker_url = "filesystem://"
        backend = f"file://{tmp_path / 'results'}"
        (tmp_path / "results").mkdir()
        broker_dir = tmp_path / "celery" / "broker"
        broker_dir.mkdir(parents=True)
        (tmp_path / "celery" / "control").mkdir()
        transport_options = {
            "data_folder_in": str(broker_dir),
            "data_folder_out": str(broker_dir),
            "control_folder": str(tmp_path / "celery" / "control"),
        }
    env |= {"CELERY_BROKER_URL": broker_url, "CELERY_RESULT_BACKEND": backend}
    queue = f"test-{uuid.uuid4().hex[:12]}"

    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    # Celery lets CELERY_BROKER_URL in the environment win over the app's own setting.
    monkeypatch.setenv("CELERY_BROKER_URL", broker_url)
    probe = Celery("probe", broker=broker_url, backend=backend)
    probe.conf.broker_transport_options = transport_options
    try:
        token = uuid.uuid4().hex
        result = probe.send_task("portal.tasks.worker_echo", args=[token], queue=queue)
        try:
            answer = result.get(timeout=90)
        except Exception as exc:
            worker.terminate()
            raise AssertionError(worker.communicate(timeout=20)[0].decode(errors="replace")[-3000:]) from exc
        assert answer["token"] == token
        assert answer["worker"]
    finally:
        worker.terminate()
        try:
            output, _ = worker.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()
        probe.close()
    assert b"Traceback" not in output, output.decode(errors="replace")[-2000:]


@pytest.mark.django_db(transaction=True)
def test_tasks_keep_their_database_connection_as_requests_do():
    """Celery's Django fix-up would close every connection around every task (a new PostgreSQL
    connection per task); the worker keeps them as Django does between requests instead."""
    from django.db import connection

    from portal.celery import app, close_old_connections

    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("an in-memory SQLite database ignores close(); PostgreSQL (CI) runs this test")
    assert app.conf.db_reuse_max >= 10**6  # the fix-up's own closing is off
    task = type("Task", (), {"request": type("Request", (), {"is_eager": False})()})()
    connection.ensure_connection()
    connection.close_at = None  # kept: no maximum age
    close_old_connections(sender=task)
    assert connection.connection is not None
    connection.close_at = 0  # older than CONN_MAX_AGE: closed
    close_old_connections(sender=task)
    assert connection.connection is None
