"""`deploylab logs MODEL [UNIT] [--lines N]`: the last lines of a unit's output (every unit's without UNIT).

A and B: the unit's log file under .lab/<model>/logs/; C: the unit's journal inside its machine
(`journalctl -u <unit>` over `vagrant ssh`); D: the container's log (what `docker logs --tail` shows).
"""

from __future__ import annotations

import argparse

from deploylab.core.driver import LabContext
from deploylab.core.errors import UsageError
from deploylab.core.registry import MODELS, make_driver


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help=f"the deployment model: {', '.join(MODELS)}")
    parser.add_argument("unit", nargs="?", default=None, help="one unit (e.g. grades, gateway); default: every unit")
    parser.add_argument("-n", "--lines", type=int, default=50, help="how many of the last lines (default 50)")


def main(ctx: LabContext, args: argparse.Namespace) -> int:
    if args.lines < 1:
        raise UsageError("--lines must be at least 1")
    print(make_driver(args.model, ctx).logs(args.unit, args.lines), end="")
    return 0
