"""Inline SVG line charts for the HTML report, drawn in Python (no scripts, fonts or images:
the page's Content-Security-Policy forbids fetching any)."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 720, 260
PAD_L, PAD_R, PAD_T, PAD_B = 56, 16, 20, 48
GRID_STEPS = 4
MAX_X_LABELS = 8


@dataclass
class Series:
    name: str
    values: list[float | None]
    color: str
    #: an SVG stroke-dasharray: a dashed series drawn over another lets the one below show
    dash: str | None = None


@dataclass(frozen=True)
class _Plot:
    """The plot area: ``points`` positions along x, values from 0 to ``top`` along y."""

    points: int
    top: float

    def x(self, i: int) -> float:
        plot_w = WIDTH - PAD_L - PAD_R
        return PAD_L + (plot_w / 2 if self.points == 1 else plot_w * i / (self.points - 1))

    def y(self, v: float) -> float:
        plot_h = HEIGHT - PAD_T - PAD_B
        return PAD_T + plot_h * (1 - min(max(v / self.top, 0.0), 1.0))


def line_chart(
    chart_id: str,
    title: str,
    labels: list[str],
    series: list[Series],
    *,
    unit: str,
    y_max: float | None = None,
    threshold: tuple[float, str] | None = None,
) -> str:
    """An SVG line chart with axes, gridlines, point markers and an optional threshold line."""
    values = [v for s in series for v in s.values if v is not None]
    data_max = max(values, default=0.0)
    # Show the threshold on the scale unless it would squash the data against the axis.
    show_threshold = threshold is not None and (
        y_max is not None or data_max == 0 or threshold[0] <= 2.5 * data_max
    )
    ceiling = max(data_max, threshold[0] if threshold and show_threshold else 0.0)
    plot = _Plot(len(labels), y_max if y_max is not None else _nice_max(ceiling))
    parts = [
        _svg_open(chart_id, title, plot.points),
        *_gridlines(plot, unit),
        *_x_labels(plot, labels),
        _axes(),
    ]
    if threshold is not None:
        parts.append(_threshold_mark(plot, threshold, on_scale=show_threshold))
    parts.extend(_series_and_legend(plot, series, labels, unit))
    parts.append("</svg>")
    return "".join(parts)


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** len(str(int(value)))
    for step in (0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0):
        if value <= magnitude * step:
            return magnitude * step
    return magnitude


def _svg_open(chart_id: str, title: str, points: int) -> str:
    return (
        f'<svg class="chart" id="{chart_id}" data-chart="{chart_id}" data-points="{points}" '
        f'role="img" aria-label="{escape(title)}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>"
    )


def _gridlines(plot: _Plot, unit: str) -> list[str]:
    """Horizontal gridlines with their values, from 0 to the top."""
    parts = []
    for k in range(GRID_STEPS + 1):
        gv = plot.top * k / GRID_STEPS
        gy = plot.y(gv)
        parts.append(
            f'<line class="grid" x1="{PAD_L}" x2="{WIDTH - PAD_R}" y1="{gy:.1f}" y2="{gy:.1f}"/>'
        )
        parts.append(
            f'<text class="tick" x="{PAD_L - 6}" y="{gy + 4:.1f}" text-anchor="end">'
            f"{gv:g}{escape(unit)}</text>"
        )
    return parts


def _x_labels(plot: _Plot, labels: list[str]) -> list[str]:
    """At most about ``MAX_X_LABELS`` period labels, always the last one."""
    n = plot.points
    stride = max(1, n // MAX_X_LABELS)
    parts = []
    for i, label in enumerate(labels):
        if i % stride == 0 or i == n - 1:
            anchor = (
                "middle" if n == 1 else "start" if i == 0 else "end" if i == n - 1 else "middle"
            )
            parts.append(
                f'<text class="tick" x="{plot.x(i):.1f}" y="{HEIGHT - PAD_B + 18}" '
                f'text-anchor="{anchor}">{escape(label)}</text>'
            )
    return parts


def _axes() -> str:
    return (
        f'<line class="axis" x1="{PAD_L}" x2="{PAD_L}" y1="{PAD_T}" y2="{HEIGHT - PAD_B}"/>'
        f'<line class="axis" x1="{PAD_L}" x2="{WIDTH - PAD_R}" y1="{HEIGHT - PAD_B}" '
        f'y2="{HEIGHT - PAD_B}"/>'
    )


def _threshold_mark(plot: _Plot, threshold: tuple[float, str], *, on_scale: bool) -> str:
    """A dashed line at the threshold, or a note when it is far above the data."""
    value, label = threshold
    if not on_scale:
        return (
            f'<text class="threshold-label" x="{WIDTH - PAD_R - 4}" y="{PAD_T + 10}" '
            f'text-anchor="end">{escape(label)} (off scale, far above)</text>'
        )
    ty = plot.y(value)
    return (
        f'<line class="threshold" x1="{PAD_L}" x2="{WIDTH - PAD_R}" y1="{ty:.1f}" '
        f'y2="{ty:.1f}"/><text class="threshold-label" x="{WIDTH - PAD_R - 4}" '
        f'y="{ty - 4:.1f}" text-anchor="end">{escape(label)}</text>'
    )


def _series_and_legend(
    plot: _Plot, series: list[Series], labels: list[str], unit: str
) -> list[str]:
    parts = []
    legend_x = PAD_L
    for s in series:
        parts.extend(_series_marks(plot, s, labels, unit))
        parts.append(
            f'<rect x="{legend_x}" y="{HEIGHT - 16}" width="12" height="4" fill="{s.color}"/>'
            f'<text class="legend" x="{legend_x + 16}" y="{HEIGHT - 11}">{escape(s.name)}</text>'
        )
        legend_x += 24 + 8 * len(s.name)
    return parts


def _series_marks(plot: _Plot, s: Series, labels: list[str], unit: str) -> list[str]:
    """One series' line and a marker per point (its tooltip names the period and value)."""
    pts = [(plot.x(i), plot.y(v), v, labels[i]) for i, v in enumerate(s.values) if v is not None]
    if not pts:
        return []
    coords = " ".join(f"{px:.1f},{py:.1f}" for px, py, _, _ in pts)
    dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
    parts = [
        f'<polyline class="series" data-series="{escape(s.name)}" fill="none" '
        f'stroke="{s.color}" stroke-width="2.5"{dash} points="{coords}"/>'
    ]
    for px, py, v, label in pts:
        parts.append(
            f'<circle class="point" cx="{px:.1f}" cy="{py:.1f}" r="3.5" '
            f'fill="{s.color}"><title>{escape(label)}: {v:g}{escape(unit)}</title>'
            "</circle>"
        )
    return parts
