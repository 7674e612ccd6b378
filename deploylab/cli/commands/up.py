"""`deploylab up MODEL [--seed]`: start one model and wait until it serves; ends by printing the base URL."""

from __future__ import annotations

import argparse
import sys

from deploylab.cli.commands.seed import load_seed
from deploylab.core import state
from deploylab.core.driver import LabContext
from deploylab.core.errors import LabError
from deploylab.core.registry import make_driver


def main(ctx: LabContext, args: argparse.Namespace) -> int:
    driver = make_driver(args.model, ctx)  # an unknown model is the first thing to say
    current = state.read_current(ctx.state_dir)
    if current == args.model:
        raise LabError(f"model {current} is already up; `deploylab down` first to start it again")
    if current:
        raise LabError(f"model {current} is up and holds the entry port; `deploylab down` first")
    reason = driver.available()
    if reason:
        raise LabError(f"model {args.model} cannot run on this machine: {reason}")
    deployment = driver.up()
    state.write_current(ctx.state_dir, args.model)
    if args.seed:
        seed = load_seed(required=False)
        if seed:
            print("seeding the sample data", file=sys.stderr, flush=True)
            seed(deployment.base_url)
        else:
            print("seed: not built yet (deploylab/measure/seed.py is missing); skipped", file=sys.stderr)
    print(deployment.base_url)
    return 0
