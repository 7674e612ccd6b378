"""`deploylab down [MODEL]`: stop a model (default: whatever is up, however it was started). Idempotent."""

from __future__ import annotations

import argparse

from deploylab.core import state
from deploylab.core.driver import LabContext
from deploylab.core.registry import make_driver


def main(ctx: LabContext, args: argparse.Namespace) -> int:
    models = [args.model] if args.model else state.up_models(ctx.state_dir)
    if not models:
        print("nothing is up")
        return 0
    for model in models:
        make_driver(model, ctx).down()
        state.clear_current(ctx.state_dir, model)
        print(f"model {model} is down")
    return 0
