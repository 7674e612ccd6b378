"""Model A's shared environment: the union of the services' requirements, and where they cannot agree.

One interpreter hosts every app, so every app gets the same version of each library: two services
whose requirements no single version satisfies cannot both have what they asked for. That is model
A's weakness, made into a check that runs before anything is installed, in two steps:

- direct: each requirement is read as pip reads it (`packaging`: name, extras, specifier set, marker);
  a requirement whose marker does not hold for the lab's interpreter does not apply. Two requirements
  of one package conflict only when no version satisfies both: `>=3.0` and `==3.0.2` agree, `==3.0.1`
  and `==3.0.2` do not. Versions are tried from those the specifiers name and their neighbours.
- resolved: pip's own resolver over the union (`pip install --dry-run --ignore-installed --report -`),
  which also sees conflicts between what the pins depend on. It needs the package index: when that
  cannot be reached, the check says so and the direct one stands alone.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from deploylab.core.errors import LabError


@dataclass(frozen=True)
class Pin:
    package: str  # normalised (PEP 503): "Django_REST" -> "django-rest"
    spec: str  # "==5.2.19", "" when unpinned
    source: Path
    line: str
    marker: str = ""  # 'python_version < "3.8"', "" when none
    extras: tuple[str, ...] = ()
    applies: bool = True  # the marker holds for the lab's interpreter (or there is none)


def normalise(name: str) -> str:
    return canonicalize_name(name)


def parse_requirements(path: Path, environment: dict[str, str] | None = None) -> list[Pin]:
    """Package lines of one requirements file; comments, blank lines and pip options are skipped."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise LabError(f"cannot read {path}: {exc.strerror}") from None
    env: dict[str, str] = environment or {key: str(value) for key, value in default_environment().items()}
    pins = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line or line.startswith("-"):
            continue
        try:
            req = Requirement(line)
        except InvalidRequirement as exc:
            raise LabError(f"{path}: cannot read requirement {raw.strip()!r}: {exc}") from None
        marker = str(req.marker) if req.marker else ""
        applies = req.marker.evaluate({**env, "extra": ""}) if req.marker else True
        pins.append(Pin(normalise(req.name), str(req.specifier), path, line, marker, tuple(sorted(req.extras)), applies))
    return pins


def _candidates(specs: Iterable[SpecifierSet]) -> list[Version]:
    """Versions worth trying: each version a specifier names, and versions just below, between and above it."""
    found: set[Version] = {Version("0"), Version("99999")}
    for spec_set in specs:
        for spec in spec_set:
            try:
                version = Version(spec.version.removesuffix(".*"))
            except InvalidVersion:  # `===` with an arbitrary string
                continue
            release = version.release
            found.add(version)
            found.add(Version(".".join(map(str, (*release, 1)))))  # between V and the next release: 3.0 -> 3.0.1
            found.add(Version(".".join(map(str, (*release[:-1], release[-1] + 1)))))  # the next: 3.0 -> 3.1
            if release[-1] > 0:
                found.add(Version(".".join(map(str, (*release[:-1], release[-1] - 1, 99)))))  # below: 3.1 -> 3.0.99
            found.add(Version(f"{release[0] + 1}"))  # the next major
    return sorted(found)


def satisfiable(specs: Sequence[SpecifierSet]) -> Version | None:
    """A version every specifier set accepts, or None when none of the candidates is accepted by all."""
    prereleases = any(spec.prereleases for spec in specs)
    for version in _candidates(specs):
        if all(spec.contains(version, prereleases=True if prereleases else None) for spec in specs):
            return version
    return None


def _merged_line(pins: list[Pin]) -> str:
    """What follows the package's name in the shared requirements file."""
    applying = [pin for pin in pins if pin.applies]
    extras = sorted({extra for pin in applying for extra in pin.extras})
    spec = str(SpecifierSet(",".join(pin.spec for pin in applying if pin.spec)))
    markers = {pin.marker for pin in pins}
    marker = next(iter(markers)) if len(markers) == 1 else ""
    if not applying:  # every requirement of it is for another interpreter: keep one as written, pip skips it
        spec, marker = pins[0].spec, pins[0].marker
    return (f"[{','.join(extras)}]" if extras else "") + spec + (f"; {marker}" if marker else "")


def union(paths: list[Path], environment: dict[str, str] | None = None) -> tuple[dict[str, str], dict[str, list[Pin]]]:
    """({package: extras, specifiers and marker} for the shared environment, {package: the pins no version satisfies together})."""
    by_package: dict[str, list[Pin]] = {}
    for path in paths:
        for pin in parse_requirements(path, environment):
            by_package.setdefault(pin.package, []).append(pin)
    merged: dict[str, str] = {}
    conflicts: dict[str, list[Pin]] = {}
    for package, pins in sorted(by_package.items()):
        applying = [SpecifierSet(pin.spec) for pin in pins if pin.applies and pin.spec]
        if len(applying) > 1 and satisfiable(applying) is None:
            conflicts[package] = [pin for pin in pins if pin.applies and pin.spec]
        merged[package] = _merged_line(pins)
    return merged, conflicts


