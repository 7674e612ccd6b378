"""`deploylab up MODEL [--seed] [--swarm | --monolith]`: start one model and wait until it serves; ends by printing
the base URL."""

from __future__ import annotations

import argparse
import sys

from deploylab.cli.context import RESTART_POLICIES
from deploylab.core import lifecycle
from deploylab.core.driver import LabContext
from deploylab.core.errors import UsageError
from deploylab.core.registry import MODELS, make_driver
from deploylab.measure.seed import seed


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help=f"the deployment model: {', '.join(MODELS)}")
    add_variant_arguments(parser)


def add_variant_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--swarm", action="store_true", help="model D: a single-node Docker Swarm")
    parser.add_argument("--monolith", action="store_true",
                        help="model A: Web calls Students and Grades in-process, not over HTTP (a true monolith)")


def check_model_options(args: argparse.Namespace) -> None:
    if getattr(args, "monolith", False) and args.model != "a":
        raise UsageError(f"--monolith is model A's option, not model {args.model}'s")
    if getattr(args, "swarm", False) and args.model != "d":
        raise UsageError(f"--swarm is model D's option, not model {args.model}'s")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_model_arguments(parser)
    parser.add_argument("--seed", action="store_true", help="load the sample data once it is up")
    # also accepted after the verb: `deploylab up b --restart always`
    parser.add_argument("--restart", dest="verb_restart", choices=RESTART_POLICIES, default=None,
                        help="model B's restart policy")


def main(ctx: LabContext, args: argparse.Namespace) -> int:
    check_model_options(args)
    driver = make_driver(args.model, ctx)
    lifecycle.require_free_entry(driver)
    lifecycle.require_available(driver)
    deployment = lifecycle.bring_up(driver)
    if args.seed:
        print("seeding the sample data", file=sys.stderr, flush=True)
        seed(deployment.base_url)
    print(deployment.base_url)
    return 0
