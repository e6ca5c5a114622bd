"""A time-stamping authority in the test process (pyHanko's DummyTimeStamper, RSA, its own
certificate), standing in for ``sharing.timestamping`` (``timestamp``, ``verify_timestamp``, its
errors) where a test needs to switch it off or to hold its certificate: patch
``sharing.ledger.timestamping`` with ``module()``. The sandbox TSA itself answers the other tests."""

from __future__ import annotations

import datetime
import hashlib
import types

from asn1crypto import algos, keys, tsp, x509
from cryptography import x509 as cx509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from sharing import timestamping
from sharing.proof_verifier import ProofError, timestamp_check


class FakeTSA:
    def __init__(self, name: str = "Test TSA") -> None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        subject = cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = datetime.datetime.now(datetime.UTC)
        certificate = (
            cx509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(cx509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(cx509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
            .sign(key, hashes.SHA256())
        )
        self.cert_pem = certificate.public_bytes(serialization.Encoding.PEM)
        self._stamper = DummyTimeStamper(
            tsa_cert=x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER)),
            tsa_key=keys.PrivateKeyInfo.load(
                key.private_bytes(
                    serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                )
            ),
        )
        self.down = False
        self.calls = 0

    def timestamp(self, data: bytes) -> bytes:
        self.calls += 1
        if self.down:
            raise timestamping.TimestampUnavailable("the time-stamping authority does not answer")
        request = tsp.TimeStampReq(
            {
                "version": 1,
                "message_imprint": tsp.MessageImprint(
                    {
                        "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                        "hashed_message": hashlib.sha256(data).digest(),
                    }
                ),
                "cert_req": True,
            }
        )
        return self._stamper.request_tsa_response(request)["time_stamp_token"].dump()

    def verify_timestamp(self, token: bytes, data: bytes) -> datetime.datetime:
        try:
            generated_at, _signer = timestamp_check(token, data, tsa_cert_pem=self.cert_pem)
        except ProofError as exc:
            raise timestamping.TimestampInvalid("signature", str(exc)) from exc
        return generated_at

    def module(self) -> types.ModuleType:
        module = types.ModuleType("sharing.timestamping")
        module.timestamp = self.timestamp  # type: ignore[attr-defined]
        module.verify_timestamp = self.verify_timestamp  # type: ignore[attr-defined]
        module.TimestampError = timestamping.TimestampError  # type: ignore[attr-defined]
        return module
