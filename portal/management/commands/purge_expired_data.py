from django.core.management.base import BaseCommand

from portal.retention import retention_purge


class Command(BaseCommand):
    help = (
        "The retention job (Celery beat runs it daily): deletes fetched information, attachments, drafts and "
        "e-documents past their retention periods, logging every deletion in the access log. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would be deleted; delete nothing.")

    def handle(self, *args, dry_run=False, **options):
        report = retention_purge(dry_run=dry_run)
        for line in report.lines():
            self.stdout.write(line)
