"""The sandbox time-stamping authority (RFC 3161), as a third party on another host.

A real TSA (a qualified trust service) answers ``application/timestamp-query`` with a
``TimeStampResp`` signed by its key. The sandbox TSA does the same at ``/sandbox/tsa/``, with a
key and certificates derived deterministically from the site's SECRET_KEY (or SANDBOX_KEY_SEED),
like the sandbox agencies' keys: a root "Sandbox Time-Stamping CA" and the TSA's own
certificate issued by it (extended key usage timeStamping, critical). Both are the same in every
process and after every restart, so tokens issued yesterday still chain to the root the portal
trusts. The root is published at ``/sandbox/tsa/ca.pem``, as a real TSA publishes its chain.

The tokens are built by pyHanko's ``DummyTimeStamper`` (its test TSA), signing with ECDSA
P-256 / SHA-256 instead of its RSA.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import threading

from asn1crypto import algos, core, tsp
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

MEDIA_TYPE_QUERY = "application/timestamp-query"
MEDIA_TYPE_REPLY = "application/timestamp-reply"
MAX_QUERY_BYTES = 4096
# The digests a query may name, with their lengths (RFC 3161 badAlg otherwise).
DIGEST_LENGTHS = {"sha256": 32, "sha384": 48, "sha512": 64}
POLICY_OID = "1.3.6.1.4.1.4146.2.2"  # a test policy (pyHanko's dummy TSA uses it too)
_VALID_FROM = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
_VALID_UNTIL = dt.datetime(2049, 12, 31, tzinfo=dt.UTC)
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def _seed() -> bytes:
    return (getattr(settings, "SANDBOX_KEY_SEED", "") or settings.SECRET_KEY).encode()


def _derived_key(label: str) -> ec.EllipticCurvePrivateKey:
    digest = hmac.new(_seed(), f"sandbox-tsa:{label}:1".encode(), hashlib.sha512).digest()
    return ec.derive_private_key(int.from_bytes(digest, "big") % (_P256_ORDER - 1) + 1, ec.SECP256R1())


def _serial(key: ec.EllipticCurvePrivateKey) -> int:
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return int.from_bytes(hashlib.sha256(public).digest()[:16], "big") >> 1  # positive, < 2^127


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Sandbox Trust Services"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


class SandboxAuthority:
    """The TSA's key, certificate and root, and pyHanko's token builder over them."""

    def __init__(self) -> None:
        root_key = _derived_key("root")
        self.key = _derived_key("tsa")
        root_name = _name("Sandbox Time-Stamping CA")
        ski = x509.SubjectKeyIdentifier.from_public_key
        aki = x509.AuthorityKeyIdentifier.from_issuer_public_key
        self.root = (
            x509.CertificateBuilder()
            .subject_name(root_name)
            .issuer_name(root_name)
            .public_key(root_key.public_key())
            .serial_number(_serial(root_key))
            .not_valid_before(_VALID_FROM)
            .not_valid_after(_VALID_UNTIL)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(cert_sign=True), critical=True)
            .add_extension(ski(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256(), ecdsa_deterministic=True)
        )
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(_name("Sandbox Time-Stamping Authority"))
            .issuer_name(root_name)
            .public_key(self.key.public_key())
            .serial_number(_serial(self.key))
            .not_valid_before(_VALID_FROM)
            .not_valid_after(_VALID_UNTIL)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(digital_signature=True), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
            .add_extension(ski(self.key.public_key()), critical=False)
            .add_extension(aki(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256(), ecdsa_deterministic=True)
        )
        der = serialization.Encoding.DER
        self._stamper = _EcdsaTimeStamper(
            tsa_cert=asn1_x509.Certificate.load(self.certificate.public_bytes(der)),
            tsa_key=asn1_keys.PrivateKeyInfo.load(
                self.key.private_bytes(der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
            ),
            certs_to_embed=SimpleCertificateStore.from_certs([asn1_x509.Certificate.load(self.root.public_bytes(der))]),
        )

    def root_pem(self) -> bytes:
        return self.root.public_bytes(serialization.Encoding.PEM)

    def answer(self, body: bytes) -> bytes:
        """The DER TimeStampResp to a DER TimeStampReq: granted, or rejected with the reason."""
        try:
            request = tsp.TimeStampReq.load(body)
            imprint = request["message_imprint"]
            algorithm = imprint["hash_algorithm"]["algorithm"].native
            digest = imprint["hashed_message"].native
            request["nonce"].native  # noqa: B018 (parses the rest of the request)
        except (ValueError, TypeError, KeyError):
            return _rejection("bad_data_format", "The body is not a DER TimeStampReq.")
        if DIGEST_LENGTHS.get(algorithm) != len(digest):
            return _rejection("bad_alg", "The message imprint must be a SHA-256, SHA-384 or SHA-512 digest.")
        if request["req_policy"].native not in (None, POLICY_OID):
            return _rejection("unaccepted_policy", "This TSA issues tokens under one policy only.")
        return self._stamper.request_tsa_response(request).dump()


class _EcdsaTimeStamper(DummyTimeStamper):
    """pyHanko's dummy TSA, signing with an EC key (it signs only with RSA itself)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._lock = threading.Lock()  # one token at a time: the time is set on the shared instance

    def request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        with self._lock:
            self.fixed_dt = dt.datetime.now(tz=dt.UTC).replace(microsecond=0)  # UTC, whole seconds
            try:
                return super().request_tsa_response(req)
            finally:
                self.fixed_dt = None

    def _sign_tst_info(self, tst_info_data: bytes, md_algorithm: str, dt_: dt.datetime):
        # The signed attributes as the parent builds them, signed with ECDSA.
        signed_attrs = _signed_attributes(self, tst_info_data, md_algorithm, dt_)
        key = serialization.load_der_private_key(self.tsa_key.dump(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise TypeError("The sandbox TSA signs with an EC key.")
        return key.sign(signed_attrs.dump(), ec.ECDSA(hashes.SHA256())), signed_attrs

    def _build_signed_data(self, tst_info_data, md_algorithm, signature, signed_attrs) -> dict:
        signed_data = super()._build_signed_data(tst_info_data, md_algorithm, signature, signed_attrs)
        for signer_info in signed_data["signer_infos"]:
            signer_info["signature_algorithm"] = algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"})
        return signed_data


def _signed_attributes(stamper: DummyTimeStamper, tst_info_data: bytes, md_algorithm: str, when: dt.datetime):
    from asn1crypto import cms
    from pyhanko.sign import general

    digest = hashlib.new(md_algorithm, tst_info_data).digest()
    return cms.CMSAttributes(
        [
            general.simple_cms_attribute("content_type", "tst_info"),
            general.simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(when)})),
            general.simple_cms_attribute("signing_certificate", general.as_signing_certificate(stamper.tsa_cert)),
            general.simple_cms_attribute("message_digest", digest),
        ]
    )


def _key_usage(*, digital_signature: bool = False, cert_sign: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _rejection(failure: str, text: str) -> bytes:
    status = tsp.PKIStatusInfo(
        {
            "status": tsp.PKIStatus("rejection"),
            "status_string": [text],
            "fail_info": tsp.PKIFailureInfo({failure}),
        }
    )
    return _Rejection({"status": status}).dump()


class _Rejection(core.Sequence):
    """A TimeStampResp without a token (asn1crypto's class requires one, RFC 3161 does not)."""

    _fields = [("status", tsp.PKIStatusInfo), ("time_stamp_token", core.Any, {"optional": True})]


@functools.cache
def authority() -> SandboxAuthority:
    """The sandbox TSA of this process (derived once: a token costs one ECDSA signature)."""
    return SandboxAuthority()


@receiver(setting_changed)
def _clear_cache(*, setting, **kwargs):
    if setting in {"SECRET_KEY", "SANDBOX_KEY_SEED"}:
        authority.cache_clear()
