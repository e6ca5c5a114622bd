"""Issued documents cannot change: not through the ORM, the admin, or the database."""

import hashlib
import io
from datetime import timedelta

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from sharing.documents import codes
from sharing.documents.errors import ImmutableDocumentError
from sharing.documents.models import DocumentRequest, EDocument
from sharing.documents.services import documents_retention_purge

from .factories import issued_document

pytestmark = pytest.mark.django_db


def test_stored_document_has_hash_code_seal_and_file(document):
    with document.file.open("rb") as handle:
        content = handle.read()
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.size == len(content)
    assert codes.normalize(document.verification_code) == document.verification_code
    assert document.seal.count(".") == 2 and ".." in document.seal  # detached payload
    assert document.seal_kid


def test_saving_an_existing_document_is_refused(document):
    document.title = "changed"
    with pytest.raises(ImmutableDocumentError):
        document.save()
    with pytest.raises(ImmutableDocumentError):
        document.save(update_fields=["title"])
    document.refresh_from_db()
    assert document.title == "민원 접수증"


def test_queryset_update_and_delete_are_refused(document):
    with pytest.raises(ImmutableDocumentError):
        EDocument.objects.filter(pk=document.pk).update(sha256="0" * 64)
    with pytest.raises(ImmutableDocumentError):
        EDocument.objects.all().delete()
    with pytest.raises(ImmutableDocumentError):
        EDocument.objects.bulk_update([document], ["title"])
    with pytest.raises(ImmutableDocumentError):
        document.delete()
    assert EDocument.objects.filter(pk=document.pk, sha256=document.sha256).exists()


def test_the_database_refuses_an_update_that_bypasses_the_orm(document):
    table = EDocument._meta.db_table
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET sha256 = %s WHERE id = %s", ["0" * 64, document.pk])
    document.refresh_from_db()
    assert document.sha256 != "0" * 64


def test_a_storage_name_is_never_reused(document, citizen, office):
    with pytest.raises(IntegrityError), transaction.atomic():
        EDocument.objects.create(
            kind="receipt",
            title="x",
            case_ref="2026-0000123",
            owner=citizen,
            issuing_office=office,
            file=document.file.name,
            media_type="application/pdf",
            size=1,
            sha256="0" * 64,
            verification_code=codes.generate(),
            seal="x..y",
            seal_kid="k",
            idempotency_key="other",
        )
    second = issued_document(owner=citizen, office=office)
    assert second.file.name != document.file.name


def test_a_correction_supersedes_and_the_old_version_stays(document, citizen, office):
    correction = issued_document(owner=citizen, office=office, supersedes=document)
    document = EDocument.objects.get(pk=document.pk)
    assert document.is_superseded and document.superseded_by == correction
    assert not correction.is_superseded
    assert list(EDocument.objects.valid()) == [correction]
    with pytest.raises(IntegrityError), transaction.atomic():
        issued_document(owner=citizen, office=office, supersedes=document)  # one correction per version


def test_only_the_retention_job_deletes_and_only_past_retention(citizen, office, settings):
    settings.EDOCUMENT_RETENTION_DAYS = 30
    old_time = timezone.now() - timedelta(days=40)
    old = issued_document(owner=citizen, office=office, issued_at=old_time)
    old_corrected = issued_document(owner=citizen, office=office, issued_at=old_time)
    recent_correction = issued_document(owner=citizen, office=office, supersedes=old_corrected)
    fresh = issued_document(owner=citizen, office=office)
    old_name = old.file.name
    storage = old.file.storage

    assert documents_retention_purge() == 1

    remaining = set(EDocument.objects.values_list("pk", flat=True))
    assert remaining == {old_corrected.pk, recent_correction.pk, fresh.pk}
    assert not storage.exists(old_name)


def test_retention_deletes_a_whole_expired_chain(citizen, office, settings):
    settings.EDOCUMENT_RETENTION_DAYS = 30
    first = issued_document(owner=citizen, office=office, issued_at=timezone.now() - timedelta(days=50))
    issued_document(owner=citizen, office=office, supersedes=first, issued_at=timezone.now() - timedelta(days=40))
    assert documents_retention_purge() == 2
    assert not EDocument.objects.exists()


def test_an_owner_with_documents_cannot_be_deleted(document, citizen):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        citizen.delete()


# --- the admin: read-only ------------------------------------------------------------------


def test_admin_lists_and_shows_documents_read_only(admin_client_verified, document):
    changelist = admin_client_verified.get(reverse("admin:documents_edocument_changelist"))
    assert changelist.status_code == 200
    assert document.display_code in changelist.content.decode()
    assert b'name="action"' not in changelist.content  # no bulk delete action
    change = admin_client_verified.get(reverse("admin:documents_edocument_change", args=[document.pk]))
    assert change.status_code == 200
    assert b'type="submit"' not in change.content or b'name="_save"' not in change.content


def test_admin_cannot_add_change_or_delete(admin_client_verified, document):
    url = reverse("admin:documents_edocument_change", args=[document.pk])
    response = admin_client_verified.post(url, {"title": "forged", "sha256": "0" * 64})
    assert response.status_code == 403
    assert admin_client_verified.get(reverse("admin:documents_edocument_add")).status_code == 403
    delete_url = reverse("admin:documents_edocument_delete", args=[document.pk])
    assert admin_client_verified.get(delete_url).status_code == 403
    assert admin_client_verified.post(delete_url, {"post": "yes"}).status_code == 403
    document.refresh_from_db()
    assert document.title == "민원 접수증"


def test_admin_document_requests_are_read_only(admin_client_verified, citizen, office):
    from .factories import receipt_request

    request = receipt_request(owner=citizen, office=office)
    assert admin_client_verified.get(reverse("admin:documents_documentrequest_changelist")).status_code == 200
    url = reverse("admin:documents_documentrequest_change", args=[request.pk])
    assert admin_client_verified.post(url, {"state": "issued"}).status_code == 403
    assert DocumentRequest.objects.get(pk=request.pk).state == DocumentRequest.State.PENDING


def test_files_of_rolled_back_transactions_are_swept(citizen, office):
    from django.core.files.storage import default_storage
    from django.core.management import call_command

    from sharing.documents.services import documents_orphan_files_purge

    kept = issued_document(owner=citizen, office=office)

    class Refused(Exception):
        pass

    with pytest.raises(Refused), transaction.atomic():
        orphan = issued_document(owner=citizen, office=office)
        orphan_name = orphan.file.name
        raise Refused  # e.g. the petition's second upload was refused
    assert default_storage.exists(orphan_name)
    assert not EDocument.objects.filter(file=orphan_name).exists()

    assert documents_orphan_files_purge() == 0  # too young: its transaction might still be open
    assert documents_orphan_files_purge(older_than=timedelta(0), now=timezone.now() + timedelta(seconds=1)) == 1
    assert not default_storage.exists(orphan_name)
    assert default_storage.exists(kept.file.name)

    out = io.StringIO()
    call_command("purge_expired_documents", stdout=out)
    assert "0 e-document(s)" in out.getvalue()
    assert EDocument.objects.filter(pk=kept.pk).exists()
