"""Images tagged by a hash of everything that goes into them, built only when that tag is missing.

Used by model D (one image per service) and model C (the machines' image): same inputs, same tag,
so a second `build` with nothing changed builds nothing and says "cached".
"""

from __future__ import annotations

import hashlib
import io
import tarfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from deploylab.core.errors import LabError
from deploylab.platform.docker_engine import DockerEngine, EngineError


def context_tar(members: Iterable[tuple[str, Path]]) -> tuple[bytes, str]:
    """A build context from (name in the tar, file) pairs, and a hash of names, modes and bytes.

    mtime 0 and uid 0 throughout: the same files always give the same tar and the same hash.
    """
    digest = hashlib.sha256()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, path in dict(members).items():
            data = path.read_bytes()
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o755 if path.stat().st_mode & 0o111 else 0o644
            tar.addfile(info, io.BytesIO(data))
            digest.update(f"{name}\0{info.mode}\0{len(data)}\0".encode())
            digest.update(data)
    return buffer.getvalue(), digest.hexdigest()


def build_cached(
    engine: DockerEngine,
    repo: str,
    context: tuple[bytes, str],
    dockerfile: str,
    buildargs: Mapping[str, str],
    labels: Mapping[str, str],
    log: Callable[[str], None],
    *,
    base: str | None = None,
    verbose: bool = False,
) -> str:
    """repo:<hash of context, build args and the base image's id>; built unless that tag exists."""
    tar, content = context
    base_id = (engine.image(base) or {}).get("Id", base) if base else ""
    key = hashlib.sha256(f"{content}\0{sorted(buildargs.items())}\0{base_id}".encode()).hexdigest()[:12]
    tag = f"{repo}:{key}"
    if engine.image(tag) is not None:
        log(f"image {tag}: cached")
        return tag
    log(f"image {tag}: building")
    lines: list[str] = []
    try:
        engine.build(io.BytesIO(tar), tag, dockerfile, buildargs, labels, log if verbose else lines.append)
    except EngineError as exc:
        raise LabError("\n".join([str(exc), *lines[-15:]])) from None
    log(f"image {tag}: built")
    for old in prune_older_tags(engine, repo):
        log(f"image {old}: removed (an older build)")
    return tag


KEEP_TAGS = 2  # this build and the one before it (a redeploy's pair; the other side of a one-line change)


def prune_older_tags(engine: DockerEngine, repo: str, keep: int = KEEP_TAGS) -> list[str]:
    """Untag all but the newest `keep` builds of repo; a tag a container still uses stays. The removed ones."""
    found = engine.request("GET", "/images/json", {"filters": {"reference": [repo]}}) or []
    tags = [t for image in sorted(found, key=lambda i: i.get("Created", 0), reverse=True)
            for t in (image.get("RepoTags") or []) if t.startswith(repo + ":")]
    removed = []
    for old in tags[keep:]:
        try:
            engine.request("DELETE", f"/images/{old}")
            removed.append(old)
        except EngineError:
            pass  # in use by a container (a running or stopped task): pruned by a later build
    return removed
