"""Collects the comparison's figures from run directories (their summary.json), made now or elsewhere.

Every figure is kept as a list, one value per repeat, so the report can show a median and a spread.
A run directory written by the comparison also holds compare-phase.json, which says which column it
belongs to (D and D on Swarm are both model "d" to the runner).
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

from deploylab.compare.startup import KIND as STARTUP
from deploylab.core.errors import LabError
from deploylab.measure import analysis
from deploylab.measure.scenarios import Thresholds
from loadtests.groups import GROUPS

PHASE_FILE = "compare-phase.json"
REDEPLOY = "redeploy-grades"


def read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except OSError as exc:
        raise LabError(f"cannot read {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise LabError(f"{path} is not JSON: {exc}") from None


def upgrade(doc: dict[str, Any]) -> dict[str, Any]:
    """An earlier compare.json in today's shape: before the plateau, capacity was the best step alone."""
    for model in doc.get("models", {}).values():
        capacity = model.get("capacity", {})
        capacity.setdefault("plateau_throughput", list(capacity.get("best_throughput", [])))
        capacity.setdefault("host_speed", [])  # before the host's speed was read: nothing to scale by
        capacity.setdefault("at_common_speed", [])
    return doc


def load_start(run_dir: Path) -> float | None:
    """The wall-clock start of the measured load, from the run's raw event log."""
    try:
        lines = (run_dir / "events.jsonl").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        event = json.loads(line)
        if event.get("kind") == "load-start":
            return float(event["t"])
    return None


def group_downtime(run_dir: Path, summary: dict[str, Any], fault: dict[str, Any]) -> dict[str, dict[str, float]] | None:
    """Per group, seconds (1-s bins) from the fault on in which the group was failed, or degraded/slow,
    against its own baseline and the run's thresholds. None without the request log."""
    t0 = load_start(run_dir)
    files = sorted(run_dir.glob("requests.*.csv"))
    if t0 is None or not files:
        return None
    requests = analysis.read_requests(files)
    end = t0 + summary["load_window_s"][1]
    bins = analysis.timeline(requests, t0, end)
    limits = Thresholds(**summary["method"]["thresholds"])
    at = int(fault["fault"]["at_s"])
    until = int(fault.get("segment_end_s") or summary["load_window_s"][1])  # a chained run's next fault, or the end
    result = {}
    for group in GROUPS:
        baseline = analysis.Figures(**fault["before"][group])
        verdicts = [analysis.verdict(b, baseline, limits) for b in bins[group][at:until]]
        result[group] = {"failed_s": float(sum(v == "failed" for v in verdicts)),
                         "degraded_s": float(sum(v in ("degraded", "slow") for v in verdicts))}
    return result


def empty(key: str) -> dict[str, Any]:
    return {
        "key": key, "model": key.split("-")[0], "title": "", "status": "measured", "reason": None, "runs": [],
        "startup": {"build_s": [], "cold_s": [], "warm_s": []},
        "idle": {"app_mib": [], "overhead_mib": [], "reserved_mib": [], "cpu_percent": [], "units": [], "source": ""},
        "disk": None, "environments": None,
        "capacity": {"plateau_throughput": [], "best_throughput": [], "best_users": [], "host_speed": [],
                     "at_common_speed": []},
        "latency": {group: {"p50": [], "p95": []} for group in GROUPS} | {"throughput": []},
        "faults": {}, "warnings": [], "errors": {}, "machine": None, "pinning": None,
    }


def _add_startup(model: dict[str, Any], summary: dict[str, Any]) -> None:
    for key in ("build_s", "cold_s", "warm_s"):
        model["startup"][key] += summary["startup"][key]
    idle = summary["idle"]
    for key in ("app_mib", "overhead_mib", "reserved_mib", "cpu_percent"):
        if idle.get(key) is not None:
            model["idle"][key].append(idle[key])
    model["idle"]["units"] = idle.get("units", [])
    model["idle"]["source"] = "idle phase: " + ", ".join(idle.get("memory_sources", []))
    model["disk"], model["environments"] = summary.get("disk"), summary.get("environments")


def _idle_from_run(model: dict[str, Any], summary: dict[str, Any]) -> None:
    """Without a start-up phase (runs made by `deploylab run`): the runner's own idle readings."""
    units = {u: r for u, r in summary.get("resources", {}).items() if u != "total"}
    if not units or model["idle"]["source"].startswith("idle phase"):
        return
    model["idle"]["app_mib"].append(round(sum(r.get("memory_idle_mib") or 0 for r in units.values()), 1))
    model["idle"]["overhead_mib"].append(round(sum(r.get("overhead_mib") or 0 for r in units.values()), 1))
    reserved = [r["reserved_mib"] for r in units.values() if r.get("reserved_mib")]
    if reserved:
        model["idle"]["reserved_mib"].append(round(sum(reserved), 1))
    model["idle"]["units"] = sorted(units)
    model["idle"]["source"] = f"runner's idle readings of {summary['run_id']}"


