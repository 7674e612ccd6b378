"""Grouped bar charts as inline SVG (one group of bars per model), in the style of report/svg.py."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from deploylab.report.svg import COLORS

W, H, PAD_L, PAD_R, PAD_T, PAD_B = 720, 200, 56, 150, 18, 30


def bar_chart(title: str, models: Sequence[str], series: dict[str, Sequence[float | None]], unit: str) -> str:
    """series: name -> one value per model (None: no figure; drawn as a gap with '—')."""
    values = [v for row in series.values() for v in row if v is not None]
    y_max = max(values, default=1.0) * 1.15 or 1.0
    group_w = (W - PAD_L - PAD_R) / max(1, len(models))
    bar_w = group_w * 0.8 / max(1, len(series))
    sy = lambda y: H - PAD_B - (H - PAD_T - PAD_B) * y / y_max  # noqa: E731
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" role="img" aria-label="{escape(title)}">',
             f'<text x="{PAD_L}" y="12" font-size="12" font-weight="bold">{escape(title)}</text>',
             f'<line x1="{PAD_L}" y1="{H - PAD_B}" x2="{W - PAD_R}" y2="{H - PAD_B}" stroke="#333"/>',
             f'<text x="{PAD_L - 4}" y="{PAD_T + 4}" font-size="10" text-anchor="end">{escape(unit)}</text>']
    for k in range(1, 5):
        y = y_max * k / 4
        parts.append(f'<text x="{PAD_L - 4}" y="{sy(y) + 4:.1f}" font-size="10" text-anchor="end">{y:.0f}</text>')
    for m, model in enumerate(models):
        left = PAD_L + m * group_w + group_w * 0.1
        parts.append(f'<text x="{left + group_w * 0.4:.1f}" y="{H - PAD_B + 14}" font-size="11" '
                     f'text-anchor="middle">{escape(model)}</text>')
        for s, row in enumerate(series.values()):
            x, value = left + s * bar_w, row[m]
            if value is None:
                parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{H - PAD_B - 3}" font-size="10" text-anchor="middle">—</text>')
                continue
            parts.append(f'<rect x="{x:.1f}" y="{sy(value):.1f}" width="{max(1.0, bar_w - 2):.1f}" '
                         f'height="{H - PAD_B - sy(value):.1f}" fill="{COLORS[s % len(COLORS)]}"><title>'
                         f'{escape(model)}: {value:.1f} {escape(unit)}</title></rect>')
    for s, name in enumerate(series):
        parts.append(f'<text x="{W - PAD_R + 8}" y="{PAD_T + 14 * (s + 1)}" font-size="11" '
                     f'fill="{COLORS[s % len(COLORS)]}">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)
