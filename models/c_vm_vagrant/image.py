"""The "VM" image of the docker provider: the lab's debootstrap base with systemd and sshd, plus vm-image/.

Same inputs, same tag: the tag is a hash of the recipe's files and the base image's id, so a second
build with nothing changed does nothing.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
from collections.abc import Callable
from pathlib import Path

from deploylab.base_image import BaseImageSpec, build_base_image
from deploylab.docker_engine import DockerEngine, EngineError
from deploylab.errors import LabError

RECIPE = Path(__file__).resolve().parent / "vm-image"
REPO = "deploylab/c-vm"
BASE = BaseImageSpec(
    name="deploylab/c-vm-base:bookworm",
    # python3-pkg-resources: Ansible's pip module imports it on the target.
    extra_packages=("systemd", "systemd-sysv", "openssh-server", "sudo", "iproute2", "python3-pkg-resources"),
    changes=("ENV LANG=C.UTF-8", 'CMD ["/sbin/init"]'),
)


def _recipe_tar() -> tuple[bytes, str]:
    digest = hashlib.sha256()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for path in sorted(RECIPE.iterdir()):
            data = path.read_bytes()
            info = tarfile.TarInfo(path.name)
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))
            digest.update(path.name.encode() + b"\0" + data)
    return buffer.getvalue(), digest.hexdigest()


def build_vm_image(engine: DockerEngine, cache_dir: Path, log: Callable[[str], None]) -> str:
    """The image tag for the machines; built unless that exact tag exists."""
    build_base_image(engine, BASE, cache_dir, log)
    tar, content = _recipe_tar()
    base_id = (engine.image(BASE.name) or {}).get("Id", BASE.name)
    tag = f"{REPO}:{hashlib.sha256(f'{content}{base_id}'.encode()).hexdigest()[:12]}"
    if engine.image(tag) is not None:
        log(f"vm image {tag}: cached")
        return tag
    log(f"vm image {tag}: building")
    lines: list[str] = []
    try:
        engine.build(io.BytesIO(tar), tag, "Dockerfile", {"BASE_IMAGE": BASE.name}, {"org.deploylab.model": "c"},
                     lines.append)
    except EngineError as exc:
        raise LabError("\n".join([str(exc), *lines[-15:]])) from None
    log(f"vm image {tag}: built")
    return tag
