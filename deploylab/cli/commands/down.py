"""`deploylab down [MODEL]`: stop a model (default: whatever is up, however it was started). Idempotent."""

from __future__ import annotations

import argparse

from deploylab.core import lifecycle
from deploylab.core.driver import LabContext
from deploylab.core.registry import MODELS, make_driver


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", nargs="?", help=f"{', '.join(MODELS)}; default: whatever is up")
    parser.add_argument("--purge", action="store_true", help="model D: also remove the data volumes")


def main(ctx: LabContext, args: argparse.Namespace) -> int:
    models = [args.model] if args.model else lifecycle.recorded_up(ctx.state_dir)
    if not models:
        print("nothing is up")
        return 0
    for model in models:
        lifecycle.take_down(make_driver(model, ctx))
        print(f"model {model} is down")
    return 0
