"""`deploylab knee --model M`: the highest offered rate one model holds within the SLO, found by a search.

A coarse sweep of open-loop rates (doubling from --start) up to the first that fails the SLO of
loadtests/scenarios.toml, then bisection between the last rate met and that one until they are within
--resolution of each other (deploylab/measure/knee.py). Each trial is one Locust run of --seconds in the fixed
mix; its verdict is printed as it ends. The comparison's rounds read knees off a fixed grid instead, so that
every model's knee is measured at the same rates in the same round and can be paired with A's.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from deploylab.compare.matrix import driver_for
from deploylab.core import lifecycle
from deploylab.core.driver import LabContext
from deploylab.core.errors import LabError, UsageError
from deploylab.measure import knee, profiles, scenarios
from deploylab.measure.rounds import measure_rate
from deploylab.measure.runner import keep_lab_off, pinned
from deploylab.measure.seed import seed


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, choices=profiles.ALL_MODELS)
    parser.add_argument("--start", type=float, default=50.0, help="req/s of the first trial (default 50)")
    parser.add_argument("--max", type=float, default=800.0, dest="max_rate",
                        help="the highest rate tried (default 800): met up to there, the knee is at least that")
    parser.add_argument("--resolution", type=float, default=0.05,
                        help="stop when the rate met and the rate failed are this close, relative (default 0.05)")
    parser.add_argument("--seconds", type=float, default=5.0, help="each trial's length (default 5)")
    parser.add_argument("--repeats", type=int, default=1,
                        help="trials per rate; a rate passes on a majority (default 1)")
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="each trial's Locust output and knee.json go here (default: reports/runs/<id>-knee-<model>)")


def _check(args: argparse.Namespace) -> None:
    if not 0 < args.start < args.max_rate:
        raise UsageError("need 0 < --start < --max")
    if not 0 < args.resolution < 1:
        raise UsageError("--resolution is relative: between 0 and 1, e.g. 0.05")
    if args.seconds < 1 or args.repeats < 1:
        raise UsageError("need --seconds >= 1 and --repeats >= 1")


def main(ctx: LabContext, args: argparse.Namespace) -> int:
    _check(args)
    ctx = pinned(ctx)
    driver = driver_for(ctx, args.model)
    lifecycle.require_available(driver)
    held = lifecycle.current(ctx.state_dir)
    if held and held != driver.name:
        raise LabError(f"model {held} is up; `deploylab down` first")
    slo = knee.Slo(scenarios.slo_p99_ms())
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = Path(args.out).resolve() if args.out else ctx.root / "reports" / "runs" / f"{stamp}-knee-{args.model}"
    keep_lab_off(ctx.sut_cpus)
    if held is None:
        lifecycle.bring_up(driver)
    trials = itertools.count(1)

    def measure(rate: float) -> knee.Point:
        n = next(trials)
        point = measure_rate(ctx, ctx.base_url, rate, args.seconds, profiles.MIX, out / f"trial-{n:02d}-{rate:g}", n)
        verdict = knee.judge(point, slo)
        print(f"[knee] trial {n}: {rate:g} req/s " + ("met the SLO" if verdict.ok else "failed: " + "; ".join(
            verdict.reasons)), file=sys.stderr, flush=True)
        return point

    try:
        seed(ctx.base_url)
        measure_rate(ctx, ctx.base_url, args.start, 2.0, profiles.MIX, out / "warm-up", 0)  # not judged: a cold start
        found = knee.search(measure, args.start, args.max_rate, args.resolution, slo=slo, repeats=args.repeats)
    finally:
        if held is None:  # started here: leave the machine as it was
            lifecycle.take_down(driver)
    out.mkdir(parents=True, exist_ok=True)
    (out / "knee.json").write_text(json.dumps({
        "model": args.model, "capacity": found.capacity, "first_fail": found.first_fail, "note": found.note,
        "slo_p99_ms": dict(slo.p99_ms), "seconds": args.seconds, "mix": profiles.MIX,
        "trials": [{"rate": t.rate, "ok": t.ok, "why_not": [list(v.reasons) for v in t.verdicts]} for t in found.trials],
    }, indent=2) + "\n")
    print(f"model {args.model}: knee {found.note or found.capacity} ({len(found.trials)} trials; {out / 'knee.json'})")
    return 0 if found.capacity is not None else 1
