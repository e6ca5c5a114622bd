"""A long-lived ``manage.py sandbox_faults`` for the soak run: one Django start, then one command a line.

Under load a fresh ``manage.py`` takes several seconds to start, which would blur when an agency
goes down and comes back. The soak run starts this once with the stack's environment and writes
JSON lists of arguments (``["mois", "--down"]``) to its stdin; each answer is one JSON line.

    python -m tests.bench.soak.faults_console
"""

from __future__ import annotations

import io
import json
import sys


def main() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        out = io.StringIO()
        try:
            call_command("sandbox_faults", *json.loads(line), stdout=out)
            answer = {"ok": True, "output": out.getvalue().strip()}
        except Exception as exc:  # noqa: BLE001 (reported to the soak run)
            answer = {"ok": False, "output": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(answer, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
