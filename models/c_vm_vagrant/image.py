"""The "VM" image of the docker provider: the lab's debootstrap base with systemd and sshd, plus vm-image/.

Same inputs, same tag: the tag is a hash of the recipe's files and the base image's id, so a second
build with nothing changed does nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from deploylab.platform.base_image import BaseImageSpec, build_base_image
from deploylab.platform.docker_engine import DockerEngine
from deploylab.platform.image_cache import build_cached, context_tar

RECIPE = Path(__file__).resolve().parent / "vm-image"
REPO = "deploylab/c-vm"
BASE = BaseImageSpec(
    name="deploylab/c-vm-base:bookworm",
    # python3-pkg-resources: Ansible's pip module imports it on the target.
    extra_packages=("systemd", "systemd-sysv", "openssh-server", "sudo", "iproute2", "python3-pkg-resources"),
    changes=("ENV LANG=C.UTF-8", 'CMD ["/sbin/init"]'),
)


def build_vm_image(engine: DockerEngine, cache_dir: Path, log: Callable[[str], None]) -> str:
    """The image tag for the machines; built unless that exact tag exists."""
    build_base_image(engine, BASE, cache_dir, log)
    context = context_tar((path.name, path) for path in sorted(RECIPE.iterdir()))
    return build_cached(engine, REPO, context, "Dockerfile", {"BASE_IMAGE": BASE.name}, {"org.deploylab.model": "c"},
                        log, base=BASE.name)