def describe_conflicts(conflicts: dict[str, list[Pin]], root: Path | None = None) -> list[str]:
    def where(pin: Pin) -> str:
        return str(pin.source.relative_to(root)) if root and pin.source.is_relative_to(root) else str(pin.source)

    return [f"{package}: " + ", ".join(f"{pin.spec or '(any)'} in {where(pin)}" for pin in pins) for package, pins in conflicts.items()]


def union_text(merged: dict[str, str]) -> str:
    return "".join(f"{package}{rest}\n" for package, rest in merged.items())


def write_union(paths: list[Path], target: Path, root: Path | None = None) -> Path:
    """The shared environment's requirements file; LabError naming each conflicting package."""
    merged, conflicts = union(paths)
    if conflicts:
        raise LabError("the services' requirements conflict, so they cannot share one interpreter: " + "; ".join(describe_conflicts(conflicts, root)))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(union_text(merged))
    return target


# -- pip's resolver ------------------------------------------------------------------------------------------

# What pip prints when it cannot reach the index, as opposed to an index that answered "no such version".
_UNREACHABLE = ("NewConnectionError", "Failed to establish a new connection", "Temporary failure in name resolution",
                "Name or service not known", "ConnectTimeoutError", "ReadTimeoutError", "ProxyError",
                "Network is unreachable", "Connection refused", "SSLError", "No route to host")


@dataclass(frozen=True)
class Resolution:
    """What pip's resolver says of the union: "resolved", "unresolvable" (a conflict, maybe between dependencies), or "unchecked" (index unreachable, no pip)."""

    status: str
    detail: str = ""  # pip's own explanation of a conflict, or why the check did not run
    installs: dict[str, str] = field(default_factory=dict)  # package -> version pip would install

    def to_json(self) -> dict[str, object]:
        return {"status": self.status, "detail": self.detail, "installs": self.installs}


Run = Callable[..., subprocess.CompletedProcess[str]]


def resolve(merged: dict[str, str], python: str = sys.executable, timeout: float = 120.0,
            run: Run = subprocess.run) -> Resolution:
    """pip's dry run over the union with the lab's interpreter: every version it would install, or why it cannot."""
    text = union_text(merged)
    with tempfile.TemporaryDirectory(prefix="deploylab-deps-") as tmp:
        requirements = Path(tmp) / "union.txt"
        requirements.write_text(text)
        pip = [python, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--disable-pip-version-check",
               "--no-input", "--retries", "1", "--timeout", "10", "-r", str(requirements)]
        try:
            result = run([*pip, "--quiet", "--report", "-"], capture_output=True, text=True, timeout=timeout)
            explained = (run(pip, capture_output=True, text=True, timeout=timeout).stdout
                         if result.returncode and "ResolutionImpossible" in result.stderr else "")
        except subprocess.TimeoutExpired:
            return Resolution("unchecked", f"pip's resolver did not finish within {timeout:.0f} s")
        except OSError as exc:
            return Resolution("unchecked", f"cannot run pip with {python}: {exc}")
    if result.returncode == 0:
        try:
            report = json.loads(result.stdout)
            installs = {normalise(item["metadata"]["name"]): item["metadata"]["version"] for item in report["install"]}
        except (ValueError, KeyError, TypeError):
            return Resolution("unchecked", "pip's report could not be read: " + result.stdout[:200])
        return Resolution("resolved", f"pip would install {len(installs)} packages", installs)
    errors = result.stderr
    if any(marker in errors for marker in _UNREACHABLE):
        return Resolution("unchecked", "the package index cannot be reached; only the direct check ran")
    lines = text.splitlines()
    named = re.sub(r"-r \S+ \(line (\d+)\)", lambda m: lines[int(m[1]) - 1] if int(m[1]) <= len(lines) else m[0], errors)
    found = [line.removeprefix("ERROR: ") for line in named.splitlines()
             if line.startswith("ERROR") and "ResolutionImpossible" not in line]
    if "The conflict is caused by:" in explained:
        cause = explained.split("The conflict is caused by:", 1)[1].split("\n\n", 1)[0]
        found += ["The conflict is caused by:", *(line.strip() for line in cause.splitlines() if line.strip())]
    if found:
        return Resolution("unresolvable", "\n".join(found[:20]))
    return Resolution("unchecked", f"pip exited {result.returncode}: " + "\n".join(errors.strip().splitlines()[-3:]))
