"""`deploylab shell c|d`: `export …` lines that point the model's own tools at the running deployment.

    eval "$(deploylab shell c)"; cd models/c_vm_vagrant; vagrant status; vagrant ssh grades
    eval "$(deploylab shell d)"; docker-compose ps; docker-compose logs grades

C: the variables Vagrant reads for this deployment (also in .lab/c/vagrant.env, written at `up`); D: the compose
project name, its files and its variables (also in .lab/d/compose.env). Both name the lab's Docker engine.
"""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Mapping

from deploylab.core.driver import LabContext
from deploylab.core.errors import UsageError
from deploylab.core.registry import make_driver


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="c (Vagrant) or d (compose): the models whose units the usual tools can reach")


def render_exports(values: Mapping[str, str]) -> str:
    """One `export KEY='value'` line per variable, quoted for a POSIX shell."""
    return "".join(f"export {key}={shlex.quote(value)}\n" for key, value in values.items())


def main(ctx: LabContext, args: argparse.Namespace) -> int:
    driver = make_driver(args.model, ctx)
    exports = getattr(driver, "shell_env", None)
    if exports is None:
        raise UsageError(f"model {args.model} runs plain processes: nothing to set up for a tool of its own "
                         f"(see `deploylab status`, `deploylab logs {args.model}`)")
    print(render_exports(exports()), end="")
    return 0
