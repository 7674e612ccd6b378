"""`deploylab compare [--profile smoke|quick|full] [--models a,b,c,d,d-swarm] [--out DIR]`: measure every
model this machine can run through one matrix and write the side-by-side report.

`deploylab compare RUN_DIR…` builds the report from runs made earlier or elsewhere (their summary.json);
a directory holding compare.json (an earlier comparison's output) is rebuilt from it as it is.
`--baseline DIR` adds every figure's change against an earlier comparison (DIR/compare.json).
"""

from __future__ import annotations

import argparse
import json
import shlex
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from deploylab.compare import baseline, collect, report, rounds_phase
from deploylab.compare.matrix import Clock, driver_for, run_model, stderr_log
from deploylab.compare.records import Comparison
from deploylab.core import lifecycle
from deploylab.core.driver import LabContext
from deploylab.core.errors import LabError, UsageError
from deploylab.measure import profiles
from deploylab.measure.rounds import Performance
from deploylab.measure.runner import keep_lab_off, pinned


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dirs", nargs="*", metavar="RUN_DIR",
                        help="compare these runs (reports/runs/<id>, or a folder of them) instead of measuring")
    parser.add_argument("--profile", default="quick", choices=sorted(profiles.PROFILES),
                        help="smoke: seconds per phase; quick (default): the isolation faults once and cost per request in three "
                             "rounds; full: every fault twice, five rounds, three sweeps for the knee (about an hour)")
    parser.add_argument("--models", default=",".join(profiles.ALL_MODELS), help=f"default: {','.join(profiles.ALL_MODELS)}")
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="runs go to DIR/runs, the comparison to DIR/latest (default: reports/)")
    parser.add_argument("--json", action="store_true",
                        help="print a JSON object (the report's paths and each model's status) instead of the HTML's path")
    parser.add_argument("--baseline", default=None, metavar="DIR",
                        help="an earlier comparison (a folder with compare.json: reports/reference/…, a saved "
                             "reports/latest): every figure's change against it, and whether it exceeds the repeats' spread")


PERFORMANCE = "performance.json"


def expand(paths: list[str]) -> list[Path]:
    """Run directories as given, or every run directory inside a folder given."""
    found: list[Path] = []
    for text in paths:
        path = Path(text).resolve()
        if (path / PERFORMANCE).exists():
            continue  # the rounds' folder: read by rounds_of
        if (path / "summary.json").exists():
            found.append(path)
        elif path.is_dir() and any(path.glob("*/summary.json")):
            found += sorted(p.parent for p in path.glob("*/summary.json"))
        else:
            raise UsageError(f"{text}: neither a run directory (with summary.json) nor a folder of them")
    return found


def rounds_of(paths: list[str]) -> Performance | None:
    """The interleaved rounds among the folders given (a comparison's <id>-rounds folder, or one inside a folder)."""
    for text in paths:
        path = Path(text).resolve()
        for found in [path / PERFORMANCE, *sorted(path.glob(f"*/{PERFORMANCE}"))]:
            if found.exists():
                return Performance.from_json(collect.read_json(found))
    return None


def against(args: argparse.Namespace, doc: Comparison) -> baseline.Against | None:
    """--baseline: read before anything is measured, so a wrong folder fails at once."""
    return None if args.baseline is None else baseline.against(doc, baseline.load(Path(args.baseline)), args.baseline)


def from_runs(ctx: LabContext, args: argparse.Namespace, out_dir: Path) -> Path:
    single = Path(args.run_dirs[0]) / "compare.json" if len(args.run_dirs) == 1 else None
    if single and single.exists():
        doc = collect.upgrade(collect.read_json(single))
        return report.write(doc, out_dir, runs=[single.parent.parent / "runs"], against=against(args, doc))
    run_dirs = expand(args.run_dirs)
    models = collect.collect(run_dirs)
    doc = report.new_doc(models, command=shlex.join(["deploylab", "compare", *args.run_dirs]), profile="from runs",
                         isolation=report.isolation(ctx, list(models)), performance=rounds_of(args.run_dirs))
    return report.write(doc, out_dir, runs=sorted({run.parent for run in run_dirs}), against=against(args, doc))


