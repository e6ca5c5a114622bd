"""Writes of the e-document store: request, render, store, attach, download, purge."""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from . import codes, pades, rendering
from .attachments import inspect_upload
from .clamd import ScannerUnavailable, scan_bytes, scanner_configured
from .errors import AttachmentRejected, DocumentRequestConflict
from .models import DocumentRequest, EDocument, Kind
from .seal import seal_header, seal_sign

logger = logging.getLogger(__name__)

LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}
STORAGE_ROOT = "edocuments"


def verify_url(code: str) -> str:
    return f"{settings.SITE_URL}/verify/?code={codes.display(code)}"


def _storage_name(*, public_id: uuid.UUID, extension: str, issued_at) -> str:
    return f"{STORAGE_ROOT}/{issued_at:%Y/%m}/{public_id.hex}.{extension}"


def _document_store(
    *,
    content: bytes,
    media_type: str,
    extension: str,
    kind: str,
    title: str,
    case_ref: str,
    owner,
    issuing_office,
    language: str,
    idempotency_key: str,
    verification_code: str | None = None,
    issued_at=None,
    supersedes: EDocument | None = None,
    subject_hash: str = "",
    contains_personal_data: bool = True,
    title_en: str = "",
) -> EDocument:
    """Stores the bytes under a new, never reused name, seals them and writes the row.

    Runs inside the caller's transaction; if the row cannot be written, the file is removed.
    """
    issued_at = issued_at or timezone.now()
    code = verification_code or codes.generate()
    sha256 = hashlib.sha256(content).hexdigest()
    seal = seal_sign(sha256=sha256, verification_code=code)
    public_id = uuid.uuid4()
    wanted = _storage_name(public_id=public_id, extension=extension, issued_at=issued_at)
    if default_storage.exists(wanted):
        raise IntegrityError("storage name already taken")
    name = default_storage.save(wanted, ContentFile(content))
    try:
        with transaction.atomic():
            document = EDocument(
                public_id=public_id,
                kind=kind,
                title=title[:200],
                title_en=title_en[:200],
                case_ref=case_ref,
                owner=owner,
                issuing_office=issuing_office,
                file=name,
                media_type=media_type,
                size=len(content),
                sha256=sha256,
                verification_code=code,
                seal=seal,
                seal_kid=seal_header(seal).get("kid", ""),
                language=language,
                issued_at=issued_at,
                supersedes=supersedes,
                subject_hash=subject_hash,
                contains_personal_data=contains_personal_data,
                idempotency_key=idempotency_key,
            )
            document.save(force_insert=True)
    except BaseException:
        default_storage.delete(name)
        raise
    return document


@transaction.atomic
def document_request(
    *,
    kind: str,
    case_ref: str,
    owner,
    issuing_office,
    template_name: str,
    context: dict,
    language: str,
    title: str,
    idempotency_key: str,
    title_en: str = "",
    subject_hash: str = "",
    supersedes: EDocument | None = None,
    contains_personal_data: bool = True,
) -> DocumentRequest:
    """Asks for a document to be rendered from ``template_name`` (queue "documents").

    Idempotent by ``idempotency_key``: asking twice returns the same request (and, once
    rendered, the same document); a request that had failed is queued again. A correction
    names the document it ``supersedes``.
    """
    if kind not in Kind.values or kind == Kind.ATTACHMENT:
        raise ValueError(f"Documents of kind {kind!r} are not rendered from templates.")
    try:
        json.dumps(context)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"The context of a document must be JSON-serialisable: {exc}") from exc
    language = language if language in LANGUAGE_CODES else settings.LANGUAGE_CODE
    request, created = DocumentRequest.objects.select_for_update().get_or_create(
        idempotency_key=idempotency_key,
        defaults={
            "kind": kind,
            "case_ref": case_ref,
            "owner": owner,
            "issuing_office": issuing_office,
            "template_name": template_name,
            "context": context,
            "language": language,
            "title": title[:200],
            "title_en": title_en[:200],
            "subject_hash": subject_hash,
            "supersedes": supersedes,
            "contains_personal_data": contains_personal_data,
        },
    )
    if not created:
        if (request.kind, request.case_ref, request.owner_id) != (kind, case_ref, owner.pk):
            raise DocumentRequestConflict(_("This idempotency key was already used for another document."))
        if request.state != DocumentRequest.State.FAILED:
            return request
        request.state = DocumentRequest.State.PENDING
        request.error_code = ""
        request.save(update_fields=["state", "error_code", "updated_at"])
    _queue_render(request.pk)
    return request


