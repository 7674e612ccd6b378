"""Charts for the run reports and the comparison, drawn with matplotlib (Agg: no display, works offline).

Every chart is a `Chart`: its SVG (text kept as text, so it stays small and selectable) and its PNG. The
pages embed the SVG inline (`Chart.inline()`), and `Chart.write(folder)` puts both files beside the report.
Output is deterministic: one fixed font, ids salted with the chart's name (two charts in one page never
share an id), no date or software version in the files.

Colours: the Okabe–Ito palette, which readers with any common colour-vision deficiency can tell apart.
A model keeps its colour and its place in every chart: A (and A as a monolith), B, C, D, D on Swarm, then any
other column.
"""

from __future__ import annotations

import functools
import io
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, cast

import matplotlib

matplotlib.use("Agg")

from matplotlib.axes import Axes  # noqa: E402 - after choosing the backend
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

OKABE_ITO = {
    "blue": "#0072B2", "orange": "#E69F00", "green": "#009E73", "vermillion": "#D55E00",
    "purple": "#CC79A7", "sky": "#56B4E9", "yellow": "#F0E442", "black": "#000000",
}
MODEL_ORDER = ("a", "a-monolith", "b", "c", "d", "d-swarm")  # a-monolith (A with in-process calls) beside A
MODEL_COLORS = {"a": OKABE_ITO["blue"], "a-monolith": OKABE_ITO["sky"], "b": OKABE_ITO["orange"],
                "c": OKABE_ITO["green"], "d": OKABE_ITO["vermillion"], "d-swarm": OKABE_ITO["purple"]}
OTHER_COLORS = (OKABE_ITO["black"], OKABE_ITO["yellow"], "#999999")
# series that are not models (endpoint groups, units, cost parts): the palette in a fixed order
SERIES_COLORS = (OKABE_ITO["blue"], OKABE_ITO["vermillion"], OKABE_ITO["green"], OKABE_ITO["orange"],
                 OKABE_ITO["purple"], OKABE_ITO["sky"], OKABE_ITO["black"], OKABE_ITO["yellow"])
GROUP_COLORS = {"students": OKABE_ITO["blue"], "grades": OKABE_ITO["vermillion"], "web": OKABE_ITO["green"],
                "all": OKABE_ITO["black"]}
P = ParamSpec("P")
PLAIN = FuncFormatter(lambda value, _pos: f"{value:,.10g}")  # 0.1, 1, 10, 1,000 rather than powers of ten
LOG_RATIO = 20.0  # a panel whose largest value is this many times its smallest goes to a log scale
FAULT_SHADE = "#bbbbbb"
WIDTHS = (5.0, 3.2, 1.5)  # lines that may lie on each other: the first group drawn widest
RC: dict[str, Any] = {
    "font.family": "DejaVu Sans", "font.size": 9.0, "axes.titlesize": 10.0, "axes.labelsize": 9.0,
    "svg.fonttype": "none", "axes.spines.top": False, "axes.spines.right": False,
    "axes.grid": True, "grid.color": "#e4e4e4", "grid.linewidth": 0.6, "axes.axisbelow": True,
    "figure.dpi": 100.0, "savefig.dpi": 110.0,
}


@dataclass(frozen=True)
class Chart:
    name: str  # file stem: charts/<name>.svg and .png
    title: str
    svg: str
    png: bytes

    def inline(self) -> str:
        """The SVG for an HTML page: no XML prolog, doctype or metadata, nothing that names a URL but the SVG namespace."""
        text = re.sub(r"<\?xml[^>]*\?>\s*", "", self.svg)
        text = re.sub(r"<!DOCTYPE[^>]*>\s*", "", text)
        text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)
        text = text.replace(' xmlns:xlink="http://www.w3.org/1999/xlink"', "").replace("xlink:href=", "href=")
        # every id prefixed with the chart's name, so two charts in one page never share one ("patch_1", clip paths)
        text = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{self.name}-{m.group(1)}"', text)
        text = re.sub(r'(url\(#|href="#)([^)"]+)', lambda m: f"{m.group(1)}{self.name}-{m.group(2)}", text)
        return re.sub(r"<svg ", f'<svg role="img" aria-label="{_attr(self.title)}" ', text, count=1)

    def write(self, folder: Path) -> list[Path]:
        folder.mkdir(parents=True, exist_ok=True)
        svg, png = folder / f"{self.name}.svg", folder / f"{self.name}.png"
        svg.write_text(self.svg)
        png.write_bytes(self.png)
        return [svg, png]


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def model_rank(key: str) -> tuple[int, str]:
    """A, B, C, D, D on Swarm, then the rest; 'b (ref)' (a column from another source) sorts with b."""
    base = key.split(" ")[0].lower()
    return (MODEL_ORDER.index(base) if base in MODEL_ORDER else len(MODEL_ORDER), key)


