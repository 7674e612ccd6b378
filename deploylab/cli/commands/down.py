"""`deploylab down [MODEL]`: stop a model (default: whatever is up, however it was started). Idempotent."""

from __future__ import annotations

import argparse
import shutil

from deploylab.core import lifecycle
from deploylab.core.driver import LabContext
from deploylab.core.registry import MODELS, make_driver


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", nargs="?", help=f"{', '.join(MODELS)}; default: whatever is up")
    parser.add_argument("--purge", action="store_true",
                        help="also remove the services' data: .lab/<model>/data (A, B, C), D's volumes")


def main(ctx: LabContext, args: argparse.Namespace) -> int:
    models = [args.model] if args.model else lifecycle.recorded_up(ctx.state_dir)
    if not models:
        print("nothing is up")
        return 0
    for model in models:
        lifecycle.take_down(make_driver(model, ctx))
        data = ctx.model_dir(model) / "data"  # A's and B's databases (C's driver purges its own, D's are volumes)
        if ctx.options.get("purge") and data.exists():
            shutil.rmtree(data)
        print(f"model {model} is down")
    return 0
