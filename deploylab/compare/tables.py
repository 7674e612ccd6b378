"""The comparison's tables: one column per model, rows of figures; shared by COMPARISON.md and the HTML."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from deploylab_loadtests.groups import GROUPS

from deploylab.compare.collect import REDEPLOY
from deploylab.compare.figures import MISSING, NOT_APPLICABLE, median, missing_reason, number, verdict
from deploylab.compare.records import FaultColumn, ModelColumn
from deploylab.measure.analysis import PLATEAU_WITHIN

MIB = 1024 * 1024
GROUP_TITLES = {"students": "Students API", "grades": "Grades API", "web": "web page"}

Models = dict[str, ModelColumn]
Cell = Callable[[ModelColumn], str]


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list[str]]
    notes: list[str] = field(default_factory=list)


@dataclass
class Section:
    """A table, the finding written from its numbers, and its chart (inline SVG)."""

    table: Table
    finding: str
    chart: str = ""


@dataclass(frozen=True)
class Parts:
    """What COMPARISON.md and comparison.html both render, in the same order."""

    header: list[str]
    warnings: list[str]
    sections: list[Section]
    answers: list[tuple[str, str]]
    isolation: list[str]


def _table(key: str, title: str, models: Models, phase: str,
           rows: list[tuple[str, Cell]]) -> Table:
    """Rows of (label, cell of one model); a column of '—' or 'n/a' gets one note saying why, per model."""
    table = Table(key, title, ["", *models], [])
    for label, cell in rows:
        table.rows.append([label, *(NOT_APPLICABLE if phase in model.inapplicable else cell(model)
                                    for model in models.values())])
    for name, model in models.items():
        column = [row[1 + list(models).index(name)] for row in table.rows]
        if column and all(text in (MISSING, NOT_APPLICABLE) for text in column):
            table.notes.append(f"{name}: {missing_reason(model, phase)}")
    return table


def startup(models: Models) -> Table:
    return _table("startup", "Start-up (seconds until every readiness probe passes)", models, "startup", [
        ("cold: first up after down (the build before it timed apart, below)", lambda m: number(m.startup.cold_s, 2)),
        ("warm: stopped and started again (C: machines reboot)", lambda m: number(m.startup.warm_s, 2)),
        ("build() just before the cold start: a check when all was built, else the build itself",
         lambda m: number(m.startup.build_s, 2)),
    ])


def _reserved(model: ModelColumn) -> str:
    """Processes and containers without a limit reserve nothing: 'none', not a missing figure."""
    idle = model.idle
    return number(idle.reserved_mib) if idle.reserved_mib or not idle.app_mib else "none"


def memory(models: Models) -> Table:
    return _table("memory", "Idle footprint (no load)", models, "idle", [
        ("app processes MiB", lambda m: number(m.idle.app_mib)),
        ("per-unit overhead MiB (shims, a VM's systemd+sshd)", lambda m: number(m.idle.overhead_mib)),
        ("reserved MiB (set aside whether used or not)", _reserved),
        ("units", lambda m: str(len(m.idle.units)) if m.idle.units else MISSING),
        ("idle CPU % (100 = one core)", lambda m: number(m.idle.cpu_percent, 2)),
    ])


def _disk_total(model: ModelColumn) -> str:
    total = model.disk.total_bytes if model.disk else None
    return MISSING if total is None else f"{total / MIB:.0f}"


def disk(models: Models) -> Table:
    table = _table("disk", "Disk footprint and Python environments", models, "startup", [
        ("on disk MiB (besides the source)", _disk_total),
        ("Python environments", lambda m: MISSING if m.environments is None else str(m.environments)),
    ])
    table.notes += [f"{name}: {model.disk.note}" for name, model in models.items() if model.disk]
    return table


def capacity(models: Models) -> Table:
    table = _table("capacity", "Closed-loop throughput past saturation (step load)", models, "capacity", [
        (f"req/s held (median of the steps within {100 * PLATEAU_WITHIN:.0f} % of the best)",
         lambda m: number(m.capacity.plateau_throughput)),
        ("best step req/s", lambda m: number(m.capacity.best_throughput)),
        ("best step at users", lambda m: number(m.capacity.best_users, 0)),
    ])
    table.notes.append(
        "a closed loop past saturation, measured model after model: not capacity, and not comparable across a "
        "shared host's drift. Capacity at the knee and cost per request come from the interleaved open-loop rounds.")
    return table


def latency(models: Models) -> Table:
    def quantile(group: str, q: str) -> Cell:
        return lambda m: number(getattr(m.latency.groups[group], q))

    rows = [(f"{GROUP_TITLES[g]} {q} ms", quantile(g, q)) for g in GROUPS for q in ("p50", "p95")]
    rows.append(("throughput req/s (all groups)", lambda m: number(m.latency.throughput)))
    return _table("latency", "Latency at a fixed load (steady scenario)", models, "steady", rows)


def group_cell(entry: FaultColumn | None, group: str) -> str:
    """'failed 12 s', 'degraded 3 s', 'slow', 'within' for one group in one fault."""
    if entry is None:
        return MISSING
    slot = entry.groups[group]
    found = verdict(slot.verdict)
    if found is None:
        return "within"
    seconds = median(slot.failed_s if found == "failed" else slot.degraded_s)
    if seconds is None:
        return found
    window = slot.cut_off()
    if window is not None:  # still broken when the window ended: a lower bound, not a duration
        return f"{found} ≥ {seconds:.0f} s (cut off: {window:.0f}-s window)"
    return f"{found} {seconds:.0f} s"


def recovery_cell(entry: FaultColumn | None, values: Callable[[FaultColumn], Sequence[float | None]]) -> str:
    if entry is None:
        return MISSING
    if not any(entry.recovered):
        return "not back"
    return number(values(entry))


def _time_to_recover(entry: FaultColumn) -> list[float | None]:
    return entry.time_to_recover_s


def _outage(entry: FaultColumn) -> list[float | None]:
    return entry.outage_s


# A page's hops, outside in; each pair's difference is what the outer hop adds to the inner one.
PAGE_ENTRIES = (("gw", "at the gateway: the whole page"), ("web", "in Web: rendering and both calls"),
                ("web-grades", "Web's call to Grades, as Web saw it"), ("grades", "inside Grades"),
                ("web-students", "Web's call to Students, as Web saw it"), ("students", "inside Students"))
PAGE_HOPS = (("the gateway's own (gw − web)", "gw", "web"), ("the REST hop to Grades (web-grades − grades)", "web-grades", "grades"),
             ("the REST hop to Students (web-students − students)", "web-students", "students"))


def hop_ms(model: ModelColumn, outer: str, inner: str) -> float | None:
    """What the outer hop adds: the difference of the two entries' medians (over runs), None without both."""
    found = median(model.page_time.get(outer, [])), median(model.page_time.get(inner, []))
    return None if found[0] is None or found[1] is None else found[0] - found[1]


