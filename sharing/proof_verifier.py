#!/usr/bin/env python3
"""Verifies an access-log inclusion proof offline: no portal, no database, no network.

This file stands alone (Python 3.11 with ``cryptography`` and ``asn1crypto``; it imports nothing
of the portal): copy it anywhere and run

    python proof_verifier.py proof.json [--keys portal-keys.json] [--tsa-cert tsa.pem]

(in the portal's tree: ``python tools/verify_access_proof.py`` or
``python manage.py verify_inclusion_proof``). A proof is what "who viewed my information" gives
for one entry (see sharing/PROTOCOL.md, "The access log"). It checks that

1. the entry's content hashes to its ``entry_hash`` (SHA-256 of the previous hash, ``|`` and the
   canonical JSON, exactly as the portal chains its log);
2. the audit path leads from that hash, at its position, to the Merkle root of the checkpoint
   (RFC 9162, section 2.1.3.2);
3. the checkpoint is signed by the portal (ES256 compact JWS) with one of ``--keys`` (a JWK set:
   download it once from ``/access-log/key.json`` and keep it; without it the keys carried in the
   proof are used, which proves only that the proof is consistent, not who made it);
4. the RFC 3161 time stamp covers exactly that signed checkpoint and is signed by the time-stamping
   authority's certificate (``--tsa-cert``: trusted; without it, the certificate in the token).

Exit status 0 when everything holds, 1 otherwise; each check is printed.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

PROOF_TYPE = "access-log-inclusion-proof"
CHECKPOINT_TYP = "access-log-checkpoint+jws"


class ProofError(Exception):
    """The proof does not hold; the message says which part."""


# --- The Merkle tree (RFC 9162, 2.1) --------------------------------------------------------


def leaf_hash(entry_hash: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry_hash).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_inclusion_path(entry_hash: bytes, index: int, size: int, path: Sequence[bytes]) -> bytes:
    """The root a leaf and its audit path lead to (RFC 9162 2.1.3.2); raises ValueError when the
    path does not have the length the position needs."""
    if not 0 <= index < size:
        raise ValueError("The leaf index is outside the tree.")
    fn, sn = index, size - 1
    node = leaf_hash(entry_hash)
    for sibling in path:
        if sn == 0:
            raise ValueError("The audit path is longer than the tree is deep.")
        if fn % 2 == 1 or fn == sn:
            node = node_hash(sibling, node)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            node = node_hash(node, sibling)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ValueError("The audit path is shorter than the tree is deep.")
    return node


# --- The portal's signature (ES256 compact JWS) ---------------------------------------------


def _b64url_decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def jws_verify(token: str, jwks: dict) -> tuple[dict, dict]:
    """The (header, payload) of a compact ES256 JWS signed by one of ``jwks``' keys."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    try:
        header_segment, payload_segment, signature_segment = token.split(".")
        header = json.loads(_b64url_decode(header_segment))
        payload = json.loads(_b64url_decode(payload_segment))
        signature = _b64url_decode(signature_segment)
    except (ValueError, TypeError) as exc:
        raise ProofError("The checkpoint is not a compact JWS.") from exc
    if header.get("alg") != "ES256" or len(signature) != 64:
        raise ProofError("The checkpoint is not signed with ES256.")
    candidates = [
        key
        for key in jwks.get("keys", [])
        if key.get("kty") == "EC" and key.get("crv") == "P-256" and key.get("use", "sig") == "sig"
    ]
    if header.get("kid"):
        candidates = [key for key in candidates if key.get("kid") == header["kid"]]
    der_signature = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    signing_input = f"{header_segment}.{payload_segment}".encode("ascii")
    for key in candidates:
        public_key = ec.EllipticCurvePublicNumbers(
            int.from_bytes(_b64url_decode(key["x"]), "big"),
            int.from_bytes(_b64url_decode(key["y"]), "big"),
            ec.SECP256R1(),
        ).public_key()
        try:
            public_key.verify(der_signature, signing_input, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            continue
        return header, payload
    raise ProofError(f"The checkpoint's signature does not verify with the portal's key {header.get('kid', '')!r}.")


# --- The time stamp (RFC 3161) --------------------------------------------------------------


def timestamp_check(token: bytes, data: bytes, *, tsa_cert_pem: bytes | None = None) -> tuple[datetime, str]:
    """The time a TimeStampToken gives ``data`` and the subject of the certificate that signed it.

    Checks the message imprint (SHA-256 of ``data``), the signed attributes' digest of the TSTInfo
    and the signer's signature over them, with ``tsa_cert_pem`` when given."""
    from asn1crypto import cms, tsp, x509

    del tsp  # imported for its effect: it teaches cms the TSTInfo content type
    from cryptography import x509 as cx509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    try:
        content_info = cms.ContentInfo.load(token)
        signed_data = content_info["content"]
        encap = signed_data["encap_content_info"]
        if encap["content_type"].native != "tst_info":
            raise ProofError("The time stamp does not hold a TSTInfo.")
        tst_der = encap["content"].contents
        tst_info = encap["content"].parsed
        imprint = tst_info["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        hashed = imprint["hashed_message"].native
        generated_at = tst_info["gen_time"].native
        signer = signed_data["signer_infos"][0]
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise ProofError("The time stamp is not an RFC 3161 token.") from exc
    if algorithm not in hashlib.algorithms_available or hashlib.new(algorithm, data).digest() != hashed:
        raise ProofError("The time stamp is over other data than the signed checkpoint.")
    digest_algorithm = signer["digest_algorithm"]["algorithm"].native
    signed_attrs = signer["signed_attrs"]
    message_digest = next(
        (attr["values"][0].native for attr in signed_attrs if attr["type"].native == "message_digest"), None
    )
    if message_digest != hashlib.new(digest_algorithm, tst_der).digest():
        raise ProofError("The time stamp's signed attributes do not match its content.")
    embedded = [
        cx509.load_der_x509_certificate(c.chosen.dump())
        for c in signed_data["certificates"] or []
        if isinstance(c.chosen, x509.Certificate)
    ]
    sid = signer["sid"]
    if sid.name == "issuer_and_serial_number":
        issuer_der, serial = sid.chosen["issuer"].dump(), sid.chosen["serial_number"].native
        candidates = [c for c in embedded if (c.issuer.public_bytes(), c.serial_number) == (issuer_der, serial)]
    else:
        candidates = embedded
    trusted = cx509.load_pem_x509_certificates(tsa_cert_pem) if tsa_cert_pem is not None else []
    if trusted and not candidates:
        candidates = trusted  # the token carries no certificate: the one given may be the signer's
    if not candidates:
        raise ProofError("The time stamp carries no certificate; give the TSA's with --tsa-cert.")
    certificate = candidates[0]
    if trusted:
        _check_chain(certificate, trusted, embedded)
    signed_bytes = signed_attrs.untag().dump()
    signature = signer["signature"].native
    hash_algorithm = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(), "sha512": hashes.SHA512()}.get(
        digest_algorithm
    )
    if hash_algorithm is None:
        raise ProofError(f"The time stamp uses an unsupported digest ({digest_algorithm}).")
    public_key = certificate.public_key()
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            if signer["signature_algorithm"].signature_algo == "rsassa_pss":
                public_key.verify(
                    signature, signed_bytes, padding.PSS(padding.MGF1(hash_algorithm), padding.PSS.AUTO), hash_algorithm
                )
            else:
                public_key.verify(signature, signed_bytes, padding.PKCS1v15(), hash_algorithm)
        elif isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, signed_bytes, ec.ECDSA(hash_algorithm))
        else:
            raise ProofError("The time stamp is signed with an unsupported key type.")
    except InvalidSignature as exc:
        raise ProofError("The time stamp's signature does not verify with the TSA's certificate.") from exc
    return generated_at, certificate.subject.rfc4514_string()


