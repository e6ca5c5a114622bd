from django.core.management.base import BaseCommand, CommandError

from sharing.audit import verify_chain


class Command(BaseCommand):
    help = "Verifies the hash chain of the access log and reports the first broken link."

    def handle(self, *args, **options):
        result = verify_chain()
        if result.ok:
            self.stdout.write(self.style.SUCCESS(f"The access log is intact: {result.checked} entries verified."))
            return
        raise CommandError(
            f"The access log is broken at entry #{result.first_broken_sequence}: {result.reason} "
            f"({result.checked} entries before it verified)."
        )
