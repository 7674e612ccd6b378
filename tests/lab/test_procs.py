"""Process groups and ports: stop takes the whole group, a taken port is one clear error."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

from deploylab.core.errors import LabError
from deploylab.platform import procs
from deploylab.platform.ports import require_free


def test_a_taken_port_is_named() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(LabError, match=f"127.0.0.1:{port}"):
            require_free([port])
    assert procs.wait_ports_free([port], timeout=2) == []


def test_stop_group_takes_the_children_too(tmp_path: Path) -> None:
    script = "import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); print('up', flush=True); time.sleep(60)"
    log = tmp_path / "unit.log"
    pid = procs.start([sys.executable, "-c", script], procs.base_env(), log)
    assert procs.alive(pid)
    procs.stop_group(pid, timeout=2)
    assert not procs.alive(pid) and not procs.group_alive(pid)
    procs.stop_group(pid)  # idempotent
    assert "--- start" in procs.log_tail(log)


def test_units_get_a_minimal_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIRTUAL_ENV", "/somewhere")
    monkeypatch.setenv("DEPLOYLAB_PORT_OFFSET", "100")
    env = procs.base_env({"STUDENTS_DB": "x"})
    assert "VIRTUAL_ENV" not in env and "DEPLOYLAB_PORT_OFFSET" not in env
    assert env["PYTHONUNBUFFERED"] == "1" and env["STUDENTS_DB"] == "x"


def test_parse_cpus() -> None:
    assert procs.parse_cpus("0") == [0]
    assert procs.parse_cpus("0-2,5") == [0, 1, 2, 5]
