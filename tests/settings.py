"""Test configuration: the portal's settings with test overrides.

DATABASE_URL and CELERY_BROKER_URL are honoured when set (CI sets PostgreSQL and Redis);
otherwise SQLite and an in-memory broker.
"""

import os
import tempfile
from pathlib import Path

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
