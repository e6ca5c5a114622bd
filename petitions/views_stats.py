"""/stats/ (public): what sharing saves, over the petitions filed (petitions.stats).

Mounted in the ``tracker`` namespace by the root URLconf, next to the access-log pages.
"""

from __future__ import annotations

from decimal import Decimal
from itertools import accumulate

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portal.models import UsingAgency
from portal.roles import english_active
from sharing.tracker import charts

from . import stats


def _name(row: dict) -> str:
    return row["name_en"] if english_active() and row.get("name_en") else row["name_ko"]


@require_GET
def stats_page(request):
    data = stats.figures()
    months = data["by_month"]
    by_type = [{**row, "name": _name(row)} for row in data["by_type"]]
    by_agency = [{**row, "name": _name(row)} for row in data["by_agency"]]
    labels = [row["month"] for row in months]
    uses_by_kind = [{**row, "label": UsingAgency.Kind(row["kind"]).label} for row in data["uses_by_kind"]]
    context = {
        "totals": data["totals"],
        "savings": stats.savings(data["totals"]),
        "coefficients": stats.COST_PER_DOCUMENT,
        "won_per_document": stats.WON_PER_DOCUMENT,
        "hours_per_petitioner": stats.HOURS_PER_PETITIONER,
        "processing": data["processing"],
        "on_time_percent": (
            round(100 * data["processing"]["on_time"] / data["processing"]["decided"], 1)
            if data["processing"]["decided"]
            else None
        ),
        "carbon_kg_per_case": stats.CARBON_KG_PER_CASE.quantize(Decimal("0.01")),
        "carbon_tonnes": stats.CARBON_TONNES_2005_2012,
        "carbon_cases": stats.CASES_2005_2012,
        "carbon_source": stats.CARBON_SOURCE,
        "cases_source": stats.CASES_SOURCE,
        "uses_by_kind": uses_by_kind,
        "uses_total": sum(row["uses"] for row in uses_by_kind),
        "months": months,
        "by_type": by_type,
        "by_agency": by_agency,
        "month_chart": charts.column_chart(
            chart_id="chart-months",
            title=_("Petitions filed and documents not brought, by month"),
            description=_("Bars per month; the same figures are in the table below."),
            labels=labels,
            series=[
                (_("Petitions filed"), "tracker-series-a", [row["petitions"] for row in months]),
                (_("Documents not brought"), "tracker-series-b", [row["documents"] for row in months]),
            ],
        ),
        "savings_chart": charts.line_chart(
            chart_id="chart-savings",
            title=_("Social cost saved, cumulated (won)"),
            description=_("A line rising month by month; the same figures are in the table below."),
            labels=labels,
            values=list(accumulate(row["won_saved"] for row in months)),
            css="tracker-line",
        ),
        "type_chart": charts.bar_chart(
            chart_id="chart-types",
            title=_("Documents not brought, by petition type"),
            description=_("One bar per petition type; the same figures are in the table below."),
            rows=[(row["name"], row["documents"]) for row in by_type[:15]],
            css="tracker-series-b",
        ),
        "kind_chart": charts.bar_chart(
            chart_id="chart-kinds",
            title=_("Uses of shared information, by kind of using agency"),
            description=_("One bar per kind of agency; the same figures are in the table below."),
            rows=[(row["label"], row["uses"]) for row in uses_by_kind],
            css="tracker-series-a",
        ),
        "agency_chart": charts.bar_chart(
            chart_id="chart-agencies",
            title=_("Documents not brought, by owning agency"),
            description=_("One bar per agency; the same figures are in the table below."),
            rows=[(row["name"], row["documents"]) for row in by_agency],
            css="tracker-series-c",
        ),
    }
    return render(request, "stats/stats.html", context)
