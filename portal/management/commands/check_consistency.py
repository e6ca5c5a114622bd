import json
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from portal.consistency import check_consistency, read_receipts, render_text


class Command(BaseCommand):
    help = (
        "Checks the database after a load or fault run: no petition lost or stored twice, no item "
        "fetched twice, every fetch fetched or failed with its reason, nothing stuck, the access-log "
        "chain intact. Prints the counts; exits non-zero on any violation."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--expected-receipts",
            metavar="FILE",
            help="Receipt numbers a client was given, one a line: each must be stored once.",
        )
        parser.add_argument(
            "--idle",
            action="store_true",
            help="No work should remain (load stopped, queues drained): any pending fetch, "
            "document or collecting petition is a violation.",
        )
        parser.add_argument(
            "--stalled-seconds",
            type=int,
            default=600,
            help="A pending fetch due and untouched this long is stalled (default 600).",
        )
        parser.add_argument(
            "--since", help="ISO date-time: read the access log and the agencies' transactions from this time on."
        )
        parser.add_argument("--examples", type=int, default=5, help="Examples shown per violation.")
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")

    def handle(self, *args, expected_receipts, idle, stalled_seconds, since, examples, json: bool, **options):
        receipts = None
        if expected_receipts:
            try:
                receipts = read_receipts(expected_receipts)
            except OSError as exc:
                raise CommandError(f"Cannot read {expected_receipts}: {exc}") from exc
        since_at = None
        if since:
            since_at = parse_datetime(since)
            if since_at is None:
                raise CommandError(f"--since {since!r} is not an ISO date-time.")
        report = check_consistency(
            expected_receipts=receipts,
            idle=idle,
            stalled_after=timedelta(seconds=stalled_seconds),
            since=since_at,
            examples=examples,
        )
        if json:
            self.stdout.write(_dumps(report.as_dict()))
        else:
            self.stdout.write(render_text(report))
        if not report.ok:
            raise CommandError(
                f"{len(report.violations)} consistency violation(s): " + ", ".join(v.check for v in report.violations)
            )


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)
