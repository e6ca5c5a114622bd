"""Checks an uploaded file by its content, not its name: PDF, JPEG or PNG only.

A PDF must parse (pypdf) and have pages. Active content is taken out of it: actions run on
opening or on events (/OpenAction, /AA), JavaScript (the document's /JavaScript name tree,
/JS anywhere), actions that launch programs, open other files or send data (/Launch, /GoToR,
/GoToE, /SubmitForm, /ImportData, rich media), embedded files and portfolios, XFA forms, and
the annotations that carry media or files. A PDF with any of these is rewritten without them
(its pages, text and images stay; a digital signature over the original no longer verifies);
a PDF without them is stored byte for byte. An image must decode (Pillow) and is re-encoded,
which drops its metadata (EXIF with location, comments, thumbnails). The result is what gets
stored.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import AttachmentRejected

logger = logging.getLogger(__name__)

PDF_MAGIC = b"%PDF-"
JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_IMAGE_PIXELS = 60_000_000

# Keys removed from any dictionary of a PDF, whatever their value.
PDF_ACTIVE_KEYS = (
    "/OpenAction",
    "/AA",
    "/JS",
    "/JavaScript",
    "/EmbeddedFiles",
    "/EF",
    "/XFA",
    "/Collection",
    "/RichMediaContent",
)
# Actions that run code, start programs, open other files or send data out.
PDF_ACTIVE_ACTIONS = {
    "/JavaScript",
    "/Launch",
    "/SubmitForm",
    "/ImportData",
    "/GoToR",
    "/GoToE",
    "/RichMediaExecute",
    "/Rendition",
    "/Movie",
    "/Sound",
}
# Annotations that carry files or media.
PDF_ACTIVE_ANNOTATIONS = {"/FileAttachment", "/RichMedia", "/Screen", "/Movie", "/Sound", "/3D"}


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    media_type: str
    extension: str
    # What was taken out of a PDF (PDF names such as "/OpenAction"); empty when nothing was.
    removed: tuple[str, ...] = field(default=())


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
        removed, cleaned = _without_active_content(reader)
    except AttachmentRejected:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError, OSError):
        raise AttachmentRejected(_("The file looks like a PDF but cannot be read. It may be damaged.")) from None
    if removed:
        logger.info("active content removed from an uploaded PDF: %s", ", ".join(removed))
        return CheckedFile(content=cleaned, media_type="application/pdf", extension="pdf", removed=removed)
    return CheckedFile(content=content, media_type="application/pdf", extension="pdf")


def _active_action(value) -> str | None:
    """The kind of action (``/JavaScript``, ...) when ``value`` is one that runs something, else None."""
    from pypdf.generic import DictionaryObject

    action = value.get_object() if value is not None else None
    if isinstance(action, DictionaryObject) and action.get("/S") in PDF_ACTIVE_ACTIONS:
        return str(action["/S"])
    return None


def _without_active_content(reader) -> tuple[tuple[str, ...], bytes]:
    """(what was removed, the rewritten file); the file is empty when nothing was removed.

    Walks every object reachable from the document catalog of a copy of the PDF.
    """
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, PdfObject

    writer = PdfWriter(clone_from=reader)
    removed: set[str] = set()
    seen: set[int] = set()
    pending: list[PdfObject | None] = [writer.root_object]
    while pending:
        entry = pending.pop()
        node = entry.get_object() if entry is not None else None
        if id(node) in seen or not isinstance(node, (DictionaryObject, ArrayObject)):
            continue
        seen.add(id(node))
        if isinstance(node, ArrayObject):
            pending.extend(node)
            continue
        for key in PDF_ACTIVE_KEYS:
            if key in node:
                del node[key]
                removed.add(key)
        kind = _active_action(node["/A"]) if "/A" in node else None
        if kind is not None:
            removed.add(kind)
            del node["/A"]
        if "/Next" in node:
            following = node["/Next"].get_object()
            if isinstance(following, ArrayObject):
                kept = [action for action in following if _active_action(action) is None]
                if len(kept) != len(following):
                    node[NameObject("/Next")] = ArrayObject(kept)
                    removed.add("/Next")
            elif _active_action(following) is not None:
                del node["/Next"]
                removed.add("/Next")
        if "/Annots" in node:
            annotations = node["/Annots"].get_object()
            if isinstance(annotations, ArrayObject):
                kept = [
                    a
                    for a in annotations
                    if not (
                        isinstance(a.get_object(), DictionaryObject)
                        and a.get_object().get("/Subtype") in PDF_ACTIVE_ANNOTATIONS
                    )
                ]
                if len(kept) != len(annotations):
                    node[NameObject("/Annots")] = ArrayObject(kept)
                    removed.add("/Annots")
        if node.get("/S") in PDF_ACTIVE_ACTIONS:
            # An action reached some other way (an outline item's, a form field's): emptied.
            removed.add(str(node["/S"]))
            for key in list(node.keys()):
                if key not in ("/Type",):
                    del node[key]
            node[NameObject("/S")] = NameObject("/Named")
            node[NameObject("/N")] = NameObject("/FirstPage")
        pending.extend(node.values())
    if not removed:
        return (), b""
    # The removed objects are still in the copy, unreferenced; a second copy from the catalog
    # takes only what is still referenced.
    first = io.BytesIO()
    writer.write(first)
    output = io.BytesIO()
    PdfWriter(clone_from=PdfReader(io.BytesIO(first.getvalue()), strict=False)).write(output)
    cleaned = output.getvalue()
    if len(PdfReader(io.BytesIO(cleaned)).pages) != len(reader.pages):
        raise ValueError("the rewritten PDF lost pages")
    return tuple(sorted(removed)), cleaned


def _check_image(content: bytes, *, expected: str) -> CheckedFile:
    damaged = AttachmentRejected(_("The image cannot be read. It may be damaged."))
    try:
        with Image.open(io.BytesIO(content)) as probe:
            if probe.format != expected:
                raise damaged
            if probe.width * probe.height > MAX_IMAGE_PIXELS:
                raise AttachmentRejected(_("The image has too many pixels. Please scan it at a lower resolution."))
            probe.verify()
        with Image.open(io.BytesIO(content)) as opened:
            opened.load()
            # Apply the camera's rotation before the EXIF block that holds it is dropped.
            image = ImageOps.exif_transpose(opened)
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
