"""Server-rendered SVG charts for the admin reports: bars (grouped, stacked or as shares of
100%) and lines. Each is an <svg role="img"> with a <title> and a <desc> that says what it shows;
the report always prints the same numbers as a table beside it. No JavaScript, no network.

Pure: a ChartSpec (plain data) in, SVG markup out."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 40, 16, 64
MAX_BAR = 72  # px per series: one or two categories do not become slabs
FALLBACK_COLOURS = ("#5b6ee1", "#e07a3f", "#2f9e6e", "#b8408f", "#c9a227", "#3c8dbc", "#8a6d3b", "#6c757d")


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float]
    colour: str = ""


@dataclass(frozen=True)
class ChartSpec:
    kind: str  # "bar" | "stacked" | "share" (stacked, as % of each category) | "line"
    title: str
    description: str
    categories: list[str]
    series: list[Series]
    unit: str = ""  # appended to axis labels, e.g. "%" or " €"


def _colour(series: Series, index: int) -> str:
    return series.colour or FALLBACK_COLOURS[index % len(FALLBACK_COLOURS)]


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1) if value >= 1 else 1
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 or value == int(value) else f"{value:,.2f}".rstrip("0").rstrip(".")


def _stack_values(spec: ChartSpec) -> list[list[float]]:
    """Per series, per category: the values to draw (shares of each category's total for 'share')."""
    values = [[float(v or 0) for v in s.values] for s in spec.series]
    if spec.kind != "share":
        return values
    totals = [sum(col) for col in zip(*values, strict=True)] if values else []
    return [[100 * v / totals[i] if totals[i] else 0.0 for i, v in enumerate(row)] for row in values]


def _legend(spec: ChartSpec, y: float) -> list[str]:
    parts, x = [], LEFT
    for i, s in enumerate(spec.series):
        label = escape(s.name)
        parts.append(f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{_colour(s, i)}"/>'
                     f'<text x="{x + 14}" y="{y}" class="legend">{label}</text>')
        x += 24 + 7 * len(s.name)
        if x > WIDTH - 120:
            x, y = LEFT, y + 14
    return parts


def _axis(top: float, unit: str, plot_h: float) -> list[str]:
    parts = []
    for i in range(5):
        value = top * i / 4
        y = TOP + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
                     f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">{_fmt(value)}{escape(unit)}</text>')
    return parts


def _category_label(x: float, y: float, text: str, anchor: str = "middle") -> str:
    short = text if len(text) <= 16 else text[:15] + "…"
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" class="tick">{escape(short)}</text>'


def _bars(spec: ChartSpec, plot_h: float) -> list[str]:
    values = _stack_values(spec)
    n_cat = max(1, len(spec.categories))
    stacked = spec.kind in ("stacked", "share")
    if stacked:
        top = 100.0 if spec.kind == "share" else _nice_max(max((sum(c) for c in zip(*values, strict=True)), default=0))
    else:
        top = _nice_max(max((v for row in values for v in row), default=0))
    plot_w = WIDTH - LEFT - RIGHT
    slot = plot_w / n_cat
    parts = _axis(top, "%" if spec.kind == "share" else spec.unit, plot_h)
    for c, category in enumerate(spec.categories):
        width = min(slot * 0.7, MAX_BAR * (1 if stacked else max(1, len(spec.series))))
        x0 = LEFT + c * slot + (slot - width) / 2
        base = 0.0
        for i, s in enumerate(spec.series):
            v = values[i][c]
            h = plot_h * v / top if top else 0
            if stacked:
                x, w, y = x0, width, TOP + plot_h - plot_h * base / top - h
                base += v
            else:
                w = width / max(1, len(spec.series))
                x, y = x0 + i * w, TOP + plot_h - h
            raw = spec.series[i].values[c]
            label = f"{category}, {s.name}: {_fmt(float(raw or 0))}{spec.unit}"
            if spec.kind == "share":
                label += f" ({v:.1f}%)"
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w - 1, 1):.1f}" height="{max(h, 0):.1f}" '
                         f'fill="{_colour(s, i)}"><title>{escape(label)}</title></rect>')
        parts.append(_category_label(LEFT + c * slot + slot / 2, TOP + plot_h + 16, category))
    return parts


def _lines(spec: ChartSpec, plot_h: float) -> list[str]:
    values = _stack_values(spec)
    top = _nice_max(max((v for row in values for v in row), default=0))
    n = len(spec.categories)
    plot_w = WIDTH - LEFT - RIGHT
    step = plot_w / max(1, n - 1)
    parts = _axis(top, spec.unit, plot_h)
    every = max(1, n // 8)
    for c, category in enumerate(spec.categories):
        if c % every == 0 or c == n - 1:
            anchor = "start" if c == 0 and n > 1 else "end" if c == n - 1 and n > 1 else "middle"
            parts.append(_category_label(LEFT + c * step, TOP + plot_h + 16, category, anchor))
    for i, s in enumerate(spec.series):
        points = [(LEFT + c * step, TOP + plot_h - plot_h * v / top) for c, v in enumerate(values[i])]
        if not points:
            continue
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{_colour(s, i)}" stroke-width="2"/>')
        for (x, y), category, v in zip(points, spec.categories, values[i], strict=True):
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{_colour(s, i)}">'
                         f'<title>{escape(f"{category}, {s.name}: {_fmt(v)}{spec.unit}")}</title></circle>')
    return parts


def render(spec: ChartSpec, chart_id: str) -> SafeString:
    """The chart as inline SVG, labelled by its <title> and <desc>."""
    legend_rows = 1 + sum(7 * len(s.name) + 24 for s in spec.series) // (WIDTH - 120 - LEFT)
    height = HEIGHT + 14 * legend_rows
    plot_h = HEIGHT - TOP - BOTTOM
    if not spec.categories or not spec.series:
        body = [f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" class="empty">No data</text>']
    else:
        body = _lines(spec, plot_h) if spec.kind == "line" else _bars(spec, plot_h)
        body += _legend(spec, HEIGHT - 18)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="report-chart" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" data-kind="{escape(spec.kind)}">'
        f'<title id="{chart_id}-t">{escape(spec.title)}</title><desc id="{chart_id}-d">{escape(spec.description)}</desc>'
        + "".join(body) + "</svg>"
    )
    return mark_safe(svg)  # noqa: S308 -- every text above is escaped
