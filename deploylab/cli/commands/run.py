"""`deploylab run --model M [--swarm | --monolith] --scenario S [--profile smoke|quick|full] [--duration S] [--users N | --rate R]`: one measured run.

Writes reports/runs/<id>/ (Locust CSVs, request log, samples, events, summary.json/.md, report.html)
and prints the report's path. Scenarios: loadtests/scenarios.toml.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from deploylab.cli.commands.up import add_variant_arguments, check_model_options
from deploylab.core.driver import LabContext
from deploylab.core.errors import LabError, UsageError
from deploylab.core.registry import MODELS, make_driver
from deploylab.measure import profiles, scenarios
from deploylab.measure.faults import cannot
from deploylab.measure.runner import GENERATOR_LIMIT, keep_lab_off, new_run_id, pinned, run_scenario
from deploylab.platform.ports import free_port


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", choices=sorted(MODELS), help="deployment model (required unless --list)")
    add_variant_arguments(parser)
    parser.add_argument("--scenario", default="steady", help="a scenario of loadtests/scenarios.toml (default steady)")
    parser.add_argument("--profile", default=None, choices=sorted(profiles.PROFILES),
                        help="run the scenario as this comparison profile does (smoke: seconds); default: as written")
    parser.add_argument("--duration", type=float, default=None, metavar="SECONDS",
                        help="measured load time; the fault timeline is rescaled in proportion")
    parser.add_argument("--users", type=int, default=None, help="peak simulated users (the closed loop)")
    parser.add_argument("--rate", type=float, default=None, metavar="REQ_PER_S",
                        help="open loop: this many arrivals per second in the fixed mix, instead of users")
    parser.add_argument("--out", default=None, metavar="DIR", help="default: reports/runs/<id>")
    parser.add_argument("--no-pin", action="store_true", help="do not split the cores between the model and Locust")
    parser.add_argument("--keep-up", action="store_true", help="leave the model up if the run started it")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    parser.add_argument("--json", action="store_true", help="with --list: the scenarios as JSON, for scripts")
    parser.add_argument("--live", action="store_true",
                        help="watch the run in Locust's web UI (127.0.0.1, a free port; it starts and quits on its own)")


def main(ctx: LabContext, args: argparse.Namespace) -> int:
    if args.list:
        found = [scenarios.load(name) for name in scenarios.names()]
        if args.json:
            print(json.dumps([{"name": s.name, "description": s.description, "shape": s.shape, "duration_s": s.duration_s,
                               "users": s.users, "faults": [f.to_json() for f in s.faults]} for s in found], indent=2))
            return 0
        for scenario in found:
            print(f"{scenario.name:18} {scenario.description}")
        return 0
    if args.json:
        raise UsageError("--json goes with --list (a run writes summary.json in its folder)")
    if not args.model:
        raise UsageError("--model is required: one of " + ", ".join(MODELS))
    check_model_options(args)
    scenario = (profiles.get(args.profile).scenario(args.scenario) if args.profile
                else scenarios.load(args.scenario))
    if args.duration is not None:
        scenario = scenario.rescaled(args.duration)
    if args.users is not None and args.rate is not None:
        raise UsageError("--users (closed loop) and --rate (open loop) exclude each other")
    if args.users is not None:
        scenario = replace(scenario, users=args.users, rate=None)
    if args.rate is not None:
        if not args.rate > 0:
            raise UsageError("--rate must be above 0 req/s")
        scenario = replace(scenario, rate=args.rate, mix=scenario.mix or profiles.MIX)
    ctx = pinned(ctx, enable=not args.no_pin)
    keep_lab_off(ctx.sut_cpus)
    if args.live:
        port = free_port()
        ctx = replace(ctx, options={**ctx.options, "locust_web_port": port})
        print(f"Locust's web UI: http://127.0.0.1:{port} once the load starts (after up, seeding and warm-up); "
              "it quits 5 s after the run", file=sys.stderr, flush=True)
    driver = make_driver(args.model, ctx)
    reason = driver.available()
    if reason:
        raise LabError(f"model {args.model} cannot run on this machine: {reason}")
    why = cannot(driver, scenario.faults)
    if why:
        raise LabError(f"scenario {scenario.name} does not apply: {why}")
    run_id = new_run_id(args.model, scenario.name)
    out_dir = Path(args.out).resolve() if args.out else ctx.root / "reports" / "runs" / run_id
    print(f"run {run_id}: model {args.model}, scenario {scenario.name}, {scenario.duration_s:.0f} s, "
          f"{scenario.load} -> {out_dir}", file=sys.stderr, flush=True)
    result = run_scenario(ctx, driver, scenario, out_dir, profile=args.profile or scenario.profile, keep_up=args.keep_up)
    if result.partial:
        print("interrupted: the report covers what was measured (marked partial)", file=sys.stderr)
    if result.generator_overloaded:
        print(f"warning: the load generator passed {GENERATOR_LIMIT:.0f}% CPU; see the report", file=sys.stderr)
    print(out_dir / "report.html")
    return 130 if result.partial else 0
