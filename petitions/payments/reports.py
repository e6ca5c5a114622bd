"""The reconciliation report in words (the admin page and the command's file)."""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import PaymentReconciliation

PROBLEMS = {
    "missing_at_portal": gettext_lazy("Paid at the provider, not at the portal"),
    "missing_at_provider": gettext_lazy("Paid at the portal, unknown to the provider"),
    "amount_mismatch": gettext_lazy("Amounts differ"),
    "status_mismatch": gettext_lazy("Statuses differ"),
}


def _side(row: dict | None) -> str:
    if not row:
        return "-"
    return f"{row['amount']:,} {row['status']} {row['payment_key'] or '-'}"


def discrepancy_lines(report: PaymentReconciliation) -> list[str]:
    return [
        _("%(order)s: %(problem)s (portal: %(portal)s; provider: %(provider)s)")
        % {
            "order": entry["order_id"],
            "problem": PROBLEMS.get(entry["problem"], entry["problem"]),
            "portal": _side(entry.get("portal")),
            "provider": _side(entry.get("provider")),
        }
        for entry in report.discrepancies
    ]


def report_csv(report: PaymentReconciliation) -> str:
    """One line per discrepancy, after a summary line: for the finance office's spreadsheet."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["day", "provider", "portal_count", "provider_count", "portal_total", "provider_total"])
    writer.writerow(
        [
            report.day.isoformat(),
            report.provider,
            report.portal_count,
            report.provider_count,
            report.portal_total,
            report.provider_total,
        ]
    )
    writer.writerow([])
    writer.writerow(["order_id", "problem", "portal_amount", "portal_status", "provider_amount", "provider_status"])
    for entry in report.discrepancies:
        portal, provider = entry.get("portal") or {}, entry.get("provider") or {}
        writer.writerow(
            [
                entry["order_id"],
                entry["problem"],
                portal.get("amount", ""),
                portal.get("status", ""),
                provider.get("amount", ""),
                provider.get("status", ""),
            ]
        )
    return buffer.getvalue()
