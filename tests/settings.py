"""Test configuration: the portal's settings with test overrides.

DATABASE_URL and CELERY_BROKER_URL are honoured when set (CI sets PostgreSQL and Redis);
otherwise SQLite and an in-memory broker.
"""

import os
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


def _redis_databases_of_this_worker() -> None:
    """Under pytest-xdist (``make test`` runs two workers), each worker process needs Redis
    databases of its own: the tests clear the cache (FLUSHDB) and the real-worker test consumes
    whatever the broker holds. Worker ``gwK`` moves the broker's and the cache's database numbers
    up by K strides, a stride being one more than the distance between the two numbers, so the
    workers' sets never meet (CI's 5 and 6 become 7 and 8 on ``gw1``). The environment is
    changed, not only the settings, so processes a test starts (a Celery worker, ``manage.py``)
    use the same databases. Without xdist nothing changes."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return
    index = int(worker.removeprefix("gw"))
    urls = {name: urlsplit(os.environ[name]) for name in ("CELERY_BROKER_URL", "CACHE_URL") if name in os.environ}
    urls = {name: url for name, url in urls.items() if url.scheme in ("redis", "rediss")}
    numbers = {name: int(url.path.strip("/") or 0) for name, url in urls.items()}
    if not index or not numbers:
        return
    stride = max(numbers.values()) - min(numbers.values()) + 1
    for name, url in urls.items():
        number = numbers[name] + index * stride
        if number > 15:
            raise RuntimeError(
                f"{name}: pytest-xdist worker {worker} would use Redis database {number} (only 0-15 exist by "
                "default); run fewer workers (make test TEST_WORKERS=N) or lower database numbers"
            )
        os.environ[name] = urlunsplit(url._replace(path=f"/{number}"))


_redis_databases_of_this_worker()
os.environ.setdefault("CELERY_BROKER_URL", "memory://")
_TEST_VAR = Path(tempfile.mkdtemp(prefix="portal-test-var-"))
os.environ.setdefault("PORTAL_VAR_DIR", str(_TEST_VAR))

from portal.settings import *  # noqa: E402,F403
from portal.settings import CELERY_BROKER_URL  # noqa: E402

# Tasks run in the test process unless a test starts a real worker (tests/portal/test_worker.py).
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else None

from portal.settings import CACHE_URL  # noqa: E402

if not CACHE_URL:
    CACHES["default"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}  # noqa: F405

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LANGUAGE_CODE = "ko"
