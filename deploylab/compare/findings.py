"""Plain-language findings under each table, written from the measured numbers (never canned)."""

from __future__ import annotations

from collections.abc import Callable

from deploylab_loadtests.groups import GROUPS

from deploylab.compare.collect import REDEPLOY
from deploylab.compare.figures import MISSING, median, verdict
from deploylab.compare.records import FaultColumn, GroupFaultColumn, ModelColumn
from deploylab.compare.tables import GROUP_TITLES, MIB, PAGE_HOPS, hop_ms, slowdown_cell

Models = dict[str, ModelColumn]
NOTHING = "No model has this figure in these runs."


def _name(key: str) -> str:
    return key.upper() if len(key) == 1 else key[0].upper() + key[1:]


def ranked(models: Models, figure: Callable[[ModelColumn], float | None]) -> list[tuple[str, float]]:
    found = [(_name(name), figure(model)) for name, model in models.items()]
    return sorted(((name, value) for name, value in found if value is not None), key=lambda item: item[1])


def _others(items: list[tuple[str, float]], unit: str, digits: int = 1) -> str:
    return ", ".join(f"{name} {value:.{digits}f}{unit}" for name, value in items)


def _clause(label: str, items: list[tuple[str, float]], unit: str, digits: int) -> str:
    return f". {label}: {_others(items, unit, digits)}" if items else ""


def startup(models: Models) -> str:
    cold = ranked(models, lambda m: median(m.startup.cold_s))
    if not cold:
        return NOTHING
    text = f"{cold[0][0]} was ready fastest from a cold start: {cold[0][1]:.2f} s"
    if len(cold) > 1:
        text += f" ({_others(cold[1:], ' s', 2)}); {cold[-1][0]} took {cold[-1][1] / max(cold[0][1], 1e-3):.1f}× as long"
    return text + _clause("Warm starts", ranked(models, lambda m: median(m.startup.warm_s)), " s", 2) + "."


def memory(models: Models) -> str:
    app = ranked(models, lambda m: median(m.idle.app_mib))
    if not app:
        return NOTHING
    units = {_name(n): len(m.idle.units) for n, m in models.items()}
    text = (f"At idle the apps took least memory in {app[0][0]}: {app[0][1]:.0f} MiB in {units[app[0][0]]} unit(s)")
    if len(app) > 1:
        text += "; " + ", ".join(f"{name} {value:.0f} MiB in {units[name]}" for name, value in app[1:])
    overhead = [(n, v) for n, v in ranked(models, lambda m: median(m.idle.overhead_mib)) if v > 0]
    reserved = ranked(models, lambda m: median(m.idle.reserved_mib))
    return (text + _clause("Per-unit overhead on top", overhead, " MiB", 0)
            + _clause("Reserved whether used or not", reserved, " MiB", 0) + ".")


def disk(models: Models) -> str:
    sizes = ranked(models, lambda m: m.disk.total_bytes if m.disk else None)
    if not sizes:
        return NOTHING
    envs = {_name(n): m.environments for n, m in models.items()}
    parts = [f"{name} {value / MIB:.0f} MiB ({envs[name]} Python environment{'s' if envs[name] != 1 else ''})"
             for name, value in sizes]
    return f"Smallest on disk: {parts[0]}" + (f"; then {', '.join(parts[1:])}" if len(parts) > 1 else "") + "."


def capacity(models: Models) -> str:
    best = ranked(models, lambda m: median(m.capacity.plateau_throughput))[::-1]
    if not best:
        return NOTHING
    top = best[0][1]
    text = f"{best[0][0]} sustained the most within the SLO: {top:.0f} req/s"
    if len(best) > 1:
        text += "; " + ", ".join(f"{name} {value:.0f} req/s ({100 * (value - top) / top:+.0f} %)" for name, value in best[1:])
    return text + "."


def p95_of(group: str) -> Callable[[ModelColumn], float | None]:
    """One group's median p95 at the fixed load."""
    return lambda m: median(m.latency.groups[group].p95)


