from django.core.management.base import BaseCommand
from django.db import transaction

from sharing import crypto
from sharing.models import FetchedData, FetchRequest


class Command(BaseCommand):
    help = (
        "Re-encrypts fetched data and stored subjects under the newest key of FIELD_ENCRYPTION_KEYS, "
        "so that older keys can then be removed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size, **options):
        data = self._rotate(FetchedData, "payload_encrypted", batch_size)
        subjects = self._rotate(FetchRequest, "subject_encrypted", batch_size)
        self.stdout.write(
            self.style.SUCCESS(f"Re-encrypted {data} fetched data rows and {subjects} subjects under the newest key.")
        )

    def _rotate(self, model, field: str, batch_size: int) -> int:
        changed = 0
        last_pk = 0
        while True:
            with transaction.atomic():
                rows = list(model.objects.select_for_update().filter(pk__gt=last_pk).order_by("pk")[:batch_size])
                if not rows:
                    return changed
                stale = [row for row in rows if getattr(row, field) and not crypto.is_current(getattr(row, field))]
                for row in stale:
                    setattr(row, field, crypto.encrypt_text(crypto.decrypt_text(getattr(row, field))))
                if stale:
                    model.objects.bulk_update(stale, [field])
                changed += len(stale)
                last_pk = rows[-1].pk
