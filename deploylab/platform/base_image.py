"""Build a local Debian + Python base image without any registry: debootstrap a root filesystem and import it.

No image can be pulled on the lab's machines, but the Debian mirror that apt uses is reachable. So the
base is made from Debian packages: `debootstrap --variant=minbase --include=<packages>`, then the tree
is streamed into `docker import`. Parameterised by image name and extra packages, so model C can make
its systemd + sshd variant from the same recipe. An image whose package label matches is reused.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from deploylab.core.errors import LabError
from deploylab.platform.docker_engine import DockerEngine

SUITE = "bookworm"
PYTHON_PACKAGES = ("python3", "python3-venv")
BASE_IMAGE = f"deploylab/base:{SUITE}"
PACKAGES_LABEL = "org.deploylab.packages"
APT_SOURCES = Path("/etc/apt")


@dataclass(frozen=True)
class BaseImageSpec:
    name: str = BASE_IMAGE  # repo:tag
    extra_packages: tuple[str, ...] = ()
    # Dockerfile instructions applied on import, e.g. ('CMD ["/sbin/init"]',) for a systemd variant.
    changes: tuple[str, ...] = field(default=("ENV LANG=C.UTF-8", 'CMD ["python3"]'))
    suite: str = SUITE

    @property
    def packages(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(PYTHON_PACKAGES + self.extra_packages))


def apt_mirror(suite: str = SUITE, apt_dir: Path = APT_SOURCES) -> str:
    """The Debian mirror this machine's apt uses for `suite` (never a hard-coded internet host)."""
    files = [apt_dir / "sources.list", *sorted((apt_dir / "sources.list.d").glob("*.list")),
             *sorted((apt_dir / "sources.list.d").glob("*.sources"))]
    for path in files:
        try:
            text = path.read_text()
        except OSError:
            continue
        for uri, suites in _entries(text, deb822=path.suffix == ".sources"):
            if suite in suites and "security" not in uri:
                return uri
    raise LabError(f"no apt source for Debian {suite} in {apt_dir}: cannot give debootstrap a mirror")


def _entries(text: str, *, deb822: bool) -> Iterable[tuple[str, list[str]]]:
    if deb822:
        for stanza in re.split(r"\n\s*\n", text):
            fields = dict(re.findall(r"^(\w[\w-]*):\s*(.*)$", stanza, re.MULTILINE))
            if "deb" in fields.get("Types", "").split() and fields.get("Enabled", "yes") != "no":
                for uri in fields.get("URIs", "").split():
                    yield uri, fields.get("Suites", "").split()
        return
    for line in text.splitlines():
        parts = re.sub(r"\[[^]]*\]", "", line.split("#", 1)[0]).split()
        if len(parts) >= 3 and parts[0] == "deb":
            yield parts[1], [parts[2]]


def image_is_current(engine: DockerEngine, spec: BaseImageSpec) -> bool:
    image = engine.image(spec.name)
    labels = ((image or {}).get("Config") or {}).get("Labels") or {}
    return image is not None and labels.get(PACKAGES_LABEL) == ",".join(spec.packages)


def build_base_image(
    engine: DockerEngine,
    spec: BaseImageSpec,
    cache_dir: Path,
    log: Callable[[str], None] = print,
) -> bool:
    """Make the image unless a current one exists. True when it was built, False when cached."""
    if image_is_current(engine, spec):
        log(f"base image {spec.name}: cached")
        return False
    for tool in ("debootstrap", "tar"):
        if shutil.which(tool) is None:
            raise LabError(f"{tool} is not installed (apt-get install debootstrap): needed to build {spec.name}")
    mirror = apt_mirror(spec.suite)
    cache_dir.mkdir(parents=True, exist_ok=True)  # .deb files kept for the next build (and model C's)
    with tempfile.TemporaryDirectory(prefix="deploylab-rootfs-") as tmp:
        rootfs = Path(tmp) / "rootfs"
        log(f"base image {spec.name}: debootstrap {spec.suite} from {mirror} (+{', '.join(spec.packages)})")
        _run(["debootstrap", "--variant=minbase", f"--include={','.join(spec.packages)}",
              f"--cache-dir={cache_dir.resolve()}", spec.suite, str(rootfs), mirror])
        for leftover in ("var/lib/apt/lists", "var/cache/apt/archives"):
            for path in (rootfs / leftover).glob("*"):
                if path.is_file():
                    path.unlink()
        log(f"base image {spec.name}: importing")
        repo, _, tag = spec.name.rpartition(":")
        label = f'LABEL {PACKAGES_LABEL}="{",".join(spec.packages)}"'
        with subprocess.Popen(["tar", "--numeric-owner", "-C", str(rootfs), "-c", "."],
                              stdout=subprocess.PIPE) as tar:
            assert tar.stdout is not None
            engine.import_image(tar.stdout, repo, tag, [*spec.changes, label], message="deploylab debootstrap")
        if tar.returncode:
            raise LabError(f"tar of the root filesystem failed (exit {tar.returncode})")
    log(f"base image {spec.name}: built")
    return True


def _run(argv: list[str]) -> None:
    result = subprocess.run(argv, capture_output=True, text=True)
    if result.returncode:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-15:])
        raise LabError(f"{argv[0]} failed (exit {result.returncode}):\n{tail}")
