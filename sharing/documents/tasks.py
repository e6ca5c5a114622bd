"""Celery tasks of the e-document store (queue "documents"); they take ids and are idempotent."""

from __future__ import annotations

import logging
import threading

from celery import shared_task

from .models import DocumentRequest

logger = logging.getLogger(__name__)

MAX_RETRIES = 3
# One render at a time per process: Pango and fontconfig under WeasyPrint are not safe to use from
# several threads at once (a threads-pool worker, as ``make run`` starts, corrupted GLib's heap).
# Rendering is CPU-bound, so a process gains nothing from rendering two at once anyway.
_render_lock = threading.Lock()


@shared_task(name="sharing.documents.tasks.render_document", bind=True, acks_late=True, max_retries=MAX_RETRIES)
def render_document(self, document_request_id: int) -> str | None:
    """Renders the document of a request; running it twice stores one document."""
    from . import services

    try:
        with _render_lock:
            document = services.document_render(document_request_id=document_request_id)
    except DocumentRequest.DoesNotExist:
        logger.warning("document request %s no longer exists", document_request_id)
        return None
    except Exception as exc:
        # Run in-process (eager: development without a worker, tests) there is no later to retry at.
        if self.request.retries < MAX_RETRIES and not self.request.is_eager:
            logger.warning("rendering request %s failed (%s); retrying", document_request_id, exc.__class__.__name__)
            raise self.retry(exc=exc, countdown=5 * 2**self.request.retries) from None
        logger.exception("rendering request %s failed for good", document_request_id)
        services.document_request_fail(document_request_id=document_request_id, error_code=exc.__class__.__name__)
        return None
    return str(document.public_id)


@shared_task(name="sharing.documents.tasks.document_requests_recover", ignore_result=True)
def document_requests_recover() -> int:
    """Beat, every minute: renders whose task died with a worker are queued again."""
    from datetime import timedelta

    from django.conf import settings

    from . import services

    return services.document_requests_requeue_stalled(
        stalled_after=timedelta(seconds=settings.DOCUMENT_STALLED_AFTER_SECONDS)
    )