def page_time(models: Models) -> Table:
    def absent(m: ModelColumn) -> str:  # a model with figures but not this hop has no such hop (A: no gateway)
        return NOT_APPLICABLE if m.page_time else MISSING

    def median_of(entry: str) -> Cell:
        return lambda m: number(m.page_time[entry]) if m.page_time.get(entry) else absent(m)

    rows: list[tuple[str, Cell]] = [(f"{entry}: {what}", median_of(entry)) for entry, what in PAGE_ENTRIES]
    def hop(outer: str, inner: str) -> Cell:
        return lambda m: absent(m) if (ms := hop_ms(m, outer, inner)) is None else number([ms])

    rows += [(label, hop(outer, inner)) for label, outer, inner in PAGE_HOPS]
    table = _table("page-time", "Where a page's time goes at the steady load (Server-Timing, median ms)", models,
                   "steady", rows)
    table.notes.append("each entry's median over the page's answers before any fault, from each hop's own Server-Timing "
                       "entry (median over runs, range in brackets); a hop's own share is the difference of two medians. "
                       "n/a: the model has no such hop (A has no gateway); in A-monolith Web's calls are function "
                       "calls, not HTTP.")
    return table


def fault(models: Models, scenario: str, title: str) -> Table:
    def entry(model: ModelColumn) -> FaultColumn | None:
        return model.faults.get(scenario)

    def verdict_of(group: str) -> Cell:
        return lambda m: group_cell(entry(m), group)

    def slowdown_of(group: str) -> Cell:
        return lambda m: slowdown_cell(entry(m), group)

    rows = [(GROUP_TITLES[g], verdict_of(g)) for g in GROUPS]
    rows += [("time to recover s", lambda m: recovery_cell(entry(m), _time_to_recover)),
             ("outage s (from the fault)", lambda m: recovery_cell(entry(m), _outage))]
    kinds = {e.kind for e in map(entry, models.values()) if e is not None}
    if "leak" in kinds:
        rows.append(("killed for memory s (from the fault)", lambda m: oom_cell(entry(m))))
    if "cpu" in kinds:  # a hog fails nothing: what it does is slow its neighbours, below the verdicts' floor too
        rows += [(f"{GROUP_TITLES[g]}: p99 ms before → during", slowdown_of(g)) for g in GROUPS]
    return _table(scenario, title, models, scenario, rows)


def slowdown_cell(entry: FaultColumn | None, group: str) -> str:
    """'6 → 16 (×2.8) [n=400/380]': the group's p99 before and during the fault, medians over repeats, and the
    answered requests each rests on (summed over repeats)."""
    if entry is None or not entry.groups[group].p99_during_ms:
        return MISSING
    slot = entry.groups[group]
    before, during = median(slot.p99_before_ms), median(slot.p99_during_ms)
    if before is None or during is None:
        return MISSING
    n = f" [n={sum(slot.answered_before)}/{sum(slot.answered_during)}]" if slot.answered_during else ""
    return f"{before:.0f} → {during:.0f}" + (f" (×{during / before:.1f})" if before > 0 else "") + n


def oom_cell(entry: FaultColumn | None) -> str:
    """When the kernel killed the target for memory; "no kill" when it did not, "?" when the lab could not tell."""
    if entry is None:
        return MISSING
    if not entry.oom_killed_s:
        return "?"
    killed = [t for t in entry.oom_killed_s if t is not None]
    return "no kill" if not killed else number(killed)


def redeploy(models: Models) -> Table:
    def entry(model: ModelColumn) -> FaultColumn | None:
        return model.faults.get(REDEPLOY)

    def downtime(group: str) -> Cell:
        def cell(model: ModelColumn) -> str:
            found = entry(model)
            return MISSING if found is None else number(found.groups[group].failed_s, 0)
        return cell

    def verdict_of(group: str) -> Cell:
        return lambda m: group_cell(entry(m), group)

    rows = [(f"{GROUP_TITLES[g]} downtime s", downtime(g)) for g in GROUPS]
    rows += [(f"{GROUP_TITLES[g]}", verdict_of(g)) for g in GROUPS]
    rows.append(("back within thresholds after s", lambda m: recovery_cell(entry(m), _time_to_recover)))
    return _table(REDEPLOY, "Redeploy of Grades under load", models, REDEPLOY, rows)
