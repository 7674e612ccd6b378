"""Small line charts as inline SVG: no library, no CDN, so report.html opens offline."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf")
W, H, PAD_L, PAD_R, PAD_T, PAD_B = 720, 220, 56, 110, 14, 28


def line_chart(
    title: str, series: Mapping[str, Sequence[tuple[float, float | None]]], x_max: float, unit: str,
    shaded: Sequence[tuple[float, float]] = (),
) -> str:
    """series: name -> [(x seconds, y or None)]; shaded: (start, end) windows, e.g. faults."""
    values = [y for points in series.values() for _, y in points if y is not None]
    y_max = max(values, default=1.0) * 1.1 or 1.0
    x_max = x_max or 1.0
    sx = lambda x: PAD_L + (W - PAD_L - PAD_R) * x / x_max  # noqa: E731
    sy = lambda y: H - PAD_B - (H - PAD_T - PAD_B) * y / y_max  # noqa: E731
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" role="img" aria-label="{escape(title)}">',
             f'<text x="{PAD_L}" y="11" font-size="12" font-weight="bold">{escape(title)}</text>']
    for start, end in shaded:
        parts.append(f'<rect x="{sx(start):.1f}" y="{PAD_T}" width="{max(1.0, sx(end) - sx(start)):.1f}" '
                     f'height="{H - PAD_T - PAD_B}" fill="#f4a6a6" opacity="0.35"/>')
    parts.append(f'<line x1="{PAD_L}" y1="{H - PAD_B}" x2="{W - PAD_R}" y2="{H - PAD_B}" stroke="#333"/>')
    parts.append(f'<line x1="{PAD_L}" y1="{PAD_T}" x2="{PAD_L}" y2="{H - PAD_B}" stroke="#333"/>')
    for k in range(5):
        y = y_max * k / 4
        parts.append(f'<text x="{PAD_L - 4}" y="{sy(y) + 4:.1f}" font-size="10" text-anchor="end">{y:.0f}</text>')
        x = x_max * k / 4
        parts.append(f'<text x="{sx(x):.1f}" y="{H - PAD_B + 14}" font-size="10" text-anchor="middle">{x:.0f}s</text>')
    parts.append(f'<text x="{PAD_L - 4}" y="{PAD_T - 2}" font-size="10" text-anchor="end">{escape(unit)}</text>')
    for i, (name, points) in enumerate(series.items()):
        color = COLORS[i % len(COLORS)]
        for segment in _segments(points):
            path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in segment)
            parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="1.5" points="{path}"/>')
        parts.append(f'<text x="{W - PAD_R + 8}" y="{PAD_T + 14 * (i + 1)}" font-size="11" fill="{color}">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _segments(points: Sequence[tuple[float, float | None]]) -> list[list[tuple[float, float]]]:
    """Breaks a line where y is None (no data), instead of drawing across the gap."""
    segments: list[list[tuple[float, float]]] = [[]]
    for x, y in points:
        if y is None:
            if segments[-1]:
                segments.append([])
        else:
            segments[-1].append((x, y))
    return [segment for segment in segments if segment]
