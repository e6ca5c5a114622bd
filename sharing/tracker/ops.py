"""The operations view: per agency, requests, errors, p50/p95 latency and circuit state over the
last hour and day, so an operator sees which agency is failing before citizens do.

From the exchange log (one row per attempt, ``tracker.Exchange``), the pending fetches of the
sharing backbone and the circuit breaker's state in the shared cache.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection
from django.db.models import Aggregate, Count, FloatField, Q
from django.utils import timezone

from sharing import circuit
from sharing.models import Agency, FetchRequest

from .models import Exchange

WINDOWS = (("hour", timedelta(hours=1)), ("day", timedelta(days=1)))


class PercentileCont(Aggregate):
    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Linear interpolation between closest ranks, as PostgreSQL's percentile_cont."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    lower, upper = math.floor(position), math.ceil(position)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


@dataclass
class WindowFigures:
    requests: int = 0
    errors: int = 0
    refused: int = 0
    p50_ms: float | None = None
    p95_ms: float | None = None

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 0.0


@dataclass
class AgencyHealth:
    agency: Agency
    circuit: str
    pending: int = 0
    windows: dict[str, WindowFigures] = field(default_factory=dict)

    @property
    def status(self) -> str:
        """ok, degraded or failing: what the operator should look at first."""
        hour = self.windows.get("hour") or WindowFigures()
        if self.circuit != "closed" or (hour.requests >= 3 and hour.error_rate >= 0.5):
            return "failing"
        if hour.errors or self.pending > 20:
            return "degraded"
        return "ok"


def _window(since) -> dict[str, WindowFigures]:
    exchanges = Exchange.objects.filter(finished_at__gte=since)
    counts = Count("id")
    errors = Count("id", filter=Q(outcome=Exchange.Outcome.ERROR))
    refused = Count("id", filter=Q(outcome=Exchange.Outcome.REFUSED))
    result: dict[str, WindowFigures] = {}
    if connection.vendor == "postgresql":
        for row in (
            exchanges.values("agency_code")
            .annotate(
                requests=counts,
                errors=errors,
                refused=refused,
                p50=PercentileCont("latency_ms", 0.5),
                p95=PercentileCont("latency_ms", 0.95),
            )
            .order_by()
        ):
            result[row["agency_code"]] = WindowFigures(
                row["requests"], row["errors"], row["refused"], row["p50"], row["p95"]
            )
        return result
    latencies: dict[str, list[int]] = defaultdict(list)
    figures: dict[str, WindowFigures] = defaultdict(WindowFigures)
    for code, outcome, latency in exchanges.values_list("agency_code", "outcome", "latency_ms"):
        figure = figures[code]
        figure.requests += 1
        figure.errors += outcome == Exchange.Outcome.ERROR
        figure.refused += outcome == Exchange.Outcome.REFUSED
        latencies[code].append(latency)
    for code, figure in figures.items():
        figure.p50_ms = percentile(latencies[code], 0.5)
        figure.p95_ms = percentile(latencies[code], 0.95)
    return dict(figures)


def agency_health(*, now=None) -> list[AgencyHealth]:
    """One row per agency; four queries whatever the traffic (agencies, pending, two windows)."""
    now = now or timezone.now()
    agencies = list(Agency.objects.order_by("code"))
    pending = dict(
        FetchRequest.objects.filter(state__in=FetchRequest.PENDING_STATES)
        .values_list("item__agency__code")
        .annotate(n=Count("id"))
        .values_list("item__agency__code", "n")
    )
    windows = {name: _window(now - span) for name, span in WINDOWS}
    rows = []
    for agency in agencies:
        rows.append(
            AgencyHealth(
                agency=agency,
                circuit=circuit.state(agency),
                pending=pending.get(agency.code, 0),
                windows={name: figures.get(agency.code, WindowFigures()) for name, figures in windows.items()},
            )
        )
    order = {"failing": 0, "degraded": 1, "ok": 2}
    rows.sort(key=lambda row: (order[row.status], row.agency.code))
    return rows