def _add_fault(model: dict[str, Any], run_dir: Path, summary: dict[str, Any]) -> None:
    for fault in summary["faults"]:
        # a chained run's faults each name the scenario they stand for; a single-fault run is its scenario
        name = fault["fault"].get("name") or summary["scenario"]["name"]
        if fault.get("error"):  # nothing was broken, so "within" would be a false finding
            model["errors"][name] = f"the fault was not carried out ({fault['error']})"
            model["warnings"].append({"phase": name, "why": f"the fault was not carried out: {fault['error']}"})
            continue
        entry = model["faults"].setdefault(name, {
            "kind": fault["fault"]["kind"], "target": fault["fault"]["unit"] or fault["fault"]["service"],
            "groups": {g: {"verdict": [], "failed_s": [], "degraded_s": []} for g in GROUPS},
            "time_to_recover_s": [], "outage_s": [], "recovered": [], "restart_seen_s": [],
        })
        downtime = group_downtime(run_dir, summary, fault)
        for group in GROUPS:
            slot = entry["groups"][group]
            slot["verdict"].append(fault["blast_radius"].get(group))
            if downtime:
                slot["failed_s"].append(downtime[group]["failed_s"])
                slot["degraded_s"].append(downtime[group]["degraded_s"])
        for key in ("time_to_recover_s", "outage_s", "recovered", "restart_seen_s"):
            entry[key].append(fault.get(key))


def _add_run(model: dict[str, Any], run_dir: Path, summary: dict[str, Any]) -> None:
    name = summary["scenario"]["name"]
    if summary.get("partial"):
        model["warnings"].append({"phase": name, "why": "the run was interrupted (partial)"})
    generator = summary.get("generator", {})
    if generator.get("overloaded"):
        model["warnings"].append({"phase": name, "why": f"the load generator reached {generator['cpu_max_percent']}% CPU "
                                                        f"(limit {generator['limit_percent']}%)"})
    # the steady scenario: a run of its own, or the lead of a chained run (the same load, before any fault)
    steady = summary["overall"] if name == "steady" else summary.get("steady", {}).get("groups")
    if steady:
        for group in GROUPS:
            for q in ("p50", "p95"):
                value = steady[group][q]
                if value is not None:
                    model["latency"][group][q].append(value)
        model["latency"]["throughput"].append(steady["all"]["throughput"])
        _idle_from_run(model, summary)
    if "capacity" in summary and summary["capacity"]["best_throughput"] is not None:
        found = summary["capacity"]
        model["capacity"]["plateau_throughput"].append(found.get("plateau_throughput", found["best_throughput"]))
        model["capacity"]["best_throughput"].append(found["best_throughput"])
        model["capacity"]["best_users"].append(summary["capacity"]["best_users"])
        model["capacity"]["host_speed"].append(_speed(found.get("host_speed")))
    elif "capacity" in summary:
        model["errors"]["capacity"] = "no step stayed within the SLO"
    if summary.get("faults"):
        _add_fault(model, run_dir, summary)


def _speed(measured: dict[str, Any] | None) -> float | None:
    """The host's speed around a capacity run: the mean of the readings before and after it."""
    readings = [value for key in ("before", "after") if (value := (measured or {}).get(key))]
    return round(statistics.fmean(readings), 2) if readings else None


def at_common_speed(models: dict[str, dict[str, Any]]) -> None:
    """Each capacity run's plateau scaled to the median host speed of all the runs being compared:
    throughput x (common speed / speed at the time). Runs without a speed reading get None."""
    speeds = [s for m in models.values() for s in m["capacity"]["host_speed"] if s]
    common = statistics.median(speeds) if speeds else None
    for model in models.values():
        capacity = model["capacity"]
        pairs = zip(capacity["plateau_throughput"], capacity["host_speed"], strict=False)
        capacity["at_common_speed"] = [round(t * common / s, 2) if t and s and common else None for t, s in pairs]
        capacity["common_speed"] = common


def column_key(run_dir: Path, summary: dict[str, Any]) -> tuple[str, str]:
    """(model column, source): the comparison's own label when it wrote one, else the runner's model."""
    phase = run_dir / PHASE_FILE
    if phase.exists():
        label = read_json(phase)
        return label["model_key"], label.get("compare_id", run_dir.parent.name)
    return summary.get("model_key") or summary["model"], run_dir.parent.name


def collect(run_dirs: list[Path]) -> dict[str, dict[str, Any]]:
    """{column: figures}. Runs of one model from different sources get a column each ("b (ref)")."""
    found = []
    for run_dir in run_dirs:
        if not (run_dir / "summary.json").exists():
            raise LabError(f"{run_dir} has no summary.json: not a run directory")
        summary = read_json(run_dir / "summary.json")
        found.append((run_dir, summary, *column_key(run_dir, summary)))
    sources: dict[str, set[str]] = {}
    for _, _, key, source in found:
        sources.setdefault(key, set()).add(source)
    models: dict[str, dict[str, Any]] = {}
    found.sort(key=lambda item: item[1].get("kind") != STARTUP)  # the idle phase wins over a run's idle readings
    for run_dir, summary, key, source in found:
        column = key if len(sources[key]) == 1 else f"{key} ({source})"
        model = models.setdefault(column, empty(column))
        model["model"] = summary["model"]
        model["title"] = summary.get("model_title", "")
        model["runs"].append(run_dir.name)
        model["machine"], model["pinning"] = summary.get("machine"), summary.get("pinning")
        if summary.get("kind") == STARTUP:
            _add_startup(model, summary)
        else:
            _add_run(model, run_dir, summary)
    at_common_speed(models)
    return models
