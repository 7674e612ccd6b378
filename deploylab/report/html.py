"""report.html: one self-contained page (inline SVG and CSS, no script, no CDN) that opens offline.

The plots are deploylab/report/plots.py's (matplotlib); given a folder, each is also written there as SVG and PNG."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from html import escape
from pathlib import Path

from deploylab_loadtests.groups import GROUPS

from deploylab.measure.records import RunSummary
from deploylab.measure.resources import cpu_series, generator_cpu, memory_bytes, per_unit
from deploylab.report import plots, tables
from deploylab.report.markdown import fault_title, headline
from deploylab.report.summary import Series

STYLE = ("body{font:14px system-ui,sans-serif;margin:2em;max-width:1000px}table{border-collapse:collapse;margin:.5em 0}"
         "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}"
         ".warn{color:#b00;font-weight:bold}figure{margin:.8em 0}figure svg{max-width:100%;height:auto}")


def _table(columns: Sequence[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def charts(summary: RunSummary, series: Series) -> list[plots.Chart]:
    """The run over time: throughput, p95, failed and degraded share per group; CPU and memory per unit."""
    t0, bin_s, bins = series.t0, series.bin_s, series.bins
    x_max = summary.load_window_s[1] or 1.0
    shaded = [f.window_s for f in summary.faults]
    mid = lambda i: (i + 0.5) * bin_s  # noqa: E731
    rps = {g: [(mid(i), b.throughput) for i, b in enumerate(bins[g])] for g in GROUPS}
    p95 = {g: [(mid(i), b.p95) for i, b in enumerate(bins[g])] for g in GROUPS}
    bad = {f"{g} {kind}": [(mid(i), 100 * getattr(b, attr) if b.count else None) for i, b in enumerate(bins[g])]
           for g in GROUPS for kind, attr in (("failed", "error_rate"), ("degraded", "degraded_rate"))}
    bad = {k: v for k, v in bad.items() if any(y for _, y in v)} or bad  # a line along 0 would hide the others
    bad_colors = {f"{g} {kind}": plots.GROUP_COLORS[g] for g in GROUPS for kind in ("failed", "degraded")}
    bad_styles = {f"{g} degraded": "--" for g in GROUPS}
    units = per_unit(series.samples)
    cpu = {u: [(t - t0, v) for t, v in cpu_series(rows)] for u, rows in units.items()}
    cpu["load generator"] = [(t - t0, v) for t, v in generator_cpu(series.samples)]
    memory = {u: [(r["t"] - t0, memory_bytes(r) / 2**20 if r.get("up") else None) for r in rows] for u, rows in units.items()}
    window = lambda s: {k: [(x, y) for x, y in v if 0 <= x <= x_max] for k, v in s.items()}  # noqa: E731
    groups = dict(plots.GROUP_COLORS)
    return [
        plots.lines("throughput", "Requests per second by endpoint group", rps, x_max, "req/s", shaded, groups),
        plots.lines("p95", "p95 latency by endpoint group (1-s bins, answered requests)", p95, x_max, "ms", shaded,
                    groups, ylabel="p95 ms"),
        plots.lines("failed-degraded", "Failed (solid) and degraded (dashed) share by endpoint group (a group "
                    "that never failed is not drawn)", bad, x_max, "%",
                    shaded, bad_colors, bad_styles, ylabel="% of the group's requests"),
        plots.lines("cpu", "CPU per unit (100 % = one core)", window(cpu), x_max, "%", shaded, ylabel="CPU %"),
        plots.lines("memory", "Memory per unit (each unit's memory source)", window(memory), x_max, "MiB", shaded),
    ]


def render(summary: RunSummary, series: Series, charts_dir: Path | None = None) -> str:
    """The page; with charts_dir, each plot also as charts_dir/<name>.svg and .png."""
    lines = headline(summary)
    drawn = charts(summary, series)
    if charts_dir is not None:
        for chart in drawn:
            chart.write(charts_dir)
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>Run {escape(summary.run_id)}</title>",
             f"<style>{STYLE}</style></head><body><h1>Run {escape(summary.run_id)}</h1><ul>"]
    parts += [f"<li class='{'warn' if line.startswith('**') else ''}'>{escape(line.replace('**', ''))}</li>" for line in lines]
    parts += ["</ul><h2>Over time</h2>", *(f"<figure>{chart.inline()}</figure>" for chart in drawn)]
    parts += ["<h2>Per endpoint group (whole load, after ramp-up)</h2>",
              _table(tables.FIGURE_COLUMNS, tables.figure_rows(summary.overall))]
    if summary.steady:  # a chained run's lead
        parts += [f"<h2>{escape(tables.steady_title(summary.steady))}</h2>",
                  _table(tables.FIGURE_COLUMNS, tables.figure_rows(summary.steady.groups))]
    page = summary.page_time
    if page:
        parts += [f"<h2>{escape(tables.page_time_title(page))}</h2>",
                  _table(tables.PAGE_TIME_COLUMNS, tables.page_time_rows(page)), f"<p>{escape(tables.PAGE_TIME_NOTE)}</p>"]
    for fault in summary.faults:
        parts += [f"<h2>{escape(fault_title(fault))}</h2>",
                  _table(tables.FAULT_COLUMNS, tables.fault_rows(fault)), f"<p>{escape(tables.recovery_line(fault))}</p>"]
    if summary.capacity:
        capacity = summary.capacity
        parts += ["<h2>Capacity (step load)</h2>", _table(tables.STEP_COLUMNS, tables.step_rows(capacity)),
                  f"<p>{escape(tables.capacity_line(capacity))}</p>"]
    parts += ["<h2>Resources per unit</h2>", _table(tables.RESOURCE_COLUMNS, tables.resource_rows(summary.resources))]
    parts += ["<h2>How the figures were computed</h2><ul>"]
    method = {**summary.method, "thresholds": asdict(summary.thresholds)}
    parts += [f"<li><b>{escape(k)}</b>: {escape(str(v))}</li>" for k, v in method.items()]
    parts += ["</ul><h2>Events</h2>", _table(("t s", "kind", "details"), [
        [str(e["t"]), e["kind"], ", ".join(f"{k}={v}" for k, v in e.items() if k not in ("t", "kind"))]
        for e in summary.events])]
    parts.append("</body></html>")
    return "\n".join(parts)
