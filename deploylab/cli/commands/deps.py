"""`deploylab deps`: model A's shared environment — the union of the services' requirements, and conflicts by package."""

from __future__ import annotations

import argparse

from deploylab.core.driver import LabContext
from deploylab.platform import deps


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No arguments: the services' requirements come from the manifest."""


def main(ctx: LabContext, args: argparse.Namespace) -> int:
    files = [service.requirements for service in ctx.manifest.services.values()]
    merged, conflicts = deps.union(files)
    print(f"# the shared environment of model A: {len(merged)} packages from {len(files)} requirement files")
    for package, spec in merged.items():
        print(f"{package}{spec}")
    if conflicts:
        print(f"\n# {len(conflicts)} conflicting pins (one interpreter cannot satisfy both):")
        for line in deps.describe_conflicts(conflicts, ctx.root):
            print(f"#   {line}")
        return 1
    print("# no conflicts")
    return 0
