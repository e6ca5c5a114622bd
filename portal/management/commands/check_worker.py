import uuid

from django.core.management.base import BaseCommand, CommandError

from portal.tasks import worker_echo


class Command(BaseCommand):
    help = "Sends a task to the Celery workers and waits for the answer (needs a result backend)."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=10.0)

    def handle(self, *args, timeout, **options):
        token = uuid.uuid4().hex
        try:
            answer = worker_echo.delay(token).get(timeout=timeout)
        except Exception as exc:
            raise CommandError(f"No worker answered within {timeout} s: {exc.__class__.__name__}") from exc
        if answer.get("token") != token:
            raise CommandError("A worker answered with the wrong token.")
        self.stdout.write(self.style.SUCCESS(f"Worker {answer['worker']} answered."))
