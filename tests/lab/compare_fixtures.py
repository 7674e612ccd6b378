"""Small, fixed run directories in the shape the runner and the start-up phase wrote them before summary.json
had a schema number (version 1: read through the upgrade to the current version)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

GROUPS = ("students", "grades", "web")
THRESHOLDS = {"rate_points": 0.01, "p95_ratio": 2.0, "p95_floor_ms": 25, "recover_bins": 3}
T0 = 1_000_000.0


def figure(p50: float = 10.0, p95: float = 20.0, error_rate: float = 0.0, count: int = 100) -> dict[str, Any]:
    return {"count": count, "throughput": count / 10, "p50": p50, "p95": p95, "p99": p95,
            "error_rate": error_rate, "degraded_rate": 0.0}


def scenario_json(name: str) -> dict[str, Any]:
    return {"name": name, "description": name, "shape": "steady", "duration_s": 12.0, "users": 10, "spawn_rate": 10.0,
            "warmup_s": 1.0, "window_s": 4.0, "think_scale": 1.0, "slo_p95_ms": 500.0, "slo_error_rate": 0.01,
            "thresholds": THRESHOLDS, "profile": "smoke", "faults": []}


def capacity(best_throughput: float | None, best_users: int | None, **extra: Any) -> dict[str, Any]:
    """A capacity section as written before the plateau and the host's speed (unless given in extra)."""
    return {"slo": {"p95_ms": 500.0, "error_rate": 0.01}, "steps": [], "best_throughput": best_throughput,
            "best_users": best_users, **extra}


def base_summary(run_id: str, model: str, scenario: str, **extra: Any) -> dict[str, Any]:
    return {
        "run_id": run_id, "model": model, "model_title": f"model {model}", "partial": False,
        "scenario": scenario_json(scenario), "profile": "smoke",
        "machine": {"cpu_model": "Test CPU", "cores": 2, "memory_bytes": 2**31, "kernel": "6.1",
                    "versions": {"python": "3.11.2"}},
        "pinning": {"sut_cpus": "0", "generator_cpus": "1"},
        "deployment": {}, "method": {"thresholds": THRESHOLDS}, "requests_logged": 0, "load_window_s": [0.0, 12.0],
        "overall": {g: figure() for g in (*GROUPS, "all")},
        "faults": [], "resources": {}, "generator": {"cpu_max_percent": 40.0, "limit_percent": 85.0, "overloaded": False},
        "events": [], "locust_command": None,
        **extra,
    }


def write_run(root: Path, name: str, summary: dict[str, Any], model_key: str | None = None,
              requests: list[tuple[float, str, str]] | None = None) -> Path:
    run = root / name
    run.mkdir(parents=True)
    (run / "summary.json").write_text(json.dumps(summary))
    if model_key:
        (run / "compare-phase.json").write_text(json.dumps({"compare_id": "c1", "model_key": model_key, "phase": "x"}))
    if requests is not None:
        (run / "events.jsonl").write_text(json.dumps({"t": T0, "kind": "load-start"}) + "\n")
        rows = ["t,group,name,method,ms,status,outcome"]
        rows += [f"{T0 + t},{group},/{group},GET,10,{200 if outcome != 'failed' else 0},{outcome}"
                 for t, group, outcome in requests]
        (run / "requests.1.csv").write_text("\n".join(rows) + "\n")
    return run


def startup(model: str, cold: float, warm: float, app_mib: float, overhead: float | None = None,
            units: int = 1, total_bytes: int = 64 * 2**20) -> dict[str, Any]:
    return {
        "kind": "startup", "run_id": f"{model}-startup", "model": model, "model_key": model,
        "model_title": f"model {model}",
        "startup": {"build_s": [0.1], "cold_s": [cold], "warm_s": [warm]},
        "idle": {"app_mib": app_mib, "overhead_mib": overhead, "reserved_mib": None, "cpu_percent": 0.5,
                 "units": [f"u{i}" for i in range(units)], "memory_sources": ["uss"]},
        "disk": {"total_bytes": total_bytes, "parts": {}, "note": "venvs"},
        "environments": 1 if model == "a" else 4,
        "machine": None, "pinning": None,
    }


def kill_fault(radius: dict[str, str | None], recovered: bool, ttr: float | None, outage: float | None,
               restart: float | None, during_error: float = 1.0) -> dict[str, Any]:
    return {
        "fault": {"at_s": 4.0, "kind": "kill", "service": "grades", "unit": "", "params": {}, "until_s": None},
        "window_s": [4.0, 8.0], "baseline_window_s": [1.0, 4.0],
        "before": {g: figure() for g in (*GROUPS, "all")},
        "during": {g: figure(error_rate=during_error if radius.get(g) else 0.0) for g in (*GROUPS, "all")},
        "after": {g: figure() for g in (*GROUPS, "all")},
        "blast_radius": radius, "restart_seen_s": restart, "fault_end_s": restart or 4.0,
        "back_within_threshold_s": None if outage is None else 4.0 + outage, "time_to_recover_s": ttr,
        "outage_s": outage, "recovered": recovered,
    }


def matrix_runs(root: Path) -> list[Path]:
    """A: everything fails for 8 s after killing Grades, never recovers. B: only Grades fails, web degrades."""
    a_requests = [(t + 0.5, g, "failed" if t >= 4 else "ok") for t in range(12) for g in GROUPS for _ in range(5)]
    b_requests = [(t + 0.5, g, "failed" if (g == "grades" and 4 <= t < 6) else "ok") for t in range(12)
                  for g in GROUPS for _ in range(5)]
    return [
        write_run(root, "a-startup", startup("a", cold=2.5, warm=1.7, app_mib=90.0), "a"),
        write_run(root, "b-startup", startup("b", cold=4.0, warm=3.2, app_mib=200.0, units=4), "b"),
        write_run(root, "a-steady", base_summary("a-steady", "a", "steady", overall={
            "students": figure(5, 12), "grades": figure(6, 15), "web": figure(20, 40), "all": figure()}), "a"),
        write_run(root, "b-steady", base_summary("b-steady", "b", "steady", overall={
            "students": figure(7, 18), "grades": figure(8, 22), "web": figure(30, 65), "all": figure()}), "b"),
        write_run(root, "a-capacity", base_summary("a-capacity", "a", "capacity", capacity=capacity(300.0, 40)), "a"),
        write_run(root, "b-capacity", base_summary("b-capacity", "b", "capacity", capacity=capacity(240.0, 30)), "b"),
        write_run(root, "a-crash", base_summary("a-crash", "a", "crash-grades", faults=[
            kill_fault({"students": "failed", "grades": "failed", "web": "failed"}, False, None, None, None)]),
            "a", a_requests),
        write_run(root, "b-crash", base_summary("b-crash", "b", "crash-grades", faults=[
            kill_fault({"students": None, "grades": "failed", "web": None}, True, 1.5, 3.0, 5.5)]),
            "b", b_requests),
    ]
