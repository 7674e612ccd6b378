"""`deploylab build-base-image`: the local Debian + Python image model D builds on when no registry is reachable.

`--name` and `--package` make variants from the same recipe (model C: systemd and sshd).
"""

from __future__ import annotations

import argparse

from deploylab.core.driver import LabContext
from deploylab.core.errors import LabError
from deploylab.platform.base_image import BASE_IMAGE, BaseImageSpec, build_base_image
from deploylab.platform.docker_engine import DockerEngine


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--name", default=BASE_IMAGE, help=f"repo:tag of the image (default {BASE_IMAGE})")
    parser.add_argument("--package", action="append", default=[], metavar="DEB",
                        help="an extra Debian package to include (repeatable)")


def main(ctx: LabContext, args: argparse.Namespace) -> int:
    engine = DockerEngine()
    if not engine.ping():
        raise LabError("no Docker engine answers; start one with `bash scripts/ensure-docker.sh`")
    spec = BaseImageSpec(name=getattr(args, "name", BASE_IMAGE), extra_packages=tuple(getattr(args, "package", ())))
    build_base_image(engine, spec, ctx.state_dir / "cache" / "debootstrap")
    print(spec.name)
    return 0