def _check_chain(certificate, trusted: list, intermediates: list) -> None:
    """The signer's certificate is one of ``trusted`` or issued (through ``intermediates``) by one."""
    from cryptography import x509 as cx509
    from cryptography.exceptions import InvalidSignature
    from cryptography.x509.oid import ExtendedKeyUsageOID

    try:
        usages = certificate.extensions.get_extension_for_class(cx509.ExtendedKeyUsage).value
    except cx509.ExtensionNotFound:
        usages = []
    if ExtendedKeyUsageOID.TIME_STAMPING not in usages:
        raise ProofError("The time stamp's signer is not a time-stamping certificate.")
    current = certificate
    for _ in range(8):
        if current in trusted:
            return
        issuers = [c for c in trusted + intermediates if c.subject == current.issuer and c != current]
        for issuer in issuers:
            try:
                current.verify_directly_issued_by(issuer)
            except (ValueError, TypeError, InvalidSignature):
                continue
            current = issuer
            break
        else:
            break
    raise ProofError("The time stamp's signature does not verify with the TSA's certificate.")


# --- The proof -----------------------------------------------------------------------------


@dataclass
class ProofResult:
    sequence: int
    tree_size: int
    checkpoint_time: str
    timestamp_time: datetime | None = None
    timestamp_signer: str = ""
    keys_from_proof: bool = False
    content: dict = field(default_factory=dict)


