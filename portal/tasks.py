import socket

from celery import shared_task


@shared_task(name="portal.tasks.worker_echo", acks_late=False)
def worker_echo(token: str) -> dict:
    """Answers with the token it was given: proves a worker consumes and answers.

    Used by ``manage.py check_worker`` and the worker test; idempotent and harmless.
    """
    return {"token": token, "worker": socket.gethostname()}
