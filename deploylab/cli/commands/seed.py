"""`deploylab seed`: load the deterministic sample data through the entry address of the model that is up."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable

from deploylab.core import state
from deploylab.core.driver import LabContext
from deploylab.core.errors import LabError


def load_seed(required: bool = True) -> Callable[[str], None] | None:
    try:
        return importlib.import_module("deploylab.measure.seed").seed
    except ModuleNotFoundError as exc:
        if exc.name != "deploylab.measure.seed" or required:
            raise LabError("`deploylab seed` is not built yet") from None
        return None


def main(ctx: LabContext, args: argparse.Namespace) -> int:
    current = next(iter(state.up_models(ctx.state_dir)), None)
    recorded = state.read_state(ctx.model_dir(current)) if current else None
    if not recorded:
        raise LabError("no model is up: `deploylab up MODEL` first")
    seed = load_seed()
    assert seed is not None
    seed(recorded["base_url"])
    print(f"seeded {recorded['base_url']}")
    return 0
