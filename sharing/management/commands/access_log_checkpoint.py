from django.core.management.base import BaseCommand, CommandError

from sharing.ledger import LedgerError, checkpoint_run


class Command(BaseCommand):
    help = (
        "Commits to the access log now: a signed, time-stamped checkpoint of its entries, exported "
        "write-once (beat does it every minute when there are new entries)."
    )

    def handle(self, *args, **options):
        try:
            checkpoint = checkpoint_run()
        except LedgerError as exc:
            raise CommandError(
                f"No checkpoint: the access log does not verify ({exc}). Run verify_access_log."
            ) from exc
        if checkpoint is None:
            self.stdout.write("No new entries since the last checkpoint.")
            return
        stamp = (
            f"time-stamped at {checkpoint.timestamped_at.isoformat()}"
            if checkpoint.timestamped_at
            else "time stamp pending (the time-stamping authority did not answer; beat retries)"
        )
        self.stdout.write(
            self.style.SUCCESS(f"Checkpoint of {checkpoint.tree_size} entries, root {checkpoint.root_hash}, {stamp}.")
        )