def verify_proof(
    proof: dict, *, jwks: dict | None = None, tsa_cert_pem: bytes | None = None, require_timestamp: bool = True
) -> ProofResult:
    """Checks an inclusion proof; raises ProofError naming the first part that fails."""
    try:
        if proof.get("type") != PROOF_TYPE:
            raise ProofError("This file is not an access-log inclusion proof.")
        entry = proof["entry"]
        canonical: str = entry["canonical"]
        previous_hash: str = entry["previous_hash"]
        entry_hash: str = entry["entry_hash"]
        index = int(proof["leaf_index"])
        size = int(proof["tree_size"])
        path = [bytes.fromhex(node) for node in proof["audit_path"]]
        signed: str = proof["checkpoint"]["signed"]
        token_b64 = proof["checkpoint"].get("timestamp_token")
        content = json.loads(canonical)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ProofError("The proof is incomplete or malformed.") from exc

    computed = hashlib.sha256(previous_hash.encode("ascii") + b"|" + canonical.encode("utf-8")).hexdigest()
    if computed != entry_hash:
        raise ProofError("The entry's content does not hash to its entry hash: the entry was changed.")
    if content.get("sequence") != index + 1:
        raise ProofError("The entry's sequence number does not match its position in the tree.")

    keys_from_proof = jwks is None
    header, statement = jws_verify(signed, jwks if jwks is not None else proof.get("keys") or {})
    if header.get("typ") != CHECKPOINT_TYP:
        raise ProofError("The signed statement is not an access-log checkpoint.")
    if statement.get("tree_size") != size:
        raise ProofError("The proof is for another tree size than its checkpoint.")
    try:
        root = root_from_inclusion_path(bytes.fromhex(entry_hash), index, size, path)
    except ValueError as exc:
        raise ProofError(f"The audit path does not fit the tree: {exc}") from exc
    if root.hex() != statement.get("root_hash"):
        raise ProofError("The audit path does not lead to the checkpoint's Merkle root: the entry is not in the log.")
    if index + 1 == size and statement.get("last_entry_hash") != entry_hash:
        raise ProofError("The checkpoint names another last entry.")

    result = ProofResult(
        sequence=index + 1,
        tree_size=size,
        checkpoint_time=str(statement.get("created_at", "")),
        keys_from_proof=keys_from_proof,
        content=content,
    )
    if token_b64:
        try:
            token = base64.b64decode(token_b64, validate=True)
        except ValueError as exc:
            raise ProofError("The time stamp is not base64.") from exc
        result.timestamp_time, result.timestamp_signer = timestamp_check(
            token, signed.encode("ascii"), tsa_cert_pem=tsa_cert_pem
        )
    elif require_timestamp:
        raise ProofError("The checkpoint has no time stamp.")
    return result


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verifies an access-log inclusion proof offline.")
    parser.add_argument("proof", help="the proof file (JSON) downloaded from 'who viewed my information'")
    parser.add_argument("--keys", help="the portal's public keys (JWK set, from /access-log/key.json)")
    parser.add_argument("--tsa-cert", help="the time-stamping authority's certificate (PEM)")
    parser.add_argument("--allow-no-timestamp", action="store_true", help="accept a checkpoint not yet time-stamped")
    args = parser.parse_args(argv)
    try:
        with open(args.proof, encoding="utf-8") as handle:
            proof = json.load(handle)
        jwks = None
        if args.keys:
            with open(args.keys, encoding="utf-8") as handle:
                jwks = json.load(handle)
        tsa_cert = None
        if args.tsa_cert:
            with open(args.tsa_cert, "rb") as handle:
                tsa_cert = handle.read()
    except (OSError, ValueError) as exc:
        _say(f"FAILED: cannot read the input: {exc}")
        return 1
    try:
        result = verify_proof(proof, jwks=jwks, tsa_cert_pem=tsa_cert, require_timestamp=not args.allow_no_timestamp)
    except ProofError as exc:
        _say(f"FAILED: {exc}")
        return 1
    _say(f"OK: entry #{result.sequence} ({result.content.get('action')}, {result.content.get('created_at')})")
    _say(f"  is entry {result.sequence} of the {result.tree_size} the portal committed to at {result.checkpoint_time}")
    if result.keys_from_proof:
        _say("  signature checked with the keys inside the proof: give --keys to check who signed it")
    else:
        _say("  signed by the portal's key given with --keys")
    if result.timestamp_time is not None:
        trust = "the certificate given with --tsa-cert" if tsa_cert else "the certificate inside the token"
        _say(f"  time-stamped at {result.timestamp_time.isoformat()} by {result.timestamp_signer} ({trust})")
    else:
        _say("  not time-stamped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
