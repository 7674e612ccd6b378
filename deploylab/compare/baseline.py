"""`deploylab compare --baseline DIR`: every figure of this comparison against an earlier one (its compare.json).

Each figure is the median over its repeats, as in the tables. A change counts as larger than the spread
between repeats only when the two sets of readings do not overlap: with repeats on both sides, their
min–max ranges are apart; with repeats on one side only, the single reading of the other lies outside
that side's range. With one reading on each side nothing says how much the figure moves by itself:
"no spread known".
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from deploylab_loadtests.groups import GROUPS

from deploylab.compare.collect import REDEPLOY, read_json, upgrade
from deploylab.compare.figures import median
from deploylab.compare.records import Comparison, ModelColumn
from deploylab.compare.tables import Table
from deploylab.core.errors import UsageError
from deploylab.measure.profiles import FAULT_SCENARIOS
from deploylab.report.plots import model_rank

MIB = 1024 * 1024
BEYOND, WITHIN, UNKNOWN = "larger than the spread", "within the spread", "no spread known"
NOT_NOW, NOT_BEFORE = "no figure now", "no figure in the baseline"  # e.g. not back: no time to recover
GROUP_TITLES = {"students": "Students API", "grades": "Grades API", "web": "web page"}

Values = Callable[[ModelColumn], Sequence[float | None]]


@dataclass(frozen=True)
class Figure:
    section: str
    label: str
    unit: str
    digits: int
    values: Values


@dataclass(frozen=True)
class Change:
    """One figure of one model, now and in the baseline."""

    section: str
    label: str
    unit: str
    digits: int
    model: str
    now: list[float]
    base: list[float]

    @property
    def now_median(self) -> float | None:
        return median(self.now)

    @property
    def base_median(self) -> float | None:
        return median(self.base)

    @property
    def change(self) -> float | None:
        now, base = self.now_median, self.base_median
        return None if now is None or base is None else now - base

    @property
    def percent(self) -> float | None:
        change, base = self.change, self.base_median
        return None if change is None or not base else 100.0 * change / abs(base)

    @property
    def verdict(self) -> str:
        if not self.now:
            return NOT_NOW
        if not self.base:
            return NOT_BEFORE
        if len(self.now) < 2 and len(self.base) < 2:
            return UNKNOWN
        apart = min(self.now) > max(self.base) or max(self.now) < min(self.base)
        return BEYOND if apart else WITHIN


def _known(values: Sequence[float | None]) -> list[float]:
    return [float(v) for v in values if v is not None]


def _disk(model: ModelColumn) -> list[float | None]:
    total = model.disk.total_bytes if model.disk else None
    return [] if total is None else [total / MIB]


def _fault_figures(scenario: str) -> list[Figure]:
    def slot(group: str, attr: str) -> Values:
        def values(m: ModelColumn) -> Sequence[float | None]:
            entry = m.faults.get(scenario)
            return [] if entry is None else getattr(entry.groups[group], attr)
        return values

    def whole(attr: str) -> Values:
        def values(m: ModelColumn) -> Sequence[float | None]:
            entry = m.faults.get(scenario)
            return [] if entry is None else getattr(entry, attr)
        return values

    found = [Figure(scenario, f"{GROUP_TITLES[g]} failed s", "s", 0, slot(g, "failed_s")) for g in GROUPS]
    found += [Figure(scenario, f"{GROUP_TITLES[g]} degraded or slow s", "s", 0, slot(g, "degraded_s")) for g in GROUPS]
    found += [Figure(scenario, "time to recover s", "s", 1, whole("time_to_recover_s")),
              Figure(scenario, "outage s (from the fault)", "s", 1, whole("outage_s"))]
    return found


def _quantile(group: str, q: str) -> Values:
    return lambda m: getattr(m.latency.groups[group], q)


def figures() -> list[Figure]:
    """Every numeric figure of a column, in the tables' order."""
    found = [
        Figure("startup", "cold start s", "s", 2, lambda m: m.startup.cold_s),
        Figure("startup", "warm start s", "s", 2, lambda m: m.startup.warm_s),
        Figure("startup", "build() before the cold start s", "s", 2, lambda m: m.startup.build_s),
        Figure("memory", "app processes MiB", "MiB", 1, lambda m: m.idle.app_mib),
        Figure("memory", "per-unit overhead MiB", "MiB", 1, lambda m: m.idle.overhead_mib),
        Figure("memory", "reserved MiB", "MiB", 1, lambda m: m.idle.reserved_mib),
        Figure("memory", "idle CPU %", "%", 2, lambda m: m.idle.cpu_percent),
        Figure("disk", "on disk MiB", "MiB", 0, _disk),
        Figure("capacity", "req/s held", "req/s", 1, lambda m: m.capacity.plateau_throughput),
        Figure("capacity", "best step req/s", "req/s", 1, lambda m: m.capacity.best_throughput),
    ]
    for g in GROUPS:
        for q in ("p50", "p95"):
            found.append(Figure("latency", f"{GROUP_TITLES[g]} {q} ms", "ms", 1, _quantile(g, q)))
    found.append(Figure("latency", "throughput req/s (all groups)", "req/s", 1, lambda m: m.latency.throughput))
    for scenario in (*FAULT_SCENARIOS, REDEPLOY):
        found += _fault_figures(scenario)
    return found


