"""A render whose task died with a worker comes back with beat's sweep, once per period."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sharing.documents.models import DocumentRequest, EDocument
from sharing.documents.tasks import document_requests_recover

from .factories import receipt_request

pytestmark = pytest.mark.django_db


def test_a_render_left_pending_is_queued_again_and_issued_once(
    citizen, office, settings, django_capture_on_commit_callbacks
):
    settings.DOCUMENT_STALLED_AFTER_SECONDS = 300
    lost = receipt_request(owner=citizen, office=office)  # its task never ran (on_commit not run)
    recent = receipt_request(owner=citizen, office=office, key="recent-receipt")
    DocumentRequest.objects.filter(pk=lost.pk).update(updated_at=timezone.now() - timedelta(minutes=6))
    with django_capture_on_commit_callbacks(execute=True):
        assert document_requests_recover.apply().get() == 1
    lost.refresh_from_db()
    recent.refresh_from_db()
    assert lost.state == DocumentRequest.State.ISSUED and recent.state == DocumentRequest.State.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        assert document_requests_recover.apply().get() == 0
    assert EDocument.objects.count() == 1


def test_a_render_queued_again_is_left_alone_while_its_task_waits(
    citizen, office, settings, django_capture_on_commit_callbacks
):
    settings.DOCUMENT_STALLED_AFTER_SECONDS = 300
    request = receipt_request(owner=citizen, office=office)
    DocumentRequest.objects.filter(pk=request.pk).update(updated_at=timezone.now() - timedelta(minutes=6))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert document_requests_recover.apply().get() == 1
    assert len(callbacks) == 1  # one render queued (not run here: it waits in the queue)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert document_requests_recover.apply().get() == 0
    assert callbacks == []
