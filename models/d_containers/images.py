"""Model D's images: one per Python part, from one Dockerfile, tagged by a hash of everything that goes in.

The build context is a tar assembled here with the repository's own paths (so the same Dockerfile also
builds from the repository root): the Dockerfile, the part's folder, services/common, its requirements
and its host-built wheelhouse. Same inputs, same tag: an existing tag is not built again ("cached").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from deploylab.core.driver import LabContext
from deploylab.platform.base_image import BaseImageSpec, build_base_image
from deploylab.platform.docker_engine import DockerEngine
from deploylab.platform.image_cache import build_cached, context_tar
from deploylab.platform.wheelhouse import build_wheelhouse, source_files

DOCKERFILE = Path(__file__).resolve().parent / "Dockerfile"
UPSTREAM_BASE = "python:3.11-slim"  # the Dockerfile's default, used when the engine already has it
REPO = "deploylab/d-{part}"


@dataclass(frozen=True)
class Part:
    """Something that becomes one image: a service of the manifest, or the gateway."""

    name: str
    dir: Path
    requirements: Path


def parts(ctx: LabContext) -> list[Part]:
    manifest = ctx.manifest
    services = [Part(s.name, s.dir, s.requirements) for s in manifest.services.values()]
    return [*services, Part(manifest.gateway.name, manifest.gateway.dir, manifest.gateway.requirements)]


def wheelhouse_dir(ctx: LabContext, part: str) -> Path:
    return ctx.state_dir / "wheelhouse" / part


def context_members(ctx: LabContext, part: Part) -> list[tuple[str, Path]]:
    """(path in the context, file): the repository's own paths, so the Dockerfile also builds from the root."""
    wheels = wheelhouse_dir(ctx, part.name)
    return [
        ("models/d_containers/Dockerfile", DOCKERFILE),
        (part.requirements.relative_to(ctx.root).as_posix(), part.requirements),
        *source_files(ctx.root, ctx.manifest.common_dir),
        *source_files(ctx.root, part.dir),
        *((f".lab/wheelhouse/{part.name}/{path.name}", path) for path in sorted(wheels.glob("*.whl"))),
    ]


def base_image(engine: DockerEngine, ctx: LabContext, log: Callable[[str], None]) -> str:
    """python:3.11-slim when the engine has it (never pulled: no registry here); else the local Debian base."""
    if engine.image(UPSTREAM_BASE) is not None:
        return UPSTREAM_BASE
    spec = BaseImageSpec()
    build_base_image(engine, spec, ctx.state_dir / "cache" / "debootstrap", log)
    return spec.name


def build_part(
    engine: DockerEngine, ctx: LabContext, part: Part, base: str, version: str, log: Callable[[str], None]
) -> str:
    """The image tag for this part; built unless that exact tag exists."""
    if build_wheelhouse(part.requirements, wheelhouse_dir(ctx, part.name)):
        log(f"wheelhouse {part.name}: built")
    args = {
        "BASE_IMAGE": base,
        "SERVICE": part.name,
        "SERVICE_DIR": part.dir.relative_to(ctx.root).as_posix(),
        "REQUIREMENTS": part.requirements.relative_to(ctx.root).as_posix(),
        "WHEELHOUSE": f".lab/wheelhouse/{part.name}",
        "VERSION": version,
    }
    return build_cached(engine, REPO.format(part=part.name), context_tar(context_members(ctx, part)),
                        "models/d_containers/Dockerfile", args, {"org.deploylab.model": "d"}, log,
                        base=base, verbose=ctx.verbose)


def build_all(engine: DockerEngine, ctx: LabContext, log: Callable[[str], None], version: str = "1") -> dict[str, str]:
    base = base_image(engine, ctx, log)
    return {part.name: build_part(engine, ctx, part, base, version, log) for part in parts(ctx)}
