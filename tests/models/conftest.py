"""Brings models up for real. Ports: the manifest's plus DEPLOYLAB_TEST_PORT_OFFSET (default 0), so a
developer can test beside a model that is already up on 8000. State goes to a temporary folder; the
venvs are shared with the lab's own .lab/venvs so they are built once."""

from __future__ import annotations

import pytest

from deploylab.core import manifest
from deploylab.core.driver import LabContext

from .support import PORT_OFFSET, ROOT


@pytest.fixture(scope="session")
def lab_ctx(tmp_path_factory: pytest.TempPathFactory) -> LabContext:
    return LabContext(
        root=ROOT,
        state_dir=tmp_path_factory.mktemp("lab"),
        manifest=manifest.load(),
        port_offset=PORT_OFFSET,
        up_timeout=90.0,
        options={"venv_dir": str(ROOT / ".lab" / "venvs")},
    )
