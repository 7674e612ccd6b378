"""The `deploylab` command: parses only, builds the LabContext once, calls commands/<verb>.py: main(ctx, args).

Every LabError becomes one line on stderr and its exit code, here and nowhere else.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from types import ModuleType

from deploylab.cli.context import RESTART_POLICIES, build_context
from deploylab.core.driver import DRIVER_FAULTS, LabContext
from deploylab.core.errors import LabError

CHAOS_FAULTS = ("latency", "errors", "cpu", "leak", "crash", "reset")

# verb -> module with main(ctx, args) -> int. run, compare and build-base-image are written by others:
# a module may also define add_arguments(parser); without it the verb's words arrive as args.rest.
VERBS: dict[str, str] = {
    "up": "deploylab.cli.commands.up",
    "down": "deploylab.cli.commands.down",
    "status": "deploylab.cli.commands.status",
    "seed": "deploylab.cli.commands.seed",
    "fault": "deploylab.cli.commands.fault",
    "deps": "deploylab.cli.commands.deps",
    "run": "deploylab.cli.commands.run",
    "compare": "deploylab.cli.commands.compare",
    "build-base-image": "deploylab.cli.commands.build_base_image",
}
DELEGATED = ("run", "compare", "build-base-image")


def _import(verb: str) -> ModuleType:
    try:
        return importlib.import_module(VERBS[verb])
    except ModuleNotFoundError as exc:
        if exc.name and VERBS[verb].startswith(exc.name):
            raise LabError(f"`deploylab {verb}` is not built yet") from None
        raise


def _own_arguments(parser: argparse.ArgumentParser, verb: str) -> None:
    if verb == "up":
        parser.add_argument("model", help="a, b, c or d")
        parser.add_argument("--seed", action="store_true", help="load the sample data once it is up")
        parser.add_argument("--swarm", action="store_true", help="model D: a single-node Docker Swarm")
    elif verb == "down":
        parser.add_argument("model", nargs="?", help="default: whatever is up")
        parser.add_argument("--purge", action="store_true", help="model D: also remove the data volumes")
    elif verb == "status":
        parser.add_argument("--json", action="store_true")
    elif verb == "fault":
        parser.add_argument("model", help="a, b, c or d")
        parser.add_argument("unit", help="a unit (students, grades, web, gateway, shared) or, for chaos, a service")
        parser.add_argument("kind", choices=DRIVER_FAULTS + CHAOS_FAULTS)
        parser.add_argument("params", nargs="*", metavar="key=value", help="e.g. ms=500 duration_s=30")


def _delegated_arguments(parser: argparse.ArgumentParser, verb: str) -> None:
    try:
        module = importlib.import_module(VERBS[verb])
    except ImportError:
        module = None  # reported as "not built yet" when the verb runs
    add: Callable[[argparse.ArgumentParser], None] | None = getattr(module, "add_arguments", None)
    if add:
        add(parser)
    else:
        parser.add_argument("rest", nargs=argparse.REMAINDER, help="passed to the verb as it is")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="deploylab", description="One sample application, four deployment models.")
    parser.add_argument("--port-offset", type=int, default=None, help="add N to every port (env DEPLOYLAB_PORT_OFFSET)")
    parser.add_argument("--restart", choices=RESTART_POLICIES, default=None, help="model B's restart policy")
    parser.add_argument("--up-timeout", type=float, default=None, metavar="SECONDS")
    parser.add_argument("-v", "--verbose", action="store_true")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    helps = {
        "up": "start a model and wait until it serves",
        "down": "stop a model; leaves nothing running",
        "status": "what runs now",
        "seed": "load the sample data through the entry address",
        "fault": "break a unit: kill/stop/start/redeploy, or an in-process assault",
        "deps": "model A's shared environment: the union of the requirements, and conflicts",
        "run": "a measured run",
        "compare": "measure every model this machine can run",
        "build-base-image": "model D's local base image",
    }
    for verb in VERBS:
        sub = verbs.add_parser(verb, help=helps[verb])
        if verb in DELEGATED:
            _delegated_arguments(sub, verb)
        else:
            _own_arguments(sub, verb)
        if verb == "up":  # also accepted after the verb: `deploylab up b --restart always`
            sub.add_argument("--restart", dest="verb_restart", choices=RESTART_POLICIES, default=None)
    return parser


def _context(args: argparse.Namespace) -> LabContext:
    options = {name: True for name in ("swarm", "purge") if getattr(args, name, False)}
    return build_context(
        port_offset=args.port_offset,
        restart_policy=getattr(args, "verb_restart", None) or args.restart,
        up_timeout=args.up_timeout,
        verbose=args.verbose,
        options=options,
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    try:
        module = _import(args.verb)
        return int(module.main(_context(args), args) or 0)
    except LabError as exc:
        print(f"deploylab: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("deploylab: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `deploylab status | head`: the reader left, which is not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
