"""Release bundles: one .tar.gz per program with its code, services/common, its requirements and wheels.

Ansible copies a bundle to a machine and unpacks it into a folder named after the bundle's hash, so
an unchanged program is neither copied nor unpacked again. Members carry no time stamps or owners:
the same inputs give the same bytes and the same hash.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from deploylab.platform.wheelhouse import build_wheelhouse, source_files


@dataclass(frozen=True)
class Bundle:
    path: Path
    release: str  # content hash, names the release folder on the machine


def _files(root: Path, folder: Path) -> Iterable[tuple[str, Path]]:
    return (("app/" + rel, path) for rel, path in source_files(root, folder))


def make_bundle(root: Path, name: str, folders: list[Path], requirements: Path, cache: Path) -> Bundle:
    """The bundle for one program: app/<folders>, wheels/ and requirements.txt. Reused when unchanged."""
    wheels = cache / "wheelhouse" / name
    build_wheelhouse(requirements, wheels)
    members = [("requirements.txt", requirements)]
    for folder in folders:
        members.extend(_files(root, folder))
    members.extend((f"wheels/{w.name}", w) for w in sorted(wheels.glob("*.whl")))
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for arcname, path in members:
            data = path.read_bytes()
            info = tarfile.TarInfo(arcname)
            info.size, info.mode = len(data), 0o755 if path.stat().st_mode & 0o111 else 0o644
            tar.addfile(info, io.BytesIO(data))
    raw = buffer.getvalue()
    release = hashlib.sha256(raw).hexdigest()[:16]
    path = cache / "c-bundles" / f"{name}-{release}.tar.gz"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(gzip.compress(raw, mtime=0))
        tmp.replace(path)
    return Bundle(path, release)
