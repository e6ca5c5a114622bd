"""A stand-in for a documents worker process, run by test_render_bench.py in a child process:
renders, hashes and seals N receipts as the render task does (without the database) and
prints the resident memory after each one as JSON lines."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import sys


def _rss_kib() -> int:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") // 1024


def main(count: int) -> None:
    import django

    django.setup()
    from django.utils import timezone

    from sharing.documents import codes, rendering
    from sharing.documents.seal import seal_sign
    from tests.bench.test_render_bench import receipt_context

    for index in range(count):
        code = codes.generate()
        context = receipt_context(code=code, issued_at=timezone.now(), serial=index)
        pdf = rendering.render_pdf(template_name="documents/receipt.html", context=context, language="ko")
        seal_sign(sha256=hashlib.sha256(pdf).hexdigest(), verification_code=code)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({"n": index + 1, "rss_kib": _rss_kib(), "peak_kib": peak, "bytes": len(pdf)}), flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]))
