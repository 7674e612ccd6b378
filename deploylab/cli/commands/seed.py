"""`deploylab seed`: load the deterministic sample data through the entry address of the model that is up."""

from __future__ import annotations

import argparse

from deploylab.core import lifecycle
from deploylab.core.driver import LabContext
from deploylab.core.errors import LabError
from deploylab.measure.seed import seed


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No arguments: the model that is up says where."""


def main(ctx: LabContext, args: argparse.Namespace) -> int:
    if not lifecycle.recorded_up(ctx.state_dir):
        raise LabError("no model is up: `deploylab up MODEL` first")
    seed(ctx.base_url)
    print(f"seeded {ctx.base_url}")
    return 0
