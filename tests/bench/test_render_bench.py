"""`make bench`: the cost of a receipt, and the memory of a worker that renders many.

1. Median time to render a one-page receipt (template, QR code, PDF/A-3a with tags and the
   embedded Hangul font) against WeasyPrint rendering a one-paragraph page in a system font,
   interleaved in the same run. Target ratio: at most 2.0 (printed, not asserted: timings
   depend on the machine, and on the library WeasyPrint subsets fonts with, also printed).
2. A child process renders 500 receipts as a documents worker does; its resident memory over
   the first 100 and the last 100 receipts is printed, and must not keep growing.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.utils import timezone

ROUNDS = 40
WORKER_RECEIPTS = int(os.environ.get("BENCH_WORKER_RECEIPTS", "500"))
PARAGRAPH = (
    "<html><body><p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
    "incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation.</p>"
    "</body></html>"
)


def receipt_context(*, code: str, issued_at, serial: int = 0) -> dict:
    from sharing.documents import codes, rendering
    from sharing.documents.services import verify_url

    case_ref = f"2026-{serial + 1:07d}"
    return {
        "petition_type": "건축물 용도변경 신고",
        "applicant": {"name": "김민원", "address": "서울특별시 종로구 세종대로 209"},
        "submitted_at": issued_at.isoformat(),
        "due_date": "2026-12-04",
        "fee": 3000,
        "fetched_items": [
            {"name": "주민등록표 초본", "agency": "행정안전부"},
            {"name": "건축물대장", "agency": "국토교통부"},
            {"name": "토지대장", "agency": "국토교통부"},
        ],
        "office_phone": "02-2148-1114",
        "doc": {
            "title": "민원 접수증",
            "kind": "receipt",
            "kind_label": "접수증",
            "subject": f"접수증 — {case_ref}",
            "case_ref": case_ref,
            "office_name": "종로구청",
            "language": "ko",
            "issued_at": timezone.localtime(issued_at),
            "issued_at_iso": issued_at.isoformat(),
            "code": code,
            "code_display": codes.display(code),
            "verify_url": verify_url(code),
            "qr": rendering.qr_data_uri(verify_url(code)),
        },
    }


def test_receipt_render_time_against_a_plain_paragraph():
    from pypdf import PdfReader
    from weasyprint import HTML

    from sharing.documents import codes, rendering

    def receipt():
        code = codes.generate()
        context = receipt_context(code=code, issued_at=timezone.now())
        return rendering.render_pdf(template_name="documents/receipt.html", context=context, language="ko")

    def paragraph():
        return HTML(string=PARAGRAPH).write_pdf()

    import io

    assert len(PdfReader(io.BytesIO(receipt())).pages) == 1  # warm-up, and it is one page
    paragraph()
    receipt_times, paragraph_times = [], []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        receipt()
        receipt_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        paragraph()
        paragraph_times.append(time.perf_counter() - start)
    receipt_median = statistics.median(receipt_times)
    paragraph_median = statistics.median(paragraph_times)
    ratio = receipt_median / paragraph_median
    print()
    print(f"[render] one-page receipt, median of {ROUNDS}: {receipt_median * 1000:.1f} ms")
    print(f"[render] one-paragraph page in a system font, median of {ROUNDS}: {paragraph_median * 1000:.1f} ms")
    print(f"[render] ratio: {ratio:.2f} (target <= 2.0: {'met' if ratio <= 2.0 else 'NOT met'})")
    print(f"[render] fonts subset by {font_subsetter()}")


def font_subsetter() -> str:
    """Which library WeasyPrint subsets fonts with here: both pages pay for it, and it weighs
    differently in each (HarfBuzz-Subset takes about a millisecond a font, fontTools tens of
    milliseconds), so the ratio depends on it."""
    from weasyprint.text.ffi import harfbuzz_subset

    return "HarfBuzz-Subset" if harfbuzz_subset else "fontTools (no HarfBuzz-Subset library on this system)"


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs /proc to read resident memory")
def test_worker_memory_does_not_keep_growing():
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": str(root)}
    completed = subprocess.run(
        [sys.executable, "-m", "tests.bench.render_worker", str(WORKER_RECEIPTS)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    samples = [json.loads(line) for line in completed.stdout.splitlines() if line.startswith("{")]
    assert len(samples) == WORKER_RECEIPTS
    window = min(100, WORKER_RECEIPTS // 2)
    first, last = samples[:window], samples[-window:]
    first_peak = max(s["rss_kib"] for s in first)
    last_peak = max(s["rss_kib"] for s in last)
    first_mean = statistics.mean(s["rss_kib"] for s in first)
    last_mean = statistics.mean(s["rss_kib"] for s in last)
    print()
    print(f"[memory] worker after {WORKER_RECEIPTS} receipts: peak RSS {samples[-1]['peak_kib'] / 1024:.1f} MiB")
    print(f"[memory] receipts 1-{window}: peak RSS {first_peak / 1024:.1f} MiB, mean {first_mean / 1024:.1f} MiB")
    print(
        f"[memory] receipts {WORKER_RECEIPTS - window + 1}-{WORKER_RECEIPTS}: peak RSS {last_peak / 1024:.1f} MiB, "
        f"mean {last_mean / 1024:.1f} MiB"
    )
    print(f"[memory] growth between the two windows: {(last_peak - first_peak) / 1024:+.1f} MiB")
    # Allocator noise is a few MiB; a leak of even 20 KiB a receipt would show as 8 MiB here.
    assert last_peak - first_peak < 8 * 1024