def ordered(keys: Sequence[str]) -> list[str]:
    return sorted(keys, key=model_rank)


def model_label(key: str) -> str:
    base, _, rest = key.partition(" ")
    names = {"d-swarm": "D on Swarm", "a-monolith": "A monolith"}
    label = names.get(base.lower(), base.upper() if base.lower() in MODEL_ORDER else base)
    return f"{label} {rest}".strip()


def model_color(key: str, others: Sequence[str] = ()) -> str:
    """A model's own colour ('b (ref)' takes b's); a column of no known model one of the spare colours."""
    base = key.split(" ")[0].lower()
    if base in MODEL_COLORS:
        return MODEL_COLORS[base]
    unknown = [k for k in others if k.split(" ")[0].lower() not in MODEL_COLORS]
    return OTHER_COLORS[(unknown.index(key) if key in unknown else 0) % len(OTHER_COLORS)]


def series_color(index: int) -> str:
    return SERIES_COLORS[index % len(SERIES_COLORS)]


def _styled(draw: Callable[Concatenate[str, P], Chart]) -> Callable[Concatenate[str, P], Chart]:
    """Draws and saves under the lab's style, ids salted with the chart's name (its first argument)."""
    @functools.wraps(draw)
    def styled(name: str, *args: P.args, **kwargs: P.kwargs) -> Chart:
        with matplotlib.rc_context(cast(Any, {**RC, "svg.hashsalt": name})):  # the caller's settings come back after
            return draw(name, *args, **kwargs)
    return styled


def _figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _render(name: str, title: str, figure: Figure) -> Chart:
    svg, png = io.StringIO(), io.BytesIO()
    figure.savefig(svg, format="svg", metadata={"Date": None, "Creator": None, "Title": title})
    figure.savefig(png, format="png", metadata={"Software": None})
    return Chart(name, title, svg.getvalue(), png.getvalue())


def _fmt(value: float, digits: int) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def _wants_log(values: Sequence[float]) -> bool:
    positive = [v for v in values if v > 0]
    return len(positive) >= 2 and min(positive) > 0 and max(positive) / min(positive) >= LOG_RATIO


@_styled
def bars(name: str, title: str, models: Sequence[str], panels: Mapping[str, Sequence[float | None]], unit: str,
         digits: int = 1, notes: Sequence[str] = ()) -> Chart:
    """One panel per figure (e.g. cold and warm start), one horizontal bar per model, its value printed at its end.
    panels: figure name -> one value per model (None: no figure, drawn as '— no figure'). A panel whose values
    span LOG_RATIO or more goes to a log scale (said on its axis), so a large value flattens nothing."""
    keys = ordered(models)
    index = {key: models.index(key) for key in keys}
    n = max(1, len(panels))
    figure = _figure(min(4.2 * n, 11.5) if n > 1 else 7.5, 0.9 + 0.42 * max(1, len(keys)))
    axes = figure.subplots(1, n, sharey=True, squeeze=False)[0]
    figure.suptitle(title, fontsize=11, fontweight="bold", x=0.01, ha="left")
    y = list(range(len(keys)))
    for ax, (panel, values) in zip(axes, panels.items(), strict=True):
        row = [values[index[key]] for key in keys]
        known = [v for v in row if v is not None]
        log = _wants_log(known)
        _bar_panel(ax, y, keys, row, log, unit, digits)
        ax.set_title(panel, loc="left")
        ax.set_xlabel(f"{unit}" + (" (log scale)" if log else ""))
    axes[0].set_yticks(y, [model_label(k) for k in keys])
    axes[0].invert_yaxis()
    if notes:
        figure.supxlabel("\n".join(notes), fontsize=8, x=0.01, ha="left", color="#555555")
    return _render(name, title, figure)