def latency(models: Models) -> str:
    sentences = []
    for group in ("web", "students", "grades"):
        p95 = ranked(models, p95_of(group))
        if len(p95) == 1:
            sentences.append(f"{GROUP_TITLES[group]} p95: {p95[0][1]:.0f} ms in {p95[0][0]}")
        elif p95:
            sentences.append(f"{GROUP_TITLES[group]} p95 was lowest in {p95[0][0]} ({p95[0][1]:.0f} ms) and highest in "
                             f"{p95[-1][0]} ({p95[-1][1]:.0f} ms)")
    return ("At the same fixed load, " + "; ".join(sentences) + ".") if sentences else NOTHING


def page_time(models: Models) -> str:
    """What the REST hop and the gateway add to a page, model by model."""
    parts = []
    for label, outer, inner in PAGE_HOPS:
        found = [(name, ms) for name, m in models.items() if (ms := hop_ms(m, outer, inner)) is not None]
        if found:
            parts.append(f"{label.split(' (')[0]}: " + ", ".join(f"{_name(name)} {ms:.1f} ms" for name, ms in found))
    return ("Per page, at the steady load: " + "; ".join(parts) + ".") if parts else NOTHING


def _seconds(slot: GroupFaultColumn, found: str) -> float | None:
    return median(slot.failed_s if found == "failed" else slot.degraded_s)


def fault_sentence(name: str, entry: FaultColumn) -> str:
    """'In A, kill grades: failed students 8 s, grades 8 s, web 5 s; not back before the load ended (no restart seen).'"""
    hit: dict[str, list[str]] = {}
    for group in GROUPS:
        found = verdict(entry.groups[group].verdict)
        if found:
            seconds = _seconds(entry.groups[group], found)
            at_least = "≥ " if entry.groups[group].cut_off() is not None else ""  # cut off by the window's end
            hit.setdefault(found, []).append(group + ("" if seconds is None else f" {at_least}{seconds:.0f} s"))
    what = f"In {_name(name)}, {entry.kind} {entry.target}"
    killed = [t for t in entry.oom_killed_s if t is not None]
    if killed:
        what += f" (the kernel killed it for memory {median(killed):.1f} s into the fault)"
    if entry.kind == "cpu":  # what a hog does to the others shows in their tails before any verdict moves
        slower = [f"{g} {cell}" for g in GROUPS if (cell := slowdown_cell(entry, g)) != MISSING]
        what += f" (p99 ms before → during: {', '.join(slower)})" if slower else ""
    if not hit:
        return f"{what} left every group within its baseline."
    text = f"{what}: " + "; ".join(f"{kind} {', '.join(groups)}" for kind, groups in hit.items())
    if not any(entry.recovered):
        restart = "no restart was seen" if all(r is None for r in entry.restart_seen_s) else "a restart was seen"
        return f"{text}; not back within the thresholds before the load ended ({restart})."
    return f"{text}; back within the thresholds {median(entry.time_to_recover_s):.1f} s after the fault ended " \
           f"(outage {median(entry.outage_s):.1f} s)."


def fault(models: Models, scenario: str) -> str:
    sentences = [fault_sentence(name, m.faults[scenario]) for name, m in models.items() if scenario in m.faults]
    return " ".join(sentences) if sentences else NOTHING


def redeploy(models: Models) -> str:
    sentences = []
    for name, model in models.items():
        entry = model.faults.get(REDEPLOY)
        if entry is None:
            continue
        down = {g: median(entry.groups[g].failed_s) for g in GROUPS}
        known = {g: s for g, s in down.items() if s is not None}
        if not known:
            sentences.append(fault_sentence(name, entry))
        elif not any(known.values()):
            sentences.append(f"In {_name(name)}, redeploying Grades under load failed no request group for a single second.")
        else:
            lost = ", ".join(f"{g} {s:.0f} s" for g, s in known.items() if s)
            sentences.append(f"In {_name(name)}, redeploying Grades cost downtime: {lost}.")
    return " ".join(sentences) if sentences else NOTHING
