"""PAdES signatures of the portal's e-documents: PDFs that prove themselves without the portal.

Every receipt and result is signed, after WeasyPrint has written it, as an incremental update
(the PDF/A-3 file and its tags stay as they are, byte for byte, in front of the signature) with
the portal's document-sealing certificate: PAdES baseline B-T (B-LT by setting), the signature
(ECDSA, SHA-256) carrying the sealing certificate and its chain, and an RFC 3161 time stamp of the
signature from the time-stamping authority (``sharing.timestamping``). Any PDF reader that trusts the sealing
CA, or ``pyhanko sign validate``, checks it without the portal; the chain and the time stamp
inside keep a document valid after the sealing key is rotated.

The key, certificate, chain and trusted roots are files named in settings
(``DOCUMENT_SEALING_*``), loaded once per process. With ``SANDBOX_TRUST`` (development, sandbox
deployments) a portal sandbox CA and a sealing certificate issued by it are made under
``var/keys/sealing/`` on first use (derived from the site's secret, so that processes starting
at once write the same files);
``python manage.py rotate_sealing_key`` issues a new sealing key there.

``pdf_signature_check`` is what ``/verify/`` runs on an uploaded PDF: which part failed, if any.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import io
import logging
import os
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from sharing import timestamping

logger = logging.getLogger(__name__)

FIELD_NAME = "PortalSeal"
# What a signature holds besides the certificates and the time stamp (signed attributes, the
# signature value, the structure): about 700 bytes; kept generously.
SIGNATURE_OVERHEAD_BYTES = 2048
_SANDBOX_VALID_FROM = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


# -- the sealing identity ----------------------------------------------------------------------------


def _read_certificates(setting: str) -> list[asn1_x509.Certificate]:
    path = Path(getattr(settings, setting))
    try:
        document = path.read_bytes()
    except OSError as exc:
        raise ImproperlyConfigured(f"{setting}: {path} cannot be read ({exc}); see README.md.") from exc
    try:
        certificates = timestamping.parse_certificates(document)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{setting}: {path} holds no PEM or DER certificate ({exc}).") from exc
    if not certificates:
        raise ImproperlyConfigured(f"{setting}: {path} holds no certificate.")
    return certificates


_load_lock = threading.Lock()


@functools.cache
def sealing_signer() -> signers.SimpleSigner:
    """The key and certificate that sign documents now, with the chain embedded (once per process)."""
    with _load_lock:
        if settings.SANDBOX_TRUST:
            sandbox_files_ensure()
        key_path = Path(settings.DOCUMENT_SEALING_KEY_FILE)
        try:
            key_document = key_path.read_bytes()
        except OSError as exc:
            raise ImproperlyConfigured(f"DOCUMENT_SEALING_KEY_FILE: {key_path} cannot be read ({exc}).") from exc
        password = settings.DOCUMENT_SEALING_KEY_PASSWORD.encode() or None
        try:
            private = serialization.load_pem_private_key(key_document, password=password)
        except (ValueError, TypeError) as exc:
            raise ImproperlyConfigured(f"DOCUMENT_SEALING_KEY_FILE: {key_path} holds no usable key ({exc}).") from exc
        certificate = _read_certificates("DOCUMENT_SEALING_CERT_FILE")[0]
        public = private.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        if certificate.public_key.dump() != public:
            raise ImproperlyConfigured(
                "DOCUMENT_SEALING_CERT_FILE is not the certificate of the key in DOCUMENT_SEALING_KEY_FILE."
            )
        der_key = private.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        chain = _read_certificates("DOCUMENT_SEALING_CHAIN_FILE")
        return signers.SimpleSigner(
            signing_cert=certificate,
            signing_key=asn1_keys.PrivateKeyInfo.load(der_key),
            cert_registry=SimpleCertificateStore.from_certs(chain),
        )


@functools.cache
def trusted_roots() -> tuple[asn1_x509.Certificate, ...]:
    """The roots a document's signer must chain to (``DOCUMENT_SEALING_CA_FILE``)."""
    if settings.SANDBOX_TRUST:
        with _load_lock:
            sandbox_files_ensure()
    return tuple(_read_certificates("DOCUMENT_SEALING_CA_FILE"))


# -- signing -------------------------------------------------------------------------------------------


def pdf_sign(pdf: bytes) -> bytes:
    """``pdf`` with the portal's PAdES B-T signature appended as an incremental update."""
    long_term = settings.DOCUMENT_SIGNATURE_LEVEL == "B-LT"
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        use_pades_lta=False,
        # B-LT: the certificates and revocation data (CRL/OCSP, fetched from the addresses in the
        # certificates) of the signer's and the TSA's chains go into the document's DSS, so it can
        # be validated after the certificates expire. It costs a validation per document.
        embed_validation_info=long_term,
        validation_context=_long_term_context() if long_term else None,
    )
    signer = signers.PdfSigner(metadata, signer=sealing_signer(), timestamper=timestamping.timestamper())
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    reserved = _signature_space()
    output = timestamping.run_sync(lambda: signer.async_sign_pdf(writer, bytes_reserved=reserved, output=io.BytesIO()))
    return output.getvalue()


