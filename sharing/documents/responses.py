"""The HTTP response that hands out a stored file (an issued document or an upload).

Whatever a file holds, no script in it runs in the portal's origin: PDFs and anything but
the re-encoded images are downloaded, never shown in the browser (``attachment``), and every
file response carries ``Content-Security-Policy: sandbox`` (a browser that shows it anyway
treats it as a page of a unique origin with scripts, forms and plugins off) and ``nosniff``.
The file name is given twice (RFC 6266): an ASCII fallback and the real name in UTF-8
(``filename*``, RFC 5987), so that Korean names survive in every browser.
"""

from __future__ import annotations

from urllib.parse import quote

from django.http import FileResponse

from .models import EDocument

# Re-encoded by Pillow on upload (attachments.py): safe to show in an <img>.
INLINE_MEDIA_TYPES = {"image/jpeg", "image/png"}
FILE_CSP = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"


def content_disposition(disposition: str, *, filename: str, fallback: str) -> str:
    safe_fallback = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "_" for ch in fallback)
    return f"{disposition}; filename=\"{safe_fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def document_file_response(document: EDocument, handle, *, inline_images: bool = False) -> FileResponse:
    inline = inline_images and document.media_type in INLINE_MEDIA_TYPES
    response = FileResponse(handle, content_type=document.media_type)
    response["Content-Disposition"] = content_disposition(
        "inline" if inline else "attachment",
        filename=document.download_filename,
        fallback=document.ascii_download_filename,
    )
    response["Content-Security-Policy"] = FILE_CSP
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
