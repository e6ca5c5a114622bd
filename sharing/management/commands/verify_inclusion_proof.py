import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sharing.proof_verifier import ProofError, verify_proof


class Command(BaseCommand):
    help = (
        "Verifies an access-log inclusion proof (the JSON a citizen downloads from 'who viewed my "
        "information') offline: entry hash, audit path, the portal's signature and the time stamp. "
        "Reads no database; the same check as tools/verify_access_proof.py."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the proof file (JSON)")
        parser.add_argument("--keys", help="the portal's public keys (JWK set, /access-log/key.json)")
        parser.add_argument("--tsa-cert", help="the time-stamping authority's certificate (PEM)")
        parser.add_argument("--allow-no-timestamp", action="store_true")

    def handle(self, *args, **options):
        try:
            proof = json.loads(Path(options["file"]).read_text("utf-8"))
            jwks = json.loads(Path(options["keys"]).read_text("utf-8")) if options["keys"] else None
            tsa_cert = Path(options["tsa_cert"]).read_bytes() if options["tsa_cert"] else None
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read the input: {exc}") from exc
        try:
            result = verify_proof(
                proof, jwks=jwks, tsa_cert_pem=tsa_cert, require_timestamp=not options["allow_no_timestamp"]
            )
        except ProofError as exc:
            raise CommandError(f"The proof does not hold: {exc}") from exc
        stamp = (
            f", time-stamped at {result.timestamp_time.isoformat()} by {result.timestamp_signer}"
            if result.timestamp_time
            else ", not time-stamped"
        )
        keys = " (signature checked with the keys inside the proof)" if result.keys_from_proof else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"The proof holds: entry #{result.sequence} is in the {result.tree_size} entries the portal "
                f"committed to at {result.checkpoint_time}{stamp}{keys}."
            )
        )
