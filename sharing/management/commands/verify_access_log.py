from django.core.management.base import BaseCommand, CommandError

from sharing.ledger import ledger_verify


class Command(BaseCommand):
    help = (
        "Verifies the access log: its hash chain, and its Merkle root against every signed checkpoint "
        "in the database and in the write-once exports. Reports each contradiction with its checkpoint."
    )

    def handle(self, *args, **options):
        result = ledger_verify()
        for warning in result.warnings:
            self.stdout.write(self.style.WARNING(f"Note: {warning}"))
        lines = []
        if result.chain_broken_at is not None:
            lines.append(f"The access log is broken at entry #{result.chain_broken_at}: {result.chain_reason}.")
        lines.extend(result.problems)
        if lines:
            raise CommandError("\n".join(lines))
        self.stdout.write(
            self.style.SUCCESS(
                f"The access log is intact: {result.entries} entries verified against "
                f"{result.checkpoints} checkpoint(s)."
            )
        )
