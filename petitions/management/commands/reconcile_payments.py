import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from petitions.calendar import local_today
from petitions.payments.base import PaymentProviderError
from petitions.payments.reports import discrepancy_lines, report_csv
from petitions.payments.services import payments_reconcile


class Command(BaseCommand):
    help = (
        "Compares the portal's payments of a day (Korean time; default yesterday) with the payment "
        "provider's records and keeps the report (admin: payment reconciliations). Exits with status 1 "
        "when they differ. Run daily by Celery beat; safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="The day, YYYY-MM-DD (default: yesterday).")
        parser.add_argument("--output", help="Also write the report as CSV to this file.")

    def handle(self, *args, date=None, output=None, **options):
        try:
            day = datetime.date.fromisoformat(date) if date else local_today() - datetime.timedelta(days=1)
        except ValueError as exc:
            raise CommandError(f"--date must be YYYY-MM-DD, not {date!r}.") from exc
        try:
            report = payments_reconcile(day=day)
        except PaymentProviderError as exc:
            raise CommandError(
                f"The payment provider did not answer ({exc.code or 'error'}); nothing was compared."
            ) from exc
        if output:
            Path(output).write_text(report_csv(report), encoding="utf-8")
        self.stdout.write(
            f"{day}: {report.portal_count} payments at the portal ({report.portal_total:,} won), "
            f"{report.provider_count} at the provider ({report.provider_total:,} won)."
        )
        for line in discrepancy_lines(report):
            self.stdout.write(line)
        if not report.balanced:
            self.stderr.write(self.style.ERROR(f"{len(report.discrepancies)} discrepancies."))
            raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS("Balanced."))
