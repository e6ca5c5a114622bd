"""Checks an uploaded file by its content, not its name: PDF, JPEG or PNG only.

A PDF must parse (pypdf) and have pages; an image must decode (Pillow) and is re-encoded,
which drops its metadata (EXIF with location, comments, thumbnails). The result is what
gets stored, never the upload as it came.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import AttachmentRejected

PDF_MAGIC = b"%PDF-"
JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_IMAGE_PIXELS = 60_000_000


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    media_type: str
    extension: str


def max_bytes() -> int:
    return int(getattr(settings, "ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))


def _read_limited(uploaded_file) -> bytes:
    limit = max_bytes()
    too_big = AttachmentRejected(
        _("The file is larger than %(limit)s. Please upload a smaller file.") % {"limit": filesizeformat(limit)}
    )
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > limit:
        raise too_big
    if hasattr(uploaded_file, "seek"):
        uploaded_file.seek(0)
    content = uploaded_file.read(limit + 1)
    if len(content) > limit:
        raise too_big
    if not content:
        raise AttachmentRejected(_("The file is empty."))
    return content


def _check_pdf(content: bytes) -> CheckedFile:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise AttachmentRejected(_("The PDF is password-protected. Please upload it without a password."))
        if len(reader.pages) < 1:
            raise AttachmentRejected(_("The PDF has no pages."))
    except AttachmentRejected:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError, OSError):
        raise AttachmentRejected(_("The file looks like a PDF but cannot be read. It may be damaged.")) from None
    return CheckedFile(content=content, media_type="application/pdf", extension="pdf")


def _check_image(content: bytes, *, expected: str) -> CheckedFile:
    damaged = AttachmentRejected(_("The image cannot be read. It may be damaged."))
    try:
        with Image.open(io.BytesIO(content)) as probe:
            if probe.format != expected:
                raise damaged
            if probe.width * probe.height > MAX_IMAGE_PIXELS:
                raise AttachmentRejected(_("The image has too many pixels. Please scan it at a lower resolution."))
            probe.verify()
        with Image.open(io.BytesIO(content)) as image:
            image.load()
            # Apply the camera's rotation before the EXIF block that holds it is dropped.
            image = ImageOps.exif_transpose(image)
            # Keep only what the pixels need: the colour profile and transparency.
            image.info = {key: image.info[key] for key in ("icc_profile", "transparency") if key in image.info}
            output = io.BytesIO()
            if expected == "JPEG":
                if image.mode not in ("RGB", "L"):
                    image = image.convert("RGB")
                image.save(output, format="JPEG", quality=90, optimize=True)
                return CheckedFile(content=output.getvalue(), media_type="image/jpeg", extension="jpg")
            if image.mode not in ("RGB", "RGBA", "L", "LA", "P", "1"):
                image = image.convert("RGBA")
            image.save(output, format="PNG", optimize=False)
            return CheckedFile(content=output.getvalue(), media_type="image/png", extension="png")
    except AttachmentRejected:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError, EOFError):
        raise damaged from None


def inspect_upload(uploaded_file) -> CheckedFile:
    """The checked (and for images, re-encoded) file; raises AttachmentRejected otherwise."""
    content = _read_limited(uploaded_file)
    if content.startswith(PDF_MAGIC):
        return _check_pdf(content)
    if content.startswith(JPEG_MAGIC):
        return _check_image(content, expected="JPEG")
    if content.startswith(PNG_MAGIC):
        return _check_image(content, expected="PNG")
    raise AttachmentRejected(
        _("Only PDF, JPEG and PNG files can be attached. This file is of another type, whatever its name says.")
    )