@functools.cache
def _signature_space() -> int:
    """The hexadecimal digits kept in a PDF for its signature, measured once per process from the
    certificates it embeds and a time stamp of the TSA (a real CA's chain may be several times the
    sandbox's), so that pyHanko need not make a dummy signature for every document to measure one."""
    signer = sealing_signer()
    certificates = [signer.signing_cert, *signer.cert_registry]
    token = timestamping.run_sync(lambda: timestamping.timestamper().async_dummy_response("sha256"))
    size = sum(len(certificate.dump()) for certificate in certificates) + len(token.dump())
    return 2 * (size + SIGNATURE_OVERHEAD_BYTES)


def _long_term_context() -> ValidationContext:
    roots = [*trusted_roots(), *timestamping.trusted_certificates()]
    return ValidationContext(trust_roots=roots, allow_fetching=True, revocation_mode="soft-fail")


# -- checking ------------------------------------------------------------------------------------------


class Outcome:
    VALID = "valid"
    UNSIGNED = "unsigned"  # not a PDF, or no signature in it
    MODIFIED = "modified"  # changed after signing (or the signature itself was altered)
    UNTRUSTED = "untrusted"  # signed, but not by a certificate of the portal's sealing CA
    TIMESTAMP = "timestamp"  # no time stamp, or one that does not verify or is not trusted


@dataclass(frozen=True)
class SignatureCheck:
    outcome: str
    signed_at: dt.datetime | None = None
    signer: str = ""

    @property
    def valid(self) -> bool:
        return self.outcome == Outcome.VALID


def _validation_context(roots) -> ValidationContext:
    return ValidationContext(trust_roots=list(roots), allow_fetching=False)


def pdf_signature_check(content: bytes) -> SignatureCheck:
    """Checks the last signature of a PDF: integrity, signer chaining to the sealing CA, time stamp."""
    # The file is anyone's upload: whatever a malformed one makes the parser raise is an answer
    # about the file (never a server error).
    try:
        reader = PdfFileReader(io.BytesIO(content), strict=False)
        signatures = reader.embedded_signatures
    except Exception as exc:  # noqa: BLE001 (any parse failure means: no signature of ours)
        logger.info("an uploaded file is not a readable PDF: %s", type(exc).__name__)
        return SignatureCheck(Outcome.UNSIGNED)
    if not signatures:
        return SignatureCheck(Outcome.UNSIGNED)
    signature = signatures[-1]
    try:
        signer_context = _validation_context(trusted_roots())
        ts_context = _validation_context(timestamping.trusted_certificates())
        status = timestamping.run_sync(
            lambda: async_validate_pdf_signature(
                signature, signer_validation_context=signer_context, ts_validation_context=ts_context
            )
        )
    except Exception as exc:  # noqa: BLE001 (a signature that cannot even be checked does not hold)
        logger.info("an uploaded PDF's signature could not be validated: %s", type(exc).__name__)
        return SignatureCheck(Outcome.MODIFIED)
    signer = status.signing_cert.subject.human_friendly if status.signing_cert is not None else ""
    # Appended revisions that only add validation data (a reader's LTV update) leave it whole.
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE or (
        status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
        and status.modification_level is not None
        and status.modification_level <= ModificationLevel.LTA_UPDATES
    )
    if not (status.intact and status.valid and whole):
        return SignatureCheck(Outcome.MODIFIED, signer=signer)
    if not status.trusted:
        return SignatureCheck(Outcome.UNTRUSTED, signer=signer)
    stamp = status.timestamp_validity
    if stamp is None or not (stamp.intact and stamp.valid and stamp.trusted):
        return SignatureCheck(Outcome.TIMESTAMP, signer=signer)
    return SignatureCheck(Outcome.VALID, signed_at=stamp.timestamp, signer=signer)


# -- the portal sandbox CA (SANDBOX_TRUST) ---------------------------------------------------------------


def _derived_key(label: str) -> ec.EllipticCurvePrivateKey:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"portal-document-{label}:1".encode(), hashlib.sha512).digest()
    return ec.derive_private_key(int.from_bytes(digest, "big") % (_P256_ORDER - 1) + 1, ec.SECP256R1())


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Civil Petition Portal (sandbox)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


SANDBOX_CA_NAME = "Portal Sandbox Document CA"
SEALING_NAME = "Civil Petition Portal e-document seal"


def _key_usage(*, sign: bool = False, ca: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=sign,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _sandbox_ca(ca_key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    name = _name(SANDBOX_CA_NAME)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(_SANDBOX_VALID_FROM)
        .not_valid_after(dt.datetime(2049, 12, 31, tzinfo=dt.UTC))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256(), ecdsa_deterministic=True)
    )


