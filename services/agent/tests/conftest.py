"""Fixtures: a fake /proc built in tmp_path, a recording systemctl, and a config that uses them."""

from __future__ import annotations

from pathlib import Path

import pytest
from agent.config import Config

from .agent_fakes import TOKEN, FakeSystemctl, add_process


@pytest.fixture
def proc(tmp_path: Path) -> Path:
    root = tmp_path / "proc"
    root.mkdir()
    (root / "meminfo").write_text("MemTotal: 1000 kB\nMemFree: 100 kB\nMemAvailable: 400 kB\n")
    (root / "uptime").write_text("123.45 200.00\n")
    v1 = "1:name=systemd:/docker/abc/system.slice/{}"
    add_process(root, 1, "1:name=systemd:/docker/abc/init.scope", ticks=10, pages=100, private_kb=400, pss_kb=500)
    add_process(root, 40, v1.format("grades.service"), ticks=100, pages=1000, private_kb=3000, pss_kb=3500)
    add_process(root, 41, v1.format("grades.service"), ticks=50, pages=500, private_kb=1000, pss_kb=1200)
    add_process(root, 50, "0::/system.slice/ssh.service", ticks=1, pages=200, private_kb=600, pss_kb=700)
    add_process(root, 60, v1.format("deploylab-agent.service"), ticks=5, pages=300, private_kb=900, pss_kb=950)
    (root / "self").mkdir()  # not a pid: ignored
    return root


@pytest.fixture
def systemctl() -> FakeSystemctl:
    return FakeSystemctl()


@pytest.fixture
def config(proc: Path) -> Config:
    return Config(host="10.0.0.2", port=9100, token=TOKEN, units=("grades",), proc_root=str(proc))
