"""Issue 13, point 8: `manage.py migrate` works on a fresh clone, before var/ exists."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# A fresh clone's environment: none of the variables that point the portal at servers.
SERVER_VARIABLES = ("DATABASE_URL", "CACHE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")


def test_migrate_on_a_fresh_clone_creates_what_it_needs(tmp_path):
    var_dir = tmp_path / "clone" / "var"
    assert not var_dir.parent.exists()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DEBUG")) and k not in SERVER_VARIABLES}
    env |= {"DJANGO_SETTINGS_MODULE": "portal.settings", "PORTAL_VAR_DIR": str(var_dir)}
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    assert (var_dir / "portal.sqlite3").is_file()
    check = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--check", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr
