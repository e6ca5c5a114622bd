from django.conf import settings
from django.core.management.base import BaseCommand

from sharing.documents.services import documents_retention_purge


class Command(BaseCommand):
    help = "Deletes e-documents older than EDOCUMENT_RETENTION_DAYS (the retention job; run daily)."

    def handle(self, *args, **options):
        deleted = documents_retention_purge()
        self.stdout.write(
            f"Deleted {deleted} e-document(s) past the retention period of {settings.EDOCUMENT_RETENTION_DAYS} days."
        )
