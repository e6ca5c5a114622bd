"""Uploads are judged by their content; refused files leave nothing behind."""

import hashlib
import io
import os
import socket
import struct
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from sharing.documents.errors import AttachmentRejected
from sharing.documents.models import EDocument
from sharing.documents.services import attachment_store

from .factories import minimal_pdf, pdf_with_active_content

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English; Korean, the default, is checked once below."""
    from django.utils import translation

    with translation.override("en"):
        yield


def test_refusals_are_in_korean_by_default(citizen, office):
    from django.utils import translation

    with translation.override("ko"), pytest.raises(AttachmentRejected) as refused:
        _store(citizen, office, "virus.pdf", b"MZ\x90\x00 not a pdf")
    assert "PDF, JPEG, PNG 파일만" in str(refused.value.message)


def _store(citizen, office, name, content, content_type="application/pdf"):
    return attachment_store(
        uploaded_file=SimpleUploadedFile(name, content, content_type=content_type),
        case_ref="2026-0000123",
        owner=citizen,
        issuing_office=office,
        title="건축물 평면도",
    )


def _stored_files(settings):
    root = settings.MEDIA_ROOT
    return [os.path.join(d, f) for d, _dirs, files in os.walk(root) for f in files] if os.path.exists(root) else []


def _jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x0131] = "secret software"  # Software
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes(), comment=b"home address here")
    return buffer.getvalue()


def test_a_pdf_is_stored_as_it_came(citizen, office):
    content = minimal_pdf("floor plan")
    document = _store(citizen, office, "plan.pdf", content)
    assert document.kind == "attachment" and document.media_type == "application/pdf"
    assert document.file.read() == content
    assert document.file.name.endswith(".pdf")


ACTIVE_MARKERS = (
    b"/OpenAction",
    b"/JavaScript",
    b"/JS",
    b"/AA",
    b"/Launch",
    b"/EmbeddedFile",
    b"/FileAttachment",
    b"alert",
    b"payload",
    b"MZ\x90",
)


def _active_names(pdf: bytes) -> set[str]:
    """Every key and action or annotation type of the parsed PDF that can run or carry content."""
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject

    reader = PdfReader(io.BytesIO(pdf))
    found, seen, pending = set(), set(), [reader.trailer["/Root"]]
    while pending:
        node = pending.pop().get_object()
        if id(node) in seen or not isinstance(node, (DictionaryObject, ArrayObject)):
            continue
        seen.add(id(node))
        values = list(node) if isinstance(node, ArrayObject) else list(node.values())
        if isinstance(node, DictionaryObject):
            found |= {
                key for key in node if key in ("/OpenAction", "/AA", "/JS", "/JavaScript", "/EmbeddedFiles", "/EF")
            }
            found |= {
                str(node[key])
                for key in ("/S", "/Subtype")
                if key in node and node[key] in ("/JavaScript", "/Launch", "/FileAttachment")
            }
        pending.extend(values)
    return found


def test_a_pdf_with_active_content_is_stored_without_it_and_keeps_its_pages(citizen, office):
    from pypdf import PdfReader

    crafted = pdf_with_active_content("Floor plan of the shop")
    assert _active_names(crafted) == {
        "/OpenAction",
        "/AA",
        "/JS",
        "/JavaScript",
        "/EmbeddedFiles",
        "/EF",
        "/Launch",
        "/FileAttachment",
    }
    assert all(marker in crafted for marker in ACTIVE_MARKERS)
    document = _store(citizen, office, "plan.pdf", crafted)
    stored = document.file.read()
    assert _active_names(stored) == set()
    assert [marker for marker in ACTIVE_MARKERS if marker in stored] == []
    reader = PdfReader(io.BytesIO(stored))
    assert len(reader.pages) == 1 and "Floor plan of the shop" in reader.pages[0].extract_text()
    assert document.media_type == "application/pdf" and document.sha256 == hashlib.sha256(stored).hexdigest()


def test_the_upload_fields_say_what_happens_to_active_content():
    from petitions.forms import FetchUploadForm, SupplementResponseForm

    for form in (FetchUploadForm(), SupplementResponseForm(specs=[], documents_requested=True)):
        upload = [field for field in form.fields.values() if field.__class__.__name__ == "DocumentUploadField"]
        assert upload and all(
            "Scripts, automatic actions and embedded files are removed" in str(f.help_text) for f in upload
        )


def test_a_jpeg_is_re_encoded_without_its_metadata(citizen, office):
    original = _jpeg_with_exif()
    assert b"SpyCam" in original and b"home address" in original
    document = _store(citizen, office, "photo.jpg", original, "image/jpeg")
    stored = document.file.read()
    assert document.media_type == "image/jpeg"
    assert b"SpyCam" not in stored and b"home address" not in stored and b"secret software" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.size == (40, 30) and not image.getexif()


def test_a_png_is_accepted_and_re_encoded(citizen, office):
    buffer = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 255, 128)).save(buffer, format="PNG", pnginfo=_pnginfo("Author", "someone"))
    document = _store(citizen, office, "scan.png", buffer.getvalue(), "image/png")
    assert document.media_type == "image/png" and b"someone" not in document.file.read()


def _pnginfo(key, value):
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text(key, value)
    return info


def test_an_executable_renamed_pdf_is_refused_and_nothing_is_stored(citizen, office, settings):
    executable = (
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"
        + b"\x00" * 200
        + b"This program cannot be run in DOS mode."
    )
    with pytest.raises(AttachmentRejected) as refused:
        _store(citizen, office, "certificate.pdf", executable)
    assert "PDF, JPEG and PNG" in str(refused.value.message)
    elf = b"\x7fELF\x02\x01\x01" + b"\x00" * 100
    with pytest.raises(AttachmentRejected):
        _store(citizen, office, "scan.png", elf, "image/png")
    assert not EDocument.objects.exists()
    assert _stored_files(settings) == []


def test_a_png_over_10_mb_is_refused_and_nothing_is_stored(citizen, office, settings):
    # Random pixels do not compress: a 1900 x 1900 RGB PNG is about 10.8 MB.
    image = Image.frombytes("RGB", (1900, 1900), os.urandom(1900 * 1900 * 3))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    big_png = buffer.getvalue()
    assert len(big_png) > 10 * 1024 * 1024
    with pytest.raises(AttachmentRejected) as refused:
        _store(citizen, office, "huge.png", big_png, "image/png")
    assert "larger than" in str(refused.value.message)
    assert not EDocument.objects.exists()
    assert _stored_files(settings) == []


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("broken.pdf", b"%PDF-1.7\n this is not really a pdf"),
        ("broken.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50),
        ("broken.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 50),
        ("empty.pdf", b""),
        ("page.html", b"<html><script>alert(1)</script></html>"),
    ],
)
def test_damaged_or_disguised_files_are_refused(citizen, office, name, content):
    with pytest.raises(AttachmentRejected):
        _store(citizen, office, name, content)
    assert not EDocument.objects.exists()


# --- ClamAV hook, against a fake clamd speaking INSTREAM -----------------------------------


class FakeClamd:
    """A clamd stand-in on a Unix socket: answers FOUND when the stream holds the EICAR marker."""

    def __init__(self, path):
        self.path = path
        self.received = []
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(path)
        self.server.listen(4)
        self.server.settimeout(5)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _read_exact(self, conn, size):
        data = b""
        while len(data) < size:
            part = conn.recv(size - len(data))
            if not part:
                raise ConnectionError
            data += part
        return data

    def _serve(self):
        try:
            conn, _ = self.server.accept()
        except OSError:
            return
        with conn:
            command = b""
            while not command.endswith(b"\0"):
                command += conn.recv(1)
            assert command == b"zINSTREAM\0"
            body = b""
            while True:
                (length,) = struct.unpack("!L", self._read_exact(conn, 4))
                if length == 0:
                    break
                body += self._read_exact(conn, length)
            self.received.append(body)
            if b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE" in body:
                conn.sendall(b"stream: Eicar-Signature FOUND\0")
            else:
                conn.sendall(b"stream: OK\0")

    def close(self):
        self.server.close()
        self.thread.join(timeout=5)


@pytest.fixture
def fake_clamd(tmp_path, settings):
    path = str(tmp_path / "clamd.sock")
    server = FakeClamd(path)
    settings.CLAMD_SOCKET = path
    settings.CLAMD_TIMEOUT = 5
    yield server
    server.close()


def test_clean_upload_passes_the_virus_scanner(citizen, office, fake_clamd):
    content = minimal_pdf("clean")
    document = _store(citizen, office, "clean.pdf", content)
    assert fake_clamd.received == [content]
    assert document.pk


def test_infected_upload_is_refused(citizen, office, fake_clamd, settings):
    content = minimal_pdf("X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*")
    with pytest.raises(AttachmentRejected) as refused:
        _store(citizen, office, "infected.pdf", content)
    assert "malware" in str(refused.value.message)
    assert not EDocument.objects.exists()
    assert _stored_files(settings) == []


def test_unreachable_scanner_refuses_rather_than_letting_files_through(citizen, office, settings, tmp_path):
    settings.CLAMD_SOCKET = str(tmp_path / "nobody-listens.sock")
    with pytest.raises(AttachmentRejected) as refused:
        _store(citizen, office, "clean.pdf", minimal_pdf())
    assert "try again" in str(refused.value.message)
    assert not EDocument.objects.exists()