def sandbox_sealing_certificate(
    *, key: ec.EllipticCurvePrivateKey, ca_key: ec.EllipticCurvePrivateKey, serial: int, valid_from: dt.datetime
) -> x509.Certificate:
    """A sealing certificate for ``key`` issued by the portal sandbox CA (valid ten years)."""
    return (
        x509.CertificateBuilder()
        .subject_name(_name(SEALING_NAME))
        .issuer_name(_name(SANDBOX_CA_NAME))
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(valid_from)
        .not_valid_after(valid_from + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256(), ecdsa_deterministic=True)
    )


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _write_once(path: Path, content: bytes, *, private: bool) -> None:
    """Writes ``content`` unless the file exists (every process writes the same bytes)."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.{uuid.uuid4().hex}.tmp")
    temporary.write_bytes(content)
    if private:
        temporary.chmod(0o600)
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink(missing_ok=True)


def replace_file(path: Path, content: bytes, *, private: bool) -> None:
    """Replaces a file at once (readers see the old or the new content, never half of one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.{uuid.uuid4().hex}.tmp")
    temporary.write_bytes(content)
    if private:
        temporary.chmod(0o600)
    os.replace(temporary, path)


def sandbox_ca_key() -> ec.EllipticCurvePrivateKey:
    path = Path(settings.DOCUMENT_SEALING_SANDBOX_CA_KEY_FILE)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ImproperlyConfigured(f"{path} is not an EC key.")
    return key


def sandbox_files_ensure() -> None:
    """Development: the sandbox CA and a sealing key and certificate, where the files are missing."""
    ca_key = _derived_key("ca")
    pem = serialization.Encoding.PEM
    _write_once(Path(settings.DOCUMENT_SEALING_SANDBOX_CA_KEY_FILE), _pem_key(ca_key), private=True)
    ca_pem = _sandbox_ca(ca_key).public_bytes(pem)
    _write_once(Path(settings.DOCUMENT_SEALING_CHAIN_FILE), ca_pem, private=False)
    _write_once(Path(settings.DOCUMENT_SEALING_CA_FILE), ca_pem, private=False)
    key_path, cert_path = Path(settings.DOCUMENT_SEALING_KEY_FILE), Path(settings.DOCUMENT_SEALING_CERT_FILE)
    if key_path.exists() and cert_path.exists():
        return
    key = _derived_key("sealing")
    certificate = sandbox_sealing_certificate(key=key, ca_key=ca_key, serial=2, valid_from=_SANDBOX_VALID_FROM)
    _write_once(key_path, _pem_key(key), private=True)
    _write_once(cert_path, certificate.public_bytes(pem), private=False)


def sandbox_sealing_key_rotate(*, now: dt.datetime | None = None) -> x509.Certificate:
    """Development: a new sealing key and a certificate for it from the portal sandbox CA, in
    place of the configured ones. The old certificate is kept beside them (``*.retired-<serial>``);
    the old key is not. Documents signed before stay valid: they carry their certificate, its
    chain and their time stamp, and the CA does not change. This process signs with the new key
    at once; other processes once restarted."""
    if not settings.SANDBOX_TRUST:
        raise ImproperlyConfigured(
            "Without SANDBOX_TRUST the sealing certificate comes from a real CA: see README.md, key rotation."
        )
    with _load_lock:
        sandbox_files_ensure()
        now = now or dt.datetime.now(tz=dt.UTC)
        key = ec.generate_private_key(ec.SECP256R1())
        certificate = sandbox_sealing_certificate(
            key=key,
            ca_key=sandbox_ca_key(),
            serial=x509.random_serial_number(),
            valid_from=now - dt.timedelta(minutes=5),
        )
        key_path, cert_path = Path(settings.DOCUMENT_SEALING_KEY_FILE), Path(settings.DOCUMENT_SEALING_CERT_FILE)
        old = x509.load_pem_x509_certificate(cert_path.read_bytes())
        retired = cert_path.with_name(f"{cert_path.stem}.retired-{old.serial_number:x}{cert_path.suffix}")
        replace_file(retired, cert_path.read_bytes(), private=False)
        replace_file(key_path, _pem_key(key), private=True)
        replace_file(cert_path, certificate.public_bytes(serialization.Encoding.PEM), private=False)
    forget()
    return certificate


def sealing_configuration_check() -> SignatureCheck:
    """Signs a one-page PDF with the configured key and checks it as /verify/ would: the check after
    installing a new sealing certificate (key and certificate match, chain, time stamp, trust)."""
    from pypdf import PdfWriter

    forget()
    buffer = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.write(buffer)
    return pdf_signature_check(pdf_sign(buffer.getvalue()))


def forget() -> None:
    """Drops what this process loaded (after a rotation, and between tests)."""
    sealing_signer.cache_clear()
    trusted_roots.cache_clear()
    _signature_space.cache_clear()


@receiver(setting_changed)
def _forget_on_change(*, setting, **kwargs):
    if setting.startswith("DOCUMENT_SEALING_") or setting in {"SANDBOX_TRUST", "SECRET_KEY"}:
        forget()