def document_requests_requeue_stalled(*, stalled_after: timedelta) -> int:
    """Queues again the renders still pending after ``stalled_after`` (their task died with a
    worker; the broker would give it back only after its visibility timeout). Rendering twice
    stores one document. A request queued again is touched, so the next sweeps leave it alone
    for another ``stalled_after`` while its task waits."""
    now = timezone.now()
    stalled = DocumentRequest.objects.filter(state=DocumentRequest.State.PENDING, updated_at__lt=now - stalled_after)
    count = 0
    for pk, updated_at in stalled.values_list("pk", "updated_at").iterator(chunk_size=500):
        if DocumentRequest.objects.filter(pk=pk, state=DocumentRequest.State.PENDING, updated_at=updated_at).update(
            updated_at=now
        ):
            _queue_render(pk)
            count += 1
    return count


def _queue_render(document_request_id: int) -> None:
    from .tasks import render_document

    transaction.on_commit(lambda: render_document.delay(document_request_id))


def _render_context(request: DocumentRequest, *, code: str, issued_at) -> dict:
    office = request.issuing_office
    with override(request.language):
        kind_label = str(Kind(request.kind).label)
        office_name = office.name
    return {
        **request.context,
        "doc": {
            "title": request.title_in(request.language),
            "kind": request.kind,
            "kind_label": kind_label,
            "subject": f"{kind_label} — {request.case_ref}",
            "case_ref": request.case_ref,
            "office_name": office_name,
            "language": request.language,
            "issued_at": timezone.localtime(issued_at),
            "issued_at_iso": issued_at.isoformat(),
            "code": code,
            "code_display": codes.display(code),
            "verify_url": verify_url(code),
            "qr": rendering.qr_data_uri(verify_url(code)),
            # A correction says which document it replaces (its code and when it was issued).
            "supersedes": _superseded_facts(request.supersedes),
        },
    }


def _superseded_facts(document: EDocument | None) -> dict | None:
    if document is None:
        return None
    return {
        "code_display": codes.display(document.verification_code),
        "issued_at": timezone.localtime(document.issued_at),
    }


def document_render(*, document_request_id: int) -> EDocument:
    """Renders, signs (PAdES), seals and stores the document of a request; the second run changes
    nothing.

    The PDF is rendered before the transaction that stores it: a render takes 0.1-0.4 s (and the
    first one in a process, converting the font, much longer), and on SQLite an open write
    transaction holds the whole database's lock, so filers waited on every render (issue 13.7).
    Two renders of one request racing each other store one document: the idempotency key is unique
    and the second one takes the first one's.
    """
    related = ("issuing_office", "owner", "supersedes", "document")
    request = DocumentRequest.objects.select_related(*related).get(pk=document_request_id)
    if request.document is not None:
        return request.document
    existing = EDocument.objects.filter(idempotency_key=request.idempotency_key).first()
    pdf = b""
    issued_at = timezone.now()
    code = ""
    if existing is None:
        code = codes.generate()
        pdf = rendering.render_pdf(
            template_name=request.template_name,
            context=_render_context(request, code=code, issued_at=issued_at),
            language=request.language,
        )
        # Signed as PAdES (sealing certificate and time stamp inside): the file proves itself
        # without the portal. The database's seal below is made over the signed bytes.
        pdf = pades.pdf_sign(pdf)
    with transaction.atomic():
        request = (
            DocumentRequest.objects.select_for_update(of=("self",)).select_related(*related).get(pk=document_request_id)
        )
        if request.document is not None:
            return request.document
        if existing is None:
            existing = EDocument.objects.filter(idempotency_key=request.idempotency_key).first()
        if existing is None:
            try:
                with transaction.atomic():  # a savepoint: the transaction survives a duplicate key
                    existing = _document_store(
                        content=pdf,
                        media_type="application/pdf",
                        extension="pdf",
                        kind=request.kind,
                        title=request.title,
                        title_en=request.title_en,
                        case_ref=request.case_ref,
                        owner=request.owner,
                        issuing_office=request.issuing_office,
                        language=request.language,
                        idempotency_key=request.idempotency_key,
                        verification_code=code,
                        issued_at=issued_at,
                        supersedes=request.supersedes,
                        subject_hash=request.subject_hash,
                        contains_personal_data=request.contains_personal_data,
                    )
            except IntegrityError:
                # Another worker stored it first (a database without row locks): use theirs.
                existing = EDocument.objects.get(idempotency_key=request.idempotency_key)
        request.document = existing
        request.state = DocumentRequest.State.ISSUED
        request.error_code = ""
        request.attempts += 1
        request.save(update_fields=["document", "state", "error_code", "attempts", "updated_at"])
    logger.info("e-document %s issued for request %s", existing.public_id, request.pk)
    return existing


