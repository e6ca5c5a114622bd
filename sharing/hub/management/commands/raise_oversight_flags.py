import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sharing.hub.services_oversight import days_to_examine, oversight_flags_raise


class Command(BaseCommand):
    help = (
        "Raises the oversight flags of officials' look-ups (what the hourly task does): yesterday and "
        "today by default, or the DAYS days up to --until. A window already flagged is not flagged again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--until", help="The last day to examine, YYYY-MM-DD (default: today, Seoul).")
        parser.add_argument("--days", type=int, default=None, help="How many days up to --until (default: 2).")

    def handle(self, *args, **options):
        until = timezone.localdate()
        if options["until"]:
            try:
                until = datetime.date.fromisoformat(options["until"])
            except ValueError as exc:
                raise CommandError(f"--until must be a date YYYY-MM-DD, not {options['until']!r}.") from exc
        count = options["days"]
        if count is None:
            days = days_to_examine(today=until)
        elif not 1 <= count <= 366:
            raise CommandError("--days must be between 1 and 366.")
        else:
            days = [until - datetime.timedelta(days=offset) for offset in range(count)]
        raised = oversight_flags_raise(days=days)
        self.stdout.write(
            self.style.SUCCESS(f"{len(raised)} flag(s) raised for {min(days).isoformat()}..{max(days).isoformat()}.")
        )