def outcome(html: Path) -> dict[str, Any]:
    """The report's files and each model's status, from the compare.json written beside the HTML."""
    doc = json.loads((html.parent / "compare.json").read_text())
    return {
        "html": str(html), "markdown": str(html.parent / "COMPARISON.md"), "compare_json": str(html.parent / "compare.json"),
        "models": {key: {"status": model.get("status"), "reason": model.get("reason")}
                   for key, model in doc.get("models", {}).items()},
    }


def show(html: Path, as_json: bool) -> None:
    print(json.dumps(outcome(html), indent=2) if as_json else html)


def main(ctx: LabContext, args: argparse.Namespace) -> int:
    root = Path(args.out).resolve() if args.out else ctx.root / "reports"
    if args.run_dirs:
        show(from_runs(ctx, args, root / "latest"), args.json)
        return 0
    profile = profiles.get(args.profile)
    keys = profiles.parse_models(args.models)
    if args.baseline:
        baseline.load(Path(args.baseline))  # a wrong folder fails now, not after the whole matrix
    current = lifecycle.current(ctx.state_dir)
    if current:
        raise LabError(f"model {current} is up; `deploylab down` first (the comparison starts and stops every model)")
    compare_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-compare"
    command = shlex.join(["deploylab", "compare", "--profile", profile.name, "--models", ",".join(keys)])
    stderr_log(f"{command}: {len(keys)} models, profile {profile.name}, about "
               f"{len(keys) * profile.estimate_s() / 60:.0f} min if every model runs")
    keep_lab_off(pinned(ctx).sut_cpus)
    planned = Clock.plan(profile, len(keys)) + rounds_phase.planned(profile, len(keys))
    clock = Clock(len(planned), sum(planned), stderr_log, planned)
    started = time.monotonic()
    performance = None
    plan = profile.plan()
    order = profiles.run_order(keys)
    try:
        ran = {key: run_model(ctx, key, profile, root / "runs", compare_id, clock, stderr_log,
                              keep_up=plan is not None and key == order[-1]) for key in order}
        outcomes = {key: ran[key] for key in keys}
        kept = order[-1] if lifecycle.current(ctx.state_dir) else None  # up and answering after its last phase
        up = [key for key, found in outcomes.items() if found.status == "measured"]
        if plan and up:
            performance = rounds_phase.run_phase(ctx, up, plan, root / "runs" / f"{compare_id}-rounds",
                                                 stderr_log, on_phase=clock.phase, kept=kept)
        elif kept:
            lifecycle.take_down(driver_for(pinned(ctx), kept))
    except KeyboardInterrupt:
        if lifecycle.current(ctx.state_dir):  # the last model, left up for rounds that never started
            lifecycle.take_down(driver_for(pinned(ctx), order[-1]))
        measured = shlex.quote(str(root / "runs")) + f"/{compare_id}-*"
        stderr_log(f"[compare] interrupted; every model is down. A report of what was measured: deploylab compare {measured}")
        raise
    doc = report.new_doc(
        collect.from_outcomes(outcomes), command=command, profile=profile.name, repeats=profile.repeats,
        compare_id=compare_id, elapsed_s=round(time.monotonic() - started, 1),
        expected_faults=[s for s in profile.measured() if s in profiles.FAULT_SCENARIOS],
        isolation=report.isolation(ctx, keys), performance=performance,
    )
    path = report.write(doc, root / "latest", runs=[root / "runs"], against=against(args, doc))
    stderr_log(f"[compare] done in {(time.monotonic() - started) / 60:.1f} min")
    show(path, args.json)
    return 0 if any(m.status == "measured" for m in doc.models.values()) else 1
