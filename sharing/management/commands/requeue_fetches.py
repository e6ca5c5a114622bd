from datetime import timedelta

from django.core.management.base import BaseCommand

from sharing.services import fetch_requests_requeue_due


class Command(BaseCommand):
    help = (
        "Queues again the pending fetches whose attempt is due but has not run for a while "
        "(after a broker was flushed or a worker was lost). Safe to run at any time, e.g. from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument("--stalled-minutes", type=int, default=10)

    def handle(self, *args, stalled_minutes, **options):
        count = fetch_requests_requeue_due(stalled_after=timedelta(minutes=stalled_minutes))
        self.stdout.write(self.style.SUCCESS(f"Queued {count} stalled fetches again."))