def _bar_panel(ax: Axes, y: list[int], keys: list[str], row: list[float | None], log: bool, unit: str,
               digits: int) -> None:
    known = [v for v in row if v is not None]
    top = max(known, default=0.0)
    if log:
        positive = [v for v in known if v > 0]
        low = 10 ** math.floor(math.log10(min(positive))) / 2
        high = 10 ** math.ceil(math.log10(top * 1.01)) * 3
        ax.set_xscale("log")
        ax.set_xlim(low, high)
        ax.xaxis.set_major_formatter(PLAIN)
        base = low
    else:
        high = top * 1.3 if top > 0 else 1.0
        ax.set_xlim(0, high)
        base = 0.0
    for position, key, value in zip(y, keys, row, strict=True):
        if value is None:
            ax.text(base if not log else low * 1.1, position, " — no figure", va="center", ha="left", color="#777777",
                    fontsize=8)
            continue
        shown = max(value, base) if log else value
        ax.barh(position, shown - base, left=base, height=0.62, color=model_color(key, keys), edgecolor="none")
        label = f"{_fmt(value, digits)} {unit}"
        ax.text(shown * (1.06 if log else 1.0) + (0 if log else high * 0.012), position, label, va="center", ha="left",
                fontsize=8.5)
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="y", length=0)


@_styled
def lines(name: str, title: str, series: Mapping[str, Sequence[tuple[float, float | None]]], x_max: float,
          unit: str, shaded: Sequence[tuple[float, float]] = (), colors: Mapping[str, str] | None = None,
          styles: Mapping[str, str] | None = None, ylabel: str | None = None) -> Chart:
    """Lines over time (seconds from the load's start); a None value breaks the line; shaded: fault windows."""
    figure = _figure(9.0, 2.9)
    ax = figure.subplots()
    ax.set_title(title, loc="left", fontweight="bold")
    for start, end in shaded:
        ax.axvspan(start, end, color=FAULT_SHADE, alpha=0.35, lw=0, label=None)
    for i, (label, points) in enumerate(series.items()):
        xs = [x for x, _ in points]
        ys = [math.nan if v is None else v for _, v in points]
        color = (colors or {}).get(label) or series_color(i)
        ax.plot(xs, ys, color=color, lw=1.5, ls=(styles or {}).get(label, "-"), label=label)
    ax.set_xlim(0, x_max or 1.0)
    ax.set_ylim(bottom=0)
    ax.set_xlabel("seconds from the start of the load" + (" (grey: fault windows)" if shaded else ""))
    ax.set_ylabel(ylabel or unit)
    if series:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)
    return _render(name, title, figure)


@dataclass(frozen=True)
class Timeline:
    """One model's run around one fault: 1-s bins from the fault's start (negative: before it)."""

    model: str
    seconds: list[float]  # each bin's start, relative to the fault's start
    failed: dict[str, list[float | None]]  # group -> % failed per bin (None: no request in the bin)
    degraded: dict[str, list[float | None]]  # group -> % degraded per bin
    window: tuple[float, float]  # the fault's during window, relative to its start
    note: str = ""  # e.g. "repeat 1 of 3"


@_styled
def fault_timelines(name: str, title: str, timelines: Sequence[Timeline]) -> Chart:
    """One row per model on one shared time axis: failed share (solid) and degraded share (dashed) per endpoint
    group in 1-s bins, the fault window shaded. A glance down the rows shows each model's blast radius."""
    rows = sorted(timelines, key=lambda t: model_rank(t.model))
    figure = _figure(9.0, 0.8 + 1.25 * max(1, len(rows)))
    axes = figure.subplots(max(1, len(rows)), 1, sharex=True, sharey=True, squeeze=False)[:, 0]
    figure.suptitle(title, fontsize=11, fontweight="bold", x=0.01, ha="left")
    low = min((t.seconds[0] for t in rows if t.seconds), default=0.0)
    high = max((t.seconds[-1] + 1 for t in rows if t.seconds), default=1.0)
    for ax, timeline in zip(axes, rows, strict=False):
        ax.axvspan(*timeline.window, color=FAULT_SHADE, alpha=0.4, lw=0)
        ax.axvline(0, color="#555555", lw=0.8)
        xs = [*timeline.seconds, timeline.seconds[-1] + 1] if timeline.seconds else []  # to the last bin's end
        # thickest first: where groups fail together their lines lie on each other and each stays visible
        for i, (group, values) in enumerate(timeline.failed.items()):
            ax.step(xs, _ends(values), where="post", lw=WIDTHS[i % len(WIDTHS)],
                    color=GROUP_COLORS.get(group, OKABE_ITO["black"]), label=f"{group} failed")
        for i, (group, values) in enumerate(timeline.degraded.items()):
            if any(v for v in values):
                ax.step(xs, _ends(values), where="post", lw=WIDTHS[i % len(WIDTHS)] * 0.8, ls=(0, (2, 1.5)),
                        color=GROUP_COLORS.get(group, OKABE_ITO["black"]), label=f"{group} degraded")
        ax.set_ylim(-4, 104)
        ax.set_yticks([0, 50, 100])
        ax.set_ylabel("% of requests", fontsize=8)
        ax.set_title(model_label(timeline.model) + (f"  ({timeline.note})" if timeline.note else ""), loc="left",
                     fontsize=9, color=model_color(timeline.model))
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=7.5)
    axes[-1].set_xlim(low, high)
    axes[-1].set_xlabel("seconds from the fault (0; grey: the fault window) — 1-s bins")
    return _render(name, title, figure)