@transaction.atomic
def document_request_fail(*, document_request_id: int, error_code: str) -> None:
    request = DocumentRequest.objects.select_for_update().get(pk=document_request_id)
    if request.document_id:
        return
    request.state = DocumentRequest.State.FAILED
    request.error_code = error_code[:100]
    request.attempts += 1
    request.save(update_fields=["state", "error_code", "attempts", "updated_at"])


ATTACHMENT_TITLE = gettext_lazy("Attachment")


def _in(language: str, text) -> str:
    with override(language):
        return str(text)


@transaction.atomic
def attachment_store(
    *, uploaded_file, case_ref: str, owner, issuing_office, title: str, title_en: str = "", subject_hash: str = ""
) -> EDocument:
    """Checks an upload by content (PDF/JPEG/PNG, size, virus scan) and stores it.

    Raises AttachmentRejected with a message for the citizen; nothing is stored then.
    """
    checked = inspect_upload(uploaded_file)
    if scanner_configured():
        try:
            result = scan_bytes(checked.content)
        except ScannerUnavailable as exc:
            logger.warning("virus scanner unavailable: %s", exc)
            raise AttachmentRejected(
                _("The file could not be checked for viruses just now. Please try again in a few minutes.")
            ) from None
        if not result.clean:
            logger.warning("upload refused by the virus scanner (signature %s)", result.signature)
            raise AttachmentRejected(_("The file was refused because the virus scanner found malware in it."))
    return _document_store(
        content=checked.content,
        media_type=checked.media_type,
        extension=checked.extension,
        kind=Kind.ATTACHMENT,
        title=title or _in("ko", ATTACHMENT_TITLE),
        title_en=title_en if title else _in("en", ATTACHMENT_TITLE),
        case_ref=case_ref,
        owner=owner,
        issuing_office=issuing_office,
        language=getattr(owner, "preferred_language", settings.LANGUAGE_CODE),
        idempotency_key=f"attachment:{uuid.uuid4().hex}",
        # Whose it is when that is not the owner (a delegation letter: the principal's), so that
        # every download lands in that person's access log.
        subject_hash=subject_hash,
    )


def document_open(*, document: EDocument, actor, ip_address: str | None):
    """Opens a document's file for download and writes the access-log entry it needs."""
    if document.contains_personal_data:
        from sharing.audit import log_personal_data_access

        log_personal_data_access(
            action="downloaded",
            subject_hash=document.subject_hash,
            case_ref=document.case_ref,
            office=document.issuing_office,
            actor=actor,
            item_code=f"edocument:{document.kind}",
            fields=[],
            purpose="edocument_download",
            ip_address=ip_address,
            detail=str(document.public_id),
        )
    return document.file.open("rb")


def _stored_names(storage, folder: str):
    directories, files = storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}"
    for directory in directories:
        yield from _stored_names(storage, f"{folder}/{directory}")


def documents_orphan_files_purge(*, older_than: timedelta = timedelta(hours=1), now=None) -> int:
    """Deletes stored files that no document row names: left behind when the transaction
    that stored them rolled back (a petition refused after its first upload) or a worker
    died between writing the file and committing. Young files are left alone: their
    transaction may still be open."""
    now = now or timezone.now()
    storage = default_storage
    try:
        names = list(_stored_names(storage, STORAGE_ROOT))
    except FileNotFoundError:
        return 0
    known = set(EDocument.objects.filter(file__in=names).values_list("file", flat=True))
    removed = 0
    for name in names:
        if name in known or storage.get_modified_time(name) > now - older_than:
            continue
        storage.delete(name)
        removed += 1
    if removed:
        logger.info("removed %d stored files that no e-document names", removed)
    return removed


def documents_retention_purge(*, now=None) -> int:
    """Deletes documents older than EDOCUMENT_RETENTION_DAYS: the only way documents go.

    A document replaced by a correction goes together with, never before, its newest version.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=int(getattr(settings, "EDOCUMENT_RETENTION_DAYS", 3650)))
    deleted = 0
    expired = EDocument.objects.filter(issued_at__lt=cutoff).order_by("-issued_at", "-id")
    for document in expired.iterator(chunk_size=200):
        try:
            with transaction.atomic():
                document._delete_for_retention()
        except ProtectedError:
            continue  # its correction is still within the retention period
        deleted += 1
    DocumentRequest.objects.filter(created_at__lt=cutoff, document__isnull=True).delete()
    logger.info("retention purge deleted %d e-documents issued before %s", deleted, cutoff.date())
    return deleted
