"""`deploylab fault MODEL UNIT KIND [key=value ...]`: break one unit.

kill/stop/start/redeploy (and poweroff/poweron of a machine, in C) come from the model's driver; latency/errors/cpu/leak/crash/reset go to the
service's chaos middleware with the deployment's token: through the entry address, or to each replica
where the entry balances over several (Swarm).
"""

from __future__ import annotations

import argparse

from deploylab.core import state
from deploylab.core.driver import DRIVER_FAULTS, LabContext
from deploylab.core.errors import LabError
from deploylab.core.registry import MODELS, make_driver
from deploylab.measure import chaos, faults


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help=f"the deployment model: {', '.join(MODELS)}")
    parser.add_argument("unit", help="a unit (students, grades, web, gateway, shared) or, for chaos, a service")
    parser.add_argument("kind", choices=DRIVER_FAULTS + chaos.KINDS)
    parser.add_argument("params", nargs="*", metavar="key=value", help="e.g. ms=500 duration_s=30")


def main(ctx: LabContext, args: argparse.Namespace) -> int:
    recorded = state.read_state(ctx.model_dir(args.model))
    if not recorded:
        raise LabError(f"model {args.model} is not up")
    params = chaos.parse_params(args.params)
    if args.kind in DRIVER_FAULTS:
        make_driver(args.model, ctx).fault(args.unit, args.kind, **params)
        print(f"{args.kind} {args.unit}: done")
        return 0
    if args.unit not in ctx.manifest.services:
        raise LabError(f"in-process faults target a service: one of {', '.join(ctx.manifest.services)}")
    token = state.deployment_secrets(ctx.model_dir(args.model)).get("chaos_token", "")
    # A deployment's recorded entry; the lab's own when none was recorded (model C's state before it did).
    base_url = recorded.get("base_url") or ctx.base_url
    done = faults.inject(make_driver(args.model, ctx), base_url, token, args.unit, args.kind, dict(params),
                         ctx.manifest.chaos_prefix)
    print(f"{args.kind} {args.unit}: {done['answer']}")
    return 0
