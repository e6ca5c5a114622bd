"""Liveness and readiness probes for the load balancer and the orchestrator."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

logger = logging.getLogger(__name__)


def check_database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_broker() -> None:
    url = settings.CELERY_BROKER_URL
    with Connection(url, connect_timeout=2, transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS) as connection:
        connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
        if url.startswith("filesystem://"):
            from portal.celery import ensure_broker_folders

            ensure_broker_folders()


def check_storage() -> None:
    name = default_storage.save(f"health/{uuid.uuid4().hex}.probe", ContentFile(b"ok"))
    default_storage.delete(name)


CHECKS = {"database": check_database, "broker": check_broker, "storage": check_storage}


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    results = {}
    failing = []
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # noqa: BLE001 (any failure of a dependency means "not ready")
            logger.warning("readiness check %s failed: %s", name, exc.__class__.__name__)
            results[name] = "unavailable"
            failing.append(name)
        else:
            results[name] = "ok"
    status = 503 if failing else 200
    body: dict[str, Any] = {"status": "unavailable" if failing else "ok", "checks": results}
    if failing:
        body["failing"] = failing
    return JsonResponse(body, status=status)