def _ends(values: Sequence[float | None]) -> list[float]:
    """A step line's values, the last repeated so it runs to the end of its bin; None (no request) breaks it."""
    found = [math.nan if v is None else v for v in values]
    return [*found, found[-1]] if found else []


LoadPoint = tuple[float, float | None, float | None]  # offered req/s, p50 ms, p99 ms


@_styled
def latency_vs_load(name: str, title: str, curves: Mapping[str, Sequence[LoadPoint]],
                    knees: Mapping[str, float | None]) -> Chart:
    """p50 (solid) and p99 (dashed) latency against the offered load, one colour per model, the knee (the last
    rate the model kept up with) marked with a dotted line and its rate. Latency on a log scale: it grows
    by orders of magnitude past the knee."""
    keys = ordered(list(curves))
    figure = _figure(9.0, 3.8)
    ax = figure.subplots()
    ax.set_title(title, loc="left", fontweight="bold")
    values = [v for points in curves.values() for _, p50, p99 in points for v in (p50, p99) if v]
    for key in keys:
        points = sorted(curves[key])
        color = model_color(key, keys)
        xs = [x for x, _, _ in points]
        ax.plot(xs, [math.nan if p is None else p for _, p, _ in points], color=color, lw=1.6, marker="o", ms=3.5,
                label=f"{model_label(key)} p50")
        ax.plot(xs, [math.nan if p is None else p for _, _, p in points], color=color, lw=1.4, ls="--", marker="^",
                ms=3.5, label=f"{model_label(key)} p99")
        knee = knees.get(key)
        if knee is not None:
            ax.axvline(knee, color=color, lw=1.0, ls=":")
            ax.annotate(f"{model_label(key)} knee {knee:,.0f} req/s", (knee, 0.02), xycoords=("data", "axes fraction"),
                        rotation=90, va="bottom", ha="right", fontsize=7.5, color=color)
    if _wants_log(values):
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(PLAIN)
        ax.set_ylabel("latency ms (log scale)")
    else:
        ax.set_ylim(bottom=0)
        ax.set_ylabel("latency ms")
    ax.set_xlim(left=0)
    ax.set_xlabel("offered load, req/s (open loop)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)
    return _render(name, title, figure)


@_styled
def cost_stack(name: str, title: str, costs: Mapping[str, Mapping[str, float]],
               unit: str = "CPU-seconds per 1000 requests") -> Chart:
    """Per model one horizontal bar, stacked by what spent the CPU (app processes, gateway, shims…), the total
    printed at its end. Parts keep one colour across models, in the order they first appear."""
    keys = ordered(list(costs))
    parts: list[str] = []
    for key in keys:
        parts += [part for part in costs[key] if part not in parts]
    figure = _figure(9.0, 1.2 + 0.42 * max(1, len(keys)))
    ax = figure.subplots()
    ax.set_title(title, loc="left", fontweight="bold")
    totals = [sum(costs[key].values()) for key in keys]
    top = max(totals, default=0.0) or 1.0
    for i, part in enumerate(parts):
        lefts = [sum(v for p, v in costs[key].items() if parts.index(p) < i) for key in keys]
        widths = [costs[key].get(part, 0.0) for key in keys]
        ax.barh(range(len(keys)), widths, left=lefts, height=0.62, color=series_color(i), label=part)
    for position, total in enumerate(totals):
        ax.text(total + top * 0.012, position, _fmt(total, 2), va="center", ha="left", fontsize=8.5)
    ax.set_yticks(range(len(keys)), [model_label(k) for k in keys])
    ax.invert_yaxis()
    ax.set_xlim(0, top * 1.2)
    ax.set_xlabel(unit)
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="y", length=0)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8)
    return _render(name, title, figure)
