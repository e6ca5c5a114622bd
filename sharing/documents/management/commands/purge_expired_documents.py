from django.conf import settings
from django.core.management.base import BaseCommand

from sharing.documents.services import documents_orphan_files_purge, documents_retention_purge


class Command(BaseCommand):
    help = (
        "The retention job (run daily): deletes e-documents older than EDOCUMENT_RETENTION_DAYS, "
        "and stored files that no e-document names (left by rolled-back transactions)."
    )

    def handle(self, *args, **options):
        deleted = documents_retention_purge()
        orphans = documents_orphan_files_purge()
        self.stdout.write(
            f"Deleted {deleted} e-document(s) past the retention period of {settings.EDOCUMENT_RETENTION_DAYS} days "
            f"and {orphans} orphaned file(s)."
        )
