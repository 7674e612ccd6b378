"""`deploylab down [MODEL]`: stop a model (default: whatever is up). Idempotent."""

from __future__ import annotations

import argparse

from .. import state
from ..driver import LabContext
from ..registry import make_driver


def main(ctx: LabContext, args: argparse.Namespace) -> int:
    model = args.model or state.read_current(ctx.state_dir)
    if not model:
        print("nothing is up")
        return 0
    make_driver(model, ctx).down()
    state.clear_current(ctx.state_dir, model)
    print(f"model {model} is down")
    return 0
