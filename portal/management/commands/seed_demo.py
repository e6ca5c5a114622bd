from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

# Each app adds its demo data as a step here: a function `seed(*, stdout=None, **options)`.
# Steps run in this order and each is idempotent, so running the command twice changes nothing.
SEED_STEPS = [
    "portal.demo.seed",
    "portal.notifications.demo.seed",
    "sharing.demo.seed",
    "sharing.hub.demo_roles.seed",
    "sharing.sandbox.demo.seed",
    "sharing.hub.demo.seed",
    "petitions.demo.seed",
    "sharing.tracker.demo.seed",
    "petitions.demo_refunds.seed",
    "sharing.hub.demo_lookups.seed",
    "sharing.submissions.demo.seed",
    "petitions.api.demo.seed",
    # Last: every decided use made above is pushed to its owning agency (the sandbox's copy).
    "sharing.hub.push.seed",
]


class Command(BaseCommand):
    help = "Loads the demo offices, accounts and data (development only)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--residents",
            type=int,
            default=2000,
            help="Synthetic residents in the sandbox registers (default 2,000; more for benchmarks).",
        )

    def handle(self, *args, **options):
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError(
                "Demo data is refused when DEBUG is off: its accounts have a published password and OTP secret."
            )
        # Deciding the demo's uses queues their pushes to the agencies (sharing.hub.push): with the
        # filesystem broker of `make run`, its folders must be there before the first task is sent.
        from portal.celery import ensure_broker_folders

        ensure_broker_folders()
        for dotted in SEED_STEPS:
            self.stdout.write(f"Seeding {dotted} …")
            import_string(dotted)(stdout=self.stdout, residents=options["residents"])
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))
