"""Model A's shared environment: the union of the services' requirements, and where the pins disagree.

One interpreter hosts every app, so every app gets the same version of each library: two services
that pin a package differently cannot both have what they asked for. That is model A's weakness,
made into a check that runs before anything is installed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from deploylab.core.errors import LabError

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$")


@dataclass(frozen=True)
class Pin:
    package: str  # normalised (PEP 503): "Django_REST" -> "django-rest"
    spec: str  # "==5.2.19", "" when unpinned
    source: Path
    line: str


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_requirements(path: Path) -> list[Pin]:
    """Package lines of one requirements file; comments, blank lines and pip options are skipped."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise LabError(f"cannot read {path}: {exc.strerror}") from None
    pins = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        match = _NAME.match(line)
        if not match:
            raise LabError(f"{path}: cannot read requirement {raw.strip()!r}")
        spec = re.sub(r"\s+", "", match.group(3).split(";", 1)[0])
        pins.append(Pin(normalise(match.group(1)), spec, path, line))
    return pins


def union(paths: list[Path]) -> tuple[dict[str, str], dict[str, list[Pin]]]:
    """({package: spec} for the shared environment, {package: the disagreeing pins})."""
    by_package: dict[str, list[Pin]] = {}
    for path in paths:
        for pin in parse_requirements(path):
            by_package.setdefault(pin.package, []).append(pin)
    merged: dict[str, str] = {}
    conflicts: dict[str, list[Pin]] = {}
    for package, pins in sorted(by_package.items()):
        specs = {pin.spec for pin in pins if pin.spec}
        if len(specs) > 1:
            conflicts[package] = pins
        merged[package] = next(iter(specs), "")
    return merged, conflicts


def describe_conflicts(conflicts: dict[str, list[Pin]], root: Path | None = None) -> list[str]:
    def where(pin: Pin) -> str:
        return str(pin.source.relative_to(root)) if root and pin.source.is_relative_to(root) else str(pin.source)

    return [f"{package}: " + ", ".join(f"{pin.spec or '(any)'} in {where(pin)}" for pin in pins) for package, pins in conflicts.items()]


def write_union(paths: list[Path], target: Path, root: Path | None = None) -> Path:
    """The shared environment's requirements file; LabError naming each conflicting package."""
    merged, conflicts = union(paths)
    if conflicts:
        raise LabError("the services' requirements conflict, so they cannot share one interpreter: " + "; ".join(describe_conflicts(conflicts, root)))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("".join(f"{package}{spec}\n" for package, spec in merged.items()))
    return target