def changes(now: Comparison, base: Comparison) -> list[Change]:
    """Every figure that either side has, for every model both sides have."""
    found = []
    shared = sorted((key for key in now.models if key in base.models), key=model_rank)
    for figure in figures():
        for key in shared:
            mine, theirs = _known(figure.values(now.models[key])), _known(figure.values(base.models[key]))
            if mine or theirs:
                found.append(Change(figure.section, figure.label, figure.unit, figure.digits, key, mine, theirs))
    return found


def load(path: Path) -> Comparison:
    """A folder holding compare.json (a committed reference, reports/latest, a student's earlier output), or the file."""
    file = path / "compare.json" if path.is_dir() else path
    if not file.exists():
        raise UsageError(f"--baseline {path}: no compare.json there (a folder written by `deploylab compare`)")
    return upgrade(read_json(file))


def _number(value: float | None, digits: int) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _range(values: Sequence[float], digits: int) -> str:
    if not values:
        return "—"
    if len(values) == 1:
        return f"{values[0]:.{digits}f} (1 repeat)"
    return f"{min(values):.{digits}f}–{max(values):.{digits}f} ({len(values)} repeats)"


def cell(change: Change) -> str:
    """'54.70 → 82.00: +27.30 (+50 %), larger than the spread' for one model's figure."""
    d = change.digits
    if change.change is None:
        return f"{_number(change.base_median, d)} → {_number(change.now_median, d)}: {change.verdict}"
    percent = "" if change.percent is None else f" ({change.percent:+.0f} %)"
    return (f"{_number(change.base_median, d)} → {_number(change.now_median, d)}: {change.change:+.{d}f}{percent}, "
            f"{change.verdict}")


SECTION_TITLES = {"startup": "Start-up", "memory": "Idle footprint", "disk": "Disk", "capacity": "Capacity",
                  "latency": "Latency at a fixed load"}


def tables(now: Comparison, base: Comparison) -> list[Table]:
    """One table per section: a row per figure, a column per model both comparisons have."""
    found = changes(now, base)
    models = sorted((key for key in now.models if key in base.models), key=model_rank)
    result: list[Table] = []
    for section in dict.fromkeys(c.section for c in found):
        rows: dict[str, dict[str, str]] = {}
        for change in (c for c in found if c.section == section):
            rows.setdefault(change.label, {})[change.model] = cell(change)
        title = SECTION_TITLES.get(section, section)
        result.append(Table(f"baseline-{section}", title, ["", *models],
                            [[label, *(cells.get(m, "—") for m in models)] for label, cells in rows.items()]))
    return result


def header(now: Comparison, base: Comparison, where: str) -> list[str]:
    only_now = [k for k in now.models if k not in base.models]
    only_base = [k for k in base.models if k not in now.models]
    lines = [
        f"Baseline: {where} (command `{base.command or '?'}`, profile {base.profile or '?'}, each phase "
        f"{base.times} time(s)); this comparison: profile {now.profile or '?'}, each phase {now.times} time(s).",
        "Each cell: baseline → now (medians over repeats): the change, in per cent of the baseline, and whether it is "
        f"{BEYOND} between repeats (the two sets of readings do not overlap: min–max of each side's repeats), "
        f"{WITHIN} (they overlap: the figure moves that much by itself), or {UNKNOWN} (one reading on each side).",
        "Every figure, with each side's readings, is in tables/baseline.csv.",
    ]
    if only_now:
        lines.append(f"Not in the baseline: {', '.join(only_now)}.")
    if only_base:
        lines.append(f"Only in the baseline: {', '.join(only_base)}.")
    return lines


CSV_COLUMNS = ["section", "figure", "model", "unit", "baseline", "now", "change", "change %", "baseline repeats",
               "now repeats", "baseline range", "now range", "verdict"]


def csv_text(now: Comparison, base: Comparison) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for c in changes(now, base):
        writer.writerow([c.section, c.label, c.model, c.unit, _blank(c.base_median), _blank(c.now_median),
                         _blank(c.change), _blank(c.percent, 1), " ".join(f"{v:g}" for v in c.base),
                         " ".join(f"{v:g}" for v in c.now), _range(c.base, c.digits), _range(c.now, c.digits),
                         c.verdict])
    return out.getvalue()


def _blank(value: float | None, digits: int = 4) -> str:
    return "" if value is None else f"{round(value, digits):g}"


@dataclass(frozen=True)
class Against:
    """What the report adds for a baseline: lines to say what was compared, one table per section, the CSV."""

    title: str
    lines: list[str]
    tables: list[Table]
    csv: str


def against(now: Comparison, base: Comparison, where: str) -> Against:
    return Against(f"Against the baseline ({where})", header(now, base, where), tables(now, base), csv_text(now, base))
