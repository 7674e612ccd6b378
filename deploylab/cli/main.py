"""The `deploylab` command: parses only, builds the LabContext once, calls commands/<verb>.py: main(ctx, args).

Each verb's module declares its own arguments (add_arguments) and does its work (main).

Every LabError becomes one line on stderr and its exit code, here and nowhere else.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import os
import signal
import sys
from collections.abc import MutableMapping, Sequence
from types import FrameType, ModuleType

from deploylab.cli.context import RESTART_POLICIES, build_context
from deploylab.core.driver import LabContext
from deploylab.core.errors import LabError
from deploylab.platform.docker_engine import docker_env

# verb -> (module under deploylab.cli.commands with add_arguments(parser) and main(ctx, args) -> int, help)
VERBS: dict[str, tuple[str, str]] = {
    "build": ("build", "build what a model needs (venvs, images, machine image); cached"),
    "up": ("up", "start a model and wait until it serves"),
    "down": ("down", "stop a model; leaves nothing running"),
    "status": ("status", "what runs now"),
    "seed": ("seed", "load the sample data through the entry address"),
    "fault": ("fault", "break a unit: kill/stop/start/redeploy, or an in-process assault"),
    "deps": ("deps", "model A's shared environment: the union of the requirements, and conflicts"),
    "run": ("run", "a measured run"),
    "compare": ("compare", "measure every model this machine can run"),
    "knee": ("knee", "one model's capacity: the highest open-loop rate within the SLO, by sweep then bisection"),
    "build-base-image": ("build_base_image", "model D's local base image"),
    "logs": ("logs", "the last lines of a unit's output: log files (A, B), journald (C), container logs (D)"),
    "shell": ("shell", "export lines for the model's own tools: eval \"$(deploylab shell c)\"; vagrant status"),
}


def _command(verb: str) -> ModuleType:
    return importlib.import_module(f"deploylab.cli.commands.{VERBS[verb][0]}")


def _version() -> str:
    try:
        return importlib.metadata.version("deploylab")
    except importlib.metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "(not installed)"


def _one_engine(environ: MutableMapping[str, str]) -> None:
    """The docker, compose and Vagrant commands the lab runs inherit DOCKER_HOST naming the engine that the lab's
    own client resolved (DOCKER_HOST or the current docker context), so both halves talk to one engine."""
    if environ.get("DOCKER_HOST"):
        return
    try:
        environ.update(docker_env(environ))
    except LabError:
        pass  # an endpoint the client cannot use: the client says so when a model needs the engine


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="deploylab", description="One sample application, four deployment models.")
    parser.add_argument("--port-offset", type=int, default=None, help="add N to every port (env DEPLOYLAB_PORT_OFFSET)")
    parser.add_argument("--restart", choices=RESTART_POLICIES, default=None, help="model B's restart policy")
    parser.add_argument("--up-timeout", type=float, default=None, metavar="SECONDS")
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--version", action="version", version=f"deploylab {_version()}")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    for verb, (_, help_text) in VERBS.items():
        _command(verb).add_arguments(verbs.add_parser(verb, help=help_text, description=help_text))
    return parser


def _context(args: argparse.Namespace) -> LabContext:
    options = {name: True for name in ("swarm", "monolith", "purge") if getattr(args, name, False)}
    return build_context(
        port_offset=args.port_offset,
        restart_policy=getattr(args, "verb_restart", None) or args.restart,
        up_timeout=args.up_timeout,
        verbose=args.verbose,
        options=options,
    )


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    saved = os.environ.get("DOCKER_HOST")
    # `kill` (a CI timeout, a supervisor) stops the lab as Ctrl-C does: the run in progress is reported as
    # partial and every model it brought up is taken down, rather than left running.
    terminate = signal.signal(signal.SIGTERM, _interrupt)
    try:
        _one_engine(os.environ)
        return int(_command(args.verb).main(_context(args), args) or 0)
    except LabError as exc:
        print(f"deploylab: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("deploylab: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `deploylab status | head`: the reader left, which is not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    finally:  # as it was for whoever called main() in-process (tests)
        signal.signal(signal.SIGTERM, terminate)
        if saved is None:
            os.environ.pop("DOCKER_HOST", None)
        else:
            os.environ["DOCKER_HOST"] = saved
