"""The Celery application of the portal.

Configuration comes from Django settings (``CELERY_*``). In development the broker is
kombu's filesystem transport under ``var/``; production and CI use Redis.
"""

import os
from pathlib import Path

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect(weak=False, dispatch_uid="portal.close_old_connections.prerun")
@task_postrun.connect(weak=False, dispatch_uid="portal.close_old_connections.postrun")
def close_old_connections(sender=None, **kwargs) -> None:
    """Around every task, what Django does around every request: close the database connections
    that are broken or older than ``CONN_MAX_AGE``, keep the others.

    Celery's Django fix-up would close every connection before and after each task (unless
    ``CELERY_DB_REUSE_MAX`` is set, see settings), so that each task paid for a new PostgreSQL
    connection and server process: more CPU than a whole fetch otherwise takes.
    """
    if sender is None or getattr(sender.request, "is_eager", False):
        return  # an eager task runs inside the caller's transaction
    from django.db import close_old_connections as close

    close()


def ensure_broker_folders() -> None:
    """The filesystem transport does not create its folders itself."""
    options = app.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)
