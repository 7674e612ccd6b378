"""Disk footprint: what a model keeps on disk besides the source tree, measured by its driver.

Virtual environments (A, B: .lab/venvs) or images read from the Docker Engine (C's machine image,
D's images; layers shared between images counted once). Sizes are apparent file sizes, hard links
counted once.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deploylab.core.driver import LabContext
from deploylab.platform.docker_engine import DockerEngine, EngineError
from deploylab.platform.venvs import venv_dir


@dataclass
class Footprint:
    total_bytes: int | None
    parts: dict[str, int] = field(default_factory=dict)
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"total_bytes": self.total_bytes, "parts": self.parts, "note": self.note}


def tree_bytes(path: Path) -> int:
    """Bytes of the regular files under path, without following symlinks; each hard-linked inode once."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            try:
                info = os.lstat(os.path.join(folder, name))
            except OSError:
                continue
            if not stat.S_ISREG(info.st_mode):
                continue
            key = (info.st_dev, info.st_ino)
            if key not in seen:
                seen.add(key)
                total += info.st_size
    return total


def venvs_footprint(ctx: LabContext, names: list[str]) -> Footprint:
    parts = {name: tree_bytes(venv_dir(ctx, name)) for name in names if venv_dir(ctx, name).is_dir()}
    missing = [name for name in names if name not in parts]
    note = f"virtual environments under {venv_dir(ctx, '').name}/"
    if missing:
        note += f"; not built yet: {', '.join(missing)}"
    return Footprint(sum(parts.values()) if parts else None, parts, note)


def newest_per_part(images: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The image each part runs now: builds leave older tags behind, which the model does not use."""
    newest: dict[str, dict[str, Any]] = {}
    for image in images:
        labels = image.get("Labels") or {}
        part = labels.get("org.deploylab.service") or (image.get("RepoTags") or [image["Id"]])[0].split(":")[0]
        if part not in newest or image.get("Created", 0) > newest[part].get("Created", 0):
            newest[part] = image
    return list(newest.values())


def layered_sizes(histories: dict[str, list[dict[str, Any]]]) -> tuple[dict[str, int], int]:
    """({image: bytes only it has}, bytes of layers two or more share). A layer is known by the whole
    stack below it (each history entry's command and size, from the bottom), so equal stacks are one layer."""
    owners: dict[tuple[tuple[str, int], ...], set[str]] = {}
    sizes: dict[tuple[tuple[str, int], ...], int] = {}
    for name, history in histories.items():
        stack: tuple[tuple[str, int], ...] = ()
        for entry in reversed(history):  # the engine lists the newest layer first
            stack = (*stack, (entry.get("CreatedBy", ""), int(entry.get("Size", 0))))
            owners.setdefault(stack, set()).add(name)
            sizes[stack] = int(entry.get("Size", 0))
    own = {name: 0 for name in histories}
    shared = 0
    for stack, names in owners.items():
        if len(names) == 1:
            own[next(iter(names))] += sizes[stack]
        else:
            shared += sizes[stack]
    return own, shared


def images_footprint(engine: DockerEngine, label: str) -> Footprint:
    """The newest image of each part carrying the label; layers they share (the base) counted once."""
    try:
        images = newest_per_part(engine.request("GET", "/images/json", {"filters": {"label": [label]}}))
        histories = {(i.get("RepoTags") or [i["Id"][:19]])[0]: engine.request("GET", f"/images/{i['Id']}/history")
                     for i in images}
    except (EngineError, OSError) as exc:
        return Footprint(None, note=f"the Docker engine did not answer: {exc}")
    if not images:
        return Footprint(None, note=f"no image labelled {label}")
    parts, shared = layered_sizes(histories)
    if shared:
        parts["layers shared by these images"] = shared
    return Footprint(sum(parts.values()), parts, "images; layers they share (the base) counted once")
