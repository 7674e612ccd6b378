"""`deploylab build MODEL [--swarm | --monolith]`: build what a model needs (venvs, images, the machines' image); cached."""

from __future__ import annotations

import argparse

from deploylab.cli.commands.up import add_model_arguments, check_model_options
from deploylab.core import lifecycle
from deploylab.core.driver import LabContext
from deploylab.core.registry import make_driver


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_arguments(parser)


def main(ctx: LabContext, args: argparse.Namespace) -> int:
    check_model_options(args)
    driver = make_driver(args.model, ctx)
    lifecycle.require_available(driver)
    driver.build()
    print(f"model {args.model}: built")
    return 0
