from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from sharing.documents import pades


class Command(BaseCommand):
    help = (
        "Rotates the key that signs e-documents (PAdES). In development: a new key and a certificate from the "
        "portal sandbox CA replace the configured ones. Everywhere, --check signs a test PDF with the configured "
        "key and validates it (run it after installing a new sealing certificate, then restart the web and worker "
        "processes). Documents signed before a rotation stay valid: each carries its certificate chain and time stamp."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="only check the configured key, certificate, chain and time stamps"
        )

    def handle(self, *args, check=False, **options):
        if not check:
            try:
                certificate = pades.sandbox_sealing_key_rotate()
            except ImproperlyConfigured as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(
                f"New sealing certificate {certificate.serial_number:x} (valid until "
                f"{certificate.not_valid_after_utc:%Y-%m-%d}); restart the web and worker processes."
            )
        result = pades.sealing_configuration_check()
        if not result.valid:
            raise CommandError(f"A test PDF signed with the configured sealing key does not validate: {result.outcome}")
        self.stdout.write(
            f"A test PDF signed now validates: {result.signer}, time-stamped {result.signed_at:%Y-%m-%d %H:%M:%S} UTC."
        )
