"""PAdES-signed e-documents (sharing.documents.pades): they prove themselves outside the portal,
a change is detected, /verify/ says which part of an uploaded file's signature fails, and a
rotation of the sealing key leaves earlier documents valid."""

import io
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pypdf import PdfReader

from sharing import timestamping
from sharing.documents import pades
from sharing.documents.models import DocumentRequest
from tests.event_loops import run_coroutine

from .factories import issued_document, minimal_pdf, receipt_request

pytestmark = pytest.mark.django_db

PYHANKO_CLI = Path(sys.executable).with_name("pyhanko")


def _receipt(citizen, office, django_capture_on_commit_callbacks, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        request = receipt_request(owner=citizen, office=office, **kwargs)
    request.refresh_from_db()
    assert request.state == DocumentRequest.State.ISSUED
    return request.document


def _trust_files(folder: Path) -> tuple[Path, Path]:
    """The two public certificates a verifier needs, as files (what /verify/ offers for download)."""
    sealing_ca = folder / "document-sealing-ca.pem"
    shutil.copyfile(settings.DOCUMENT_SEALING_CA_FILE, sealing_ca)
    tsa_ca = folder / "time-stamping-ca.pem"
    tsa_ca.write_bytes(Client().get(reverse("documents:tsa_ca")).content)
    return sealing_ca, tsa_ca


# Runs in a fresh interpreter with no Django and no portal code: only pyHanko, the PDF and the
# certificate files.
OUTSIDE_VALIDATOR = textwrap.dedent(
    """
    import json, sys
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    pdf, sealing_ca, tsa_ca = sys.argv[1:4]
    with open(pdf, "rb") as handle:
        signature = PdfFileReader(handle).embedded_signatures[0]
        status = validate_pdf_signature(
            signature,
            signer_validation_context=ValidationContext(trust_roots=[load_cert_from_pemder(sealing_ca)]),
            ts_validation_context=ValidationContext(trust_roots=[load_cert_from_pemder(tsa_ca)]),
        )
    stamp = status.timestamp_validity
    print(json.dumps({
        "bottom_line": status.bottom_line,
        "intact": status.intact,
        "trusted": status.trusted,
        "coverage": status.coverage.name,
        "timestamp_trusted": bool(stamp and stamp.intact and stamp.valid and stamp.trusted),
        "signer": status.signing_cert.subject.native["common_name"],
    }))
    """
)


def _validate_outside(pdf: bytes, folder: Path) -> dict:
    path = folder / "received.pdf"
    path.write_bytes(pdf)
    sealing_ca, tsa_ca = _trust_files(folder)
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO", "DATABASE"))}
    result = subprocess.run(
        [sys.executable, "-c", OUTSIDE_VALIDATOR, str(path), str(sealing_ca), str(tsa_ca)],
        capture_output=True,
        text=True,
        cwd=folder,
        env=environment,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout)


def _cli_validate(pdf: bytes, folder: Path) -> subprocess.CompletedProcess:
    path = folder / "received.pdf"
    path.write_bytes(pdf)
    sealing_ca, tsa_ca = _trust_files(folder)
    command = [str(PYHANKO_CLI), "sign", "validate", "--trust", str(sealing_ca), "--trust", str(tsa_ca)]
    return subprocess.run(
        [*command, "--trust-replace", "--executive-summary", str(path)],
        capture_output=True,
        text=True,
        cwd=folder,
        timeout=120,
    )


def _one_byte_changed(pdf: bytes) -> bytes:
    """A receipt with one byte of its page content changed (inside what the signature covers)."""
    changed = bytearray(pdf)
    position = pdf.index(b"/Producer")  # in WeasyPrint's document information, signed
    changed[position + 2] ^= 0x20  # "/Producer" -> "/PRoducer"
    return bytes(changed)


def test_a_receipt_validates_with_pyhanko_outside_the_portal(
    citizen, office, django_capture_on_commit_callbacks, tmp_path
):
    receipt = _receipt(citizen, office, django_capture_on_commit_callbacks)
    pdf = receipt.file.read()
    outside = _validate_outside(pdf, tmp_path)
    assert outside == {
        "bottom_line": True,
        "intact": True,
        "trusted": True,
        "coverage": "ENTIRE_FILE",
        "timestamp_trusted": True,
        "signer": "Civil Petition Portal e-document seal",
    }


@pytest.mark.skipif(not PYHANKO_CLI.exists(), reason="pyhanko-cli (test extra) is not installed")
def test_pyhanko_sign_validate_accepts_a_receipt_and_refuses_it_one_byte_changed(
    citizen, office, django_capture_on_commit_callbacks, tmp_path
):
    pdf = _receipt(citizen, office, django_capture_on_commit_callbacks).file.read()
    accepted = _cli_validate(pdf, tmp_path)
    assert accepted.returncode == 0 and accepted.stdout.strip().endswith(":VALID"), accepted.stdout + accepted.stderr
    refused = _cli_validate(_one_byte_changed(pdf), tmp_path)
    assert refused.returncode != 0 and "INVALID" in refused.stdout, refused.stdout + refused.stderr


def test_a_one_byte_change_is_detected_outside_and_inside(
    citizen, office, django_capture_on_commit_callbacks, tmp_path
):
    pdf = _receipt(citizen, office, django_capture_on_commit_callbacks).file.read()
    changed = _one_byte_changed(pdf)
    outside = _validate_outside(changed, tmp_path)
    assert outside["intact"] is False and outside["bottom_line"] is False
    assert pades.pdf_signature_check(changed).outcome == pades.Outcome.MODIFIED


def test_the_signature_is_an_incremental_update_keeping_pdf_a_and_tags(
    citizen, office, django_capture_on_commit_callbacks
):
    pdf = _receipt(citizen, office, django_capture_on_commit_callbacks).file.read()
    assert pdf.count(b"%%EOF") == 2  # WeasyPrint's file, then the signature's revision
    unsigned = pdf[: pdf.index(b"%%EOF") + len(b"%%EOF")]
    reader = PdfReader(io.BytesIO(unsigned))
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # WeasyPrint's original, whole
    signed = PdfReader(io.BytesIO(pdf))
    root = signed.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp and "/StructTreeRoot" in root
    field = root["/AcroForm"]["/Fields"][0].get_object()
    assert field["/FT"] == "/Sig" and field["/V"]["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    assert [float(x) for x in field["/Rect"]] == [0, 0, 0, 0]  # invisible: the page is unchanged
    assert int(field["/F"]) & 4  # printable, as PDF/A requires of every annotation


def test_at_level_b_lt_the_chains_go_into_the_document_security_store(settings, tmp_path):
    settings.DOCUMENT_SIGNATURE_LEVEL = "B-LT"
    pdf = pades.pdf_sign(minimal_pdf("for the long term"))
    root = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    stored = {cert.get_object().get_data() for cert in root["/DSS"]["/Certs"]}
    assert len(stored) >= 3  # the signer's certificate and CA, the TSA's certificate and root
    assert pades.pdf_signature_check(pdf).valid
    assert _validate_outside(pdf, tmp_path)["bottom_line"] is True


# -- /verify/ on an upload, per failing part -----------------------------------------------------


def _compare(document, content: bytes):
    response = Client().post(
        reverse("documents:verify"),
        {"code": document.display_code, "file": SimpleUploadedFile("mine.pdf", content, "application/pdf")},
    )
    assert response.status_code == 200
    return response.context["comparison"], response.content.decode()


def test_upload_of_the_issued_signed_file_passes_every_check(document):
    comparison, page = _compare(document, document.file.read())
    assert comparison.ok and comparison.signature == "valid" and comparison.signed_at is not None
    assert "documents-alert-success" in page
    assert "문서 발급 인증서로 서명" in page  # "signed by the portal's document-sealing certificate"


def test_upload_changed_after_signing_says_so(document):
    comparison, page = _compare(document, _one_byte_changed(document.file.read()))
    assert (comparison.identical, comparison.signature, comparison.ok) == (False, "modified", False)
    assert "서명된 뒤에 변경" in page  # "changed after it was signed"


def test_upload_signed_by_another_authority_is_not_signed_by_the_portal(document, tmp_path):
    pdf = minimal_pdf("a look-alike")
    pades.trusted_roots()
    other = {
        "SECRET_KEY": "another portal's secret, another sandbox CA " * 2,
        "SANDBOX_KEY_SEED": settings.SANDBOX_KEY_SEED or settings.SECRET_KEY,  # the same TSA
        "DOCUMENT_SEALING_KEY_FILE": str(tmp_path / "key.pem"),
        "DOCUMENT_SEALING_CERT_FILE": str(tmp_path / "cert.pem"),
        "DOCUMENT_SEALING_CHAIN_FILE": str(tmp_path / "ca.pem"),
        "DOCUMENT_SEALING_CA_FILE": str(tmp_path / "ca.pem"),
        "DOCUMENT_SEALING_SANDBOX_CA_KEY_FILE": str(tmp_path / "ca-key.pem"),
    }
    with override_settings(**other):
        forged = pades.pdf_sign(pdf)
        assert pades.pdf_signature_check(forged).valid  # valid for whoever trusts that other CA
    comparison, page = _compare(document, forged)
    assert (comparison.signature, comparison.ok) == ("untrusted", False)
    assert "포털이 서명한 것이 아닙니다" in page  # "not signed by the portal"


def test_upload_without_a_time_stamp_says_the_time_stamp_is_invalid(document):
    metadata = signers.PdfSignatureMetadata(field_name="PortalSeal", subfilter=fields.SigSeedSubFilter.PADES)
    writer = IncrementalPdfFileWriter(io.BytesIO(minimal_pdf("no time stamp")), strict=False)
    unstamped = signers.PdfSigner(metadata, signer=pades.sealing_signer()).sign_pdf(writer).getvalue()
    comparison, page = _compare(document, unstamped)
    assert (comparison.signature, comparison.ok) == ("timestamp", False)
    assert "타임스탬프" in page


def test_upload_with_a_time_stamp_of_an_untrusted_authority_says_the_time_stamp_is_invalid(document):
    timestamping.trusted_certificates()  # the portal trusts the sandbox TSA's root as it is now
    with override_settings(SANDBOX_KEY_SEED="another time-stamping authority"):
        stamped_elsewhere = pades.pdf_sign(minimal_pdf("stamped elsewhere"))
    comparison, _page = _compare(document, stamped_elsewhere)
    assert comparison.signature == "timestamp"


def test_upload_of_a_portal_signed_file_the_portal_never_issued_is_an_unknown_document(document):
    comparison, page = _compare(document, pades.pdf_sign(minimal_pdf("never issued")))
    assert (comparison.signature, comparison.ok) == ("unknown", False)
    assert "알 수 없는 문서" in page  # "an unknown document"


def test_upload_of_another_issued_document_is_not_this_one_but_its_signature_holds(document, citizen, office):
    other = issued_document(owner=citizen, office=office)
    comparison, _page = _compare(document, other.file.read())
    assert (comparison.identical, comparison.signature, comparison.ok) == (False, "valid", False)


def test_upload_of_an_unsigned_file_is_not_signed_by_the_portal(document):
    comparison, page = _compare(document, b"%PDF-1.7\nnot much of a PDF")
    assert (comparison.signature, comparison.ok) == ("unsigned", False)
    assert "전자서명이 없습니다" in page  # "carries no electronic signature"


@pytest.mark.parametrize("cut", [0.1, 0.5, 0.9, 0.97, 0.995])
def test_a_truncated_or_mangled_signed_file_is_an_answer_not_an_error(document, cut):
    content = document.file.read()
    truncated = content[: int(len(content) * cut)]
    comparison, _page = _compare(document, truncated)
    assert comparison.signature in {"unsigned", "modified"} and not comparison.ok
    mangled = content.replace(b"/ByteRange", b"/ByteRangX", 1)
    assert pades.pdf_signature_check(mangled).outcome in {"unsigned", "modified"}


def test_a_document_issued_before_pdfs_were_signed_still_verifies_by_its_bytes(citizen, office):
    legacy = issued_document(owner=citizen, office=office, content=minimal_pdf("issued last year"))
    comparison, page = _compare(legacy, legacy.file.read())
    assert (comparison.signature, comparison.ok) == ("unsigned", True)
    assert "documents-alert-success" in page


def test_the_certificates_a_verifier_needs_are_published(document):
    client = Client()
    sealing = client.get(reverse("documents:sealing_ca"))
    assert sealing.status_code == 200 and sealing["Content-Type"] == "application/x-pem-file"
    assert sealing.content == Path(settings.DOCUMENT_SEALING_CA_FILE).read_bytes()
    tsa = client.get(reverse("documents:tsa_ca"))
    assert tsa.status_code == 200 and tsa.content.startswith(b"-----BEGIN CERTIFICATE-----")
    page = client.get(reverse("documents:verify"), {"code": document.display_code}).content.decode()
    assert reverse("documents:sealing_ca") in page and "pyhanko sign validate" in page


# -- rotation ------------------------------------------------------------------------------------


def _signer_serial(pdf: bytes) -> int:
    from pyhanko.pdf_utils.reader import PdfFileReader

    return PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0].signer_cert.serial_number


def test_a_document_signed_before_a_key_rotation_validates_after_it(
    citizen, office, django_capture_on_commit_callbacks, tmp_path, settings
):
    for name in ("KEY", "CERT", "CHAIN", "CA", "SANDBOX_CA_KEY"):  # this test's own sealing files
        setattr(settings, f"DOCUMENT_SEALING_{name}_FILE", str(tmp_path / "keys" / f"{name.lower()}.pem"))
    before = _receipt(citizen, office, django_capture_on_commit_callbacks, case_ref="2026-0000001")
    out = io.StringIO()
    call_command("rotate_sealing_key", stdout=out)
    assert "A test PDF signed now validates" in out.getvalue()
    after = _receipt(citizen, office, django_capture_on_commit_callbacks, case_ref="2026-0000002")
    old_pdf, new_pdf = before.file.read(), after.file.read()
    assert _signer_serial(old_pdf) != _signer_serial(new_pdf)  # signed with another key now
    assert list((tmp_path / "keys").glob("cert.retired-*.pem"))  # the old certificate is kept
    for pdf in (old_pdf, new_pdf):
        assert pades.pdf_signature_check(pdf).valid
        assert _validate_outside(pdf, tmp_path)["bottom_line"] is True
    comparison, _page = _compare(before, old_pdf)
    assert comparison.ok


def test_the_rotation_command_checks_the_configuration_and_refuses_outside_development(settings):
    out = io.StringIO()
    call_command("rotate_sealing_key", "--check", stdout=out)
    assert "Civil Petition Portal e-document seal" in out.getvalue()
    settings.SANDBOX_TRUST = False
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="real CA"):
        call_command("rotate_sealing_key")


def test_a_key_that_is_not_the_certificates_is_a_configuration_error(tmp_path, settings):
    pades.sealing_signer()
    wrong = tmp_path / "other-key.pem"
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pkcs8 = serialization.PrivateFormat.PKCS8
    key = ec.generate_private_key(ec.SECP256R1())
    wrong.write_bytes(key.private_bytes(serialization.Encoding.PEM, pkcs8, serialization.NoEncryption()))
    settings.DOCUMENT_SEALING_KEY_FILE = str(wrong)
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="DOCUMENT_SEALING_CERT_FILE is not the certificate"):
        pades.sealing_signer()


def test_documents_are_signed_and_checked_where_an_event_loop_already_runs():
    async def inside_a_loop():
        return pades.pdf_signature_check(pades.pdf_sign(minimal_pdf("from async code")))

    assert run_coroutine(inside_a_loop).outcome == "valid"
