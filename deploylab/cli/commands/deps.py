"""`deploylab deps [--json] [--no-resolve]`: model A's shared environment — the union of the services'
requirements, the requirements no one version satisfies together, and what pip's resolver says of the union
(it also sees conflicts between the packages' own dependencies; skipped, and said so, without the index)."""

from __future__ import annotations

import argparse
import json

from deploylab.core.driver import LabContext
from deploylab.platform import deps


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The services' requirements come from the manifest."""
    parser.add_argument("--json", action="store_true", help="for scripts")
    parser.add_argument("--no-resolve", action="store_true", help="only the direct check; do not ask pip's resolver")


def main(ctx: LabContext, args: argparse.Namespace) -> int:
    files = [service.requirements for service in ctx.manifest.services.values()]
    merged, conflicts = deps.union(files)
    resolution = (deps.Resolution("unchecked", "not asked (--no-resolve)") if args.no_resolve or conflicts
                  else deps.resolve(merged))
    failed = bool(conflicts) or resolution.status == "unresolvable"
    if args.json:
        print(json.dumps({
            "files": [str(f.relative_to(ctx.root)) if f.is_relative_to(ctx.root) else str(f) for f in files],
            "packages": merged,
            "conflicts": {package: [{"spec": pin.spec, "marker": pin.marker, "source": str(pin.source)} for pin in pins]
                          for package, pins in conflicts.items()},
            "resolver": resolution.to_json(),
            "ok": not failed,
        }, indent=2))
        return 1 if failed else 0
    print(f"# the shared environment of model A: {len(merged)} packages from {len(files)} requirement files")
    for package, spec in merged.items():
        print(f"{package}{spec}")
    if conflicts:
        print(f"\n# {len(conflicts)} conflicting requirements (no one version satisfies them together):")
        for line in deps.describe_conflicts(conflicts, ctx.root):
            print(f"#   {line}")
        return 1
    print("# no conflicts between the services' requirements")
    if resolution.status == "resolved":
        print(f"# pip's resolver agrees: {resolution.detail}, dependencies included")
    elif resolution.status == "unresolvable":
        print("# but pip's resolver cannot install them together (a conflict in their dependencies):")
        for line in resolution.detail.splitlines():
            print(f"#   {line}")
    else:
        print(f"# pip's resolver was not asked: {resolution.detail}")
    return 1 if failed else 0
