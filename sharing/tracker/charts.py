"""Charts as inline SVG, drawn on the server: no script, no style attribute (CSP).

Colours come from classes in static/css/tracker.css; every chart has a title and a
description for screen readers, and the page shows the same data as a table.
"""

from __future__ import annotations

import math

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


def _nice_max(value: float) -> float:
    """The top of the axis: four equal, round steps (whole numbers) above the largest value."""
    if value <= 4:
        return 4
    raw_step = value / 4
    magnitude = 10 ** math.floor(math.log10(raw_step))
    for multiple in (1, 2, 5, 10):
        if multiple * magnitude >= raw_step:
            return multiple * magnitude * 4
    return 40 * magnitude


def _n(value: float) -> str:
    """A coordinate (format_html escapes its arguments to text, so numbers are formatted first)."""
    return f"{value:.1f}"


def _fmt(value: float) -> str:
    return f"{value:,.0f}"


def _frame(chart_id: str, title: str, description: str, width: int, height: int, body: SafeString) -> SafeString:
    return format_html(
        '<figure class="tracker-figure"><figcaption class="tracker-figcaption" id="{id}-caption">{title}</figcaption>'
        '<svg class="tracker-chart" id="{id}" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-title"'
        ' aria-describedby="{id}-desc" preserveAspectRatio="xMinYMin meet" focusable="false">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>{body}</svg></figure>',
        id=chart_id,
        w=width,
        h=height,
        title=title,
        desc=description,
        body=body,
    )


def column_chart(
    *, chart_id: str, title: str, description: str, labels: list[str], series: list[tuple[str, str, list[float]]]
) -> SafeString:
    """Grouped vertical bars: one group per label, one bar per series (name, css class, values)."""
    width, height = 720, 300
    left, right, top, bottom = 64, 16, 16, 56
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = _nice_max(max([v for _n, _c, values in series for v in values] or [0]))
    parts = []
    for step in range(5):
        value = peak * step / 4
        y = top + plot_h - plot_h * step / 4
        parts.append(
            format_html(
                '<line class="tracker-chart-grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
                '<text class="tracker-chart-axis" x="{}" y="{}" text-anchor="end">{}</text>',
                left,
                width - right,
                _n(y),
                _n(y),
                left - 6,
                _n(y + 4),
                _fmt(value),
            )
        )
    groups = max(len(labels), 1)
    group_w = plot_w / groups
    bar_w = min(48.0, max(2.0, (group_w * 0.8) / max(len(series), 1)))
    for index, label in enumerate(labels):
        x0 = left + group_w * index + group_w * 0.1
        for s_index, (name, css, values) in enumerate(series):
            value = values[index] if index < len(values) else 0
            bar_h = plot_h * (value / peak)
            parts.append(
                format_html(
                    '<rect class="{}" x="{}" y="{}" width="{}" height="{}"><title>{} {}: {}</title></rect>',
                    css,
                    _n(x0 + bar_w * s_index),
                    _n(top + plot_h - bar_h),
                    _n(bar_w),
                    _n(bar_h),
                    label,
                    name,
                    _fmt(value),
                )
            )
        if groups <= 12 or index % max(1, groups // 12) == 0:
            parts.append(
                format_html(
                    '<text class="tracker-chart-axis" x="{}" y="{}" text-anchor="middle">{}</text>',
                    _n(x0 + group_w * 0.4),
                    height - bottom + 18,
                    label,
                )
            )
    legend_x = left
    for name, css, _values in series:
        parts.append(
            format_html(
                '<rect class="{}" x="{}" y="{}" width="12" height="12"/>'
                '<text class="tracker-chart-legend" x="{}" y="{}">{}</text>',
                css,
                legend_x,
                height - 20,
                legend_x + 16,
                height - 10,
                name,
            )
        )
        legend_x += 16 + 12 * len(name) + 24
    return _frame(chart_id, title, description, width, height, mark_safe("".join(parts)))  # noqa: S308 (escaped parts)


def bar_chart(*, chart_id: str, title: str, description: str, rows: list[tuple[str, float]], css: str) -> SafeString:
    """Horizontal bars, one per row (label, value), for categories with long names."""
    row_h, left, right, top = 28, 220, 96, 8
    width = 720
    height = top * 2 + row_h * max(len(rows), 1)
    peak = _nice_max(max([value for _label, value in rows] or [0]))
    plot_w = width - left - right
    parts = []
    for index, (label, value) in enumerate(rows):
        y = top + row_h * index
        bar_w = plot_w * (value / peak)
        parts.append(
            format_html(
                '<text class="tracker-chart-axis" x="{}" y="{}" text-anchor="end">{}</text>'
                '<rect class="{}" x="{}" y="{}" width="{}" height="{}"><title>{}: {}</title></rect>'
                '<text class="tracker-chart-value" x="{}" y="{}">{}</text>',
                left - 8,
                _n(y + row_h * 0.65),
                label[:24],
                css,
                left,
                _n(y + 4),
                _n(bar_w),
                row_h - 8,
                label,
                _fmt(value),
                _n(left + bar_w + 6),
                _n(y + row_h * 0.65),
                _fmt(value),
            )
        )
    return _frame(chart_id, title, description, width, height, mark_safe("".join(parts)))  # noqa: S308


def line_chart(
    *, chart_id: str, title: str, description: str, labels: list[str], values: list[float], css: str
) -> SafeString:
    """One line with a dot per label (e.g. the social cost saved, cumulated by month)."""
    width, height = 720, 260
    left, right, top, bottom = 96, 16, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = _nice_max(max(values or [0]))
    parts = []
    for step in range(5):
        value = peak * step / 4
        y = top + plot_h - plot_h * step / 4
        parts.append(
            format_html(
                '<line class="tracker-chart-grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
                '<text class="tracker-chart-axis" x="{}" y="{}" text-anchor="end">{}</text>',
                left,
                width - right,
                _n(y),
                _n(y),
                left - 6,
                _n(y + 4),
                _fmt(value),
            )
        )
    count = len(values)
    points = []
    for index, value in enumerate(values):
        x = left + (plot_w * index / (count - 1) if count > 1 else plot_w / 2)
        y = top + plot_h - plot_h * (value / peak)
        points.append((x, y, labels[index], value))
    if points:
        parts.append(
            format_html(
                '<polyline class="{}" fill="none" points="{}"/>',
                css,
                " ".join(f"{x:.1f},{y:.1f}" for x, y, _l, _v in points),
            )
        )
        parts.append(
            format_html_join(
                "",
                '<circle class="{}" cx="{}" cy="{}" r="4"><title>{}: {}</title></circle>',
                ((f"{css}-dot", _n(x), _n(y), label, _fmt(value)) for x, y, label, value in points),
            )
        )
        step = max(1, count // 12)
        parts.append(
            format_html_join(
                "",
                '<text class="tracker-chart-axis" x="{}" y="{}" text-anchor="middle">{}</text>',
                ((_n(x), height - bottom + 18, label) for i, (x, _y, label, _v) in enumerate(points) if i % step == 0),
            )
        )
    return _frame(chart_id, title, description, width, height, mark_safe("".join(parts)))  # noqa: S308
