"""The geometry of the charts drawn as inline SVG on the server: no script, no style attribute (CSP).

Each function computes a chart's coordinates (as text, one decimal) and returns them with the
template that draws it (templates/tracker/charts/): a page shows one with
``{% include chart.template with chart=chart %}``. Colours come from classes in
static/css/tracker.css; every chart has a title and a description for screen readers, and the
page shows the same data as a table.
"""

from __future__ import annotations

import math


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
    """A coordinate, formatted here so that the template shows it as is (no localisation)."""
    return f"{value:.1f}"


def _fmt(value: float) -> str:
    return f"{value:,.0f}"


def _frame(template: str, chart_id: str, title: str, description: str, width: int, height: int, **parts) -> dict:
    return {
        "template": f"tracker/charts/{template}.html",
        "id": chart_id,
        "title": title,
        "description": description,
        "width": width,
        "height": height,
        **parts,
    }


def _grid(*, peak: float, left: int, right_x: int, top: int, plot_h: int) -> list[dict]:
    """Five horizontal lines, from 0 to ``peak``, each with its value at the left."""
    lines = []
    for step in range(5):
        y = top + plot_h - plot_h * step / 4
        lines.append(
            {
                "x1": left,
                "x2": right_x,
                "y": _n(y),
                "label_x": left - 6,
                "label_y": _n(y + 4),
                "label": _fmt(peak * step / 4),
            }
        )
    return lines


def column_chart(
    *, chart_id: str, title: str, description: str, labels: list[str], series: list[tuple[str, str, list[float]]]
) -> dict:
    """Grouped vertical bars: one group per label, one bar per series (name, css class, values)."""
    width, height = 720, 300
    left, right, top, bottom = 64, 16, 16, 56
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = _nice_max(max([v for _n, _c, values in series for v in values] or [0]))
    groups = max(len(labels), 1)
    group_w = plot_w / groups
    bar_w = min(48.0, max(2.0, (group_w * 0.8) / max(len(series), 1)))
    groups_drawn = []
    for index, label in enumerate(labels):
        x0 = left + group_w * index + group_w * 0.1
        bars = []
        for s_index, (name, css, values) in enumerate(series):
            value = values[index] if index < len(values) else 0
            bar_h = plot_h * (value / peak)
            bars.append(
                {
                    "css": css,
                    "x": _n(x0 + bar_w * s_index),
                    "y": _n(top + plot_h - bar_h),
                    "width": _n(bar_w),
                    "height": _n(bar_h),
                    "label": label,
                    "name": name,
                    "value": _fmt(value),
                }
            )
        shown = groups <= 12 or index % max(1, groups // 12) == 0
        groups_drawn.append(
            {
                "bars": bars,
                "label": label if shown else None,
                "label_x": _n(x0 + group_w * 0.4),
                "label_y": height - bottom + 18,
            }
        )
    legend = []
    legend_x = left
    for name, css, _values in series:
        legend.append(
            {"css": css, "x": legend_x, "y": height - 20, "text_x": legend_x + 16, "text_y": height - 10, "name": name}
        )
        legend_x += 16 + 12 * len(name) + 24
    return _frame(
        "column",
        chart_id,
        title,
        description,
        width,
        height,
        grid=_grid(peak=peak, left=left, right_x=width - right, top=top, plot_h=plot_h),
        groups=groups_drawn,
        legend=legend,
    )


def bar_chart(*, chart_id: str, title: str, description: str, rows: list[tuple[str, float]], css: str) -> dict:
    """Horizontal bars, one per row (label, value), for categories with long names."""
    row_h, left, right, top = 28, 220, 96, 8
    width = 720
    height = top * 2 + row_h * max(len(rows), 1)
    peak = _nice_max(max([value for _label, value in rows] or [0]))
    plot_w = width - left - right
    bars = []
    for index, (label, value) in enumerate(rows):
        y = top + row_h * index
        bar_w = plot_w * (value / peak)
        bars.append(
            {
                "label": label,
                "label_x": left - 8,
                "text_y": _n(y + row_h * 0.65),
                "x": left,
                "y": _n(y + 4),
                "width": _n(bar_w),
                "height": row_h - 8,
                "value": _fmt(value),
                "value_x": _n(left + bar_w + 6),
            }
        )
    return _frame("bar", chart_id, title, description, width, height, css=css, bars=bars)


def line_chart(
    *, chart_id: str, title: str, description: str, labels: list[str], values: list[float], css: str
) -> dict:
    """One line with a dot per label (e.g. the social cost saved, cumulated by month)."""
    width, height = 720, 260
    left, right, top, bottom = 96, 16, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = _nice_max(max(values or [0]))
    count = len(values)
    step = max(1, count // 12)
    points = []
    for index, value in enumerate(values):
        x = left + (plot_w * index / (count - 1) if count > 1 else plot_w / 2)
        y = top + plot_h - plot_h * (value / peak)
        points.append(
            {"x": _n(x), "y": _n(y), "label": labels[index], "value": _fmt(value), "axis_label": index % step == 0}
        )
    return _frame(
        "line",
        chart_id,
        title,
        description,
        width,
        height,
        css=css,
        grid=_grid(peak=peak, left=left, right_x=width - right, top=top, plot_h=plot_h),
        points=points,
        polyline=" ".join(f"{point['x']},{point['y']}" for point in points),
        axis_y=height - bottom + 18,
    )
