"""`deploylab status [--json]`: which model is up, its units, base URL and health."""

from __future__ import annotations

import argparse
import json
from typing import Any

from deploylab.core import lifecycle, state
from deploylab.core.driver import LabContext
from deploylab.core.registry import make_driver
from deploylab.platform.probe import http_status


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="for scripts")


def collect(ctx: LabContext) -> dict[str, Any]:
    model = next(iter(lifecycle.recorded_up(ctx.state_dir)), None)
    recorded = state.read_state(ctx.model_dir(model)) if model else None
    if not model or not recorded:
        return {"model": None}
    driver = make_driver(model, ctx)
    units = [unit.to_json() for unit in driver.unit_states()]
    base_url = recorded.get("base_url", ctx.base_url)
    health = http_status(base_url + ctx.manifest.entry_health)
    return {"model": model, "title": driver.title, "base_url": base_url, "health": health, "units": units}


def main(ctx: LabContext, args: argparse.Namespace) -> int:
    status = collect(ctx)
    if args.json:
        print(json.dumps(status, indent=2))
    elif not status["model"]:
        print("no model is up")
    else:
        health = status["health"]
        print(f"model {status['model']}: {status['title']}")
        print(f"  {status['base_url']}  health: {health if health else 'no answer'}")
        for unit in status["units"]:
            extra = f"  restarts={unit['restarts']}" if unit.get("restarts") else ""
            print(f"  {unit['unit']:<10} {unit['kind']:<9} pid={unit['pid'] or '-':<8} {unit['state']}{extra}")
    return 0
