"""`deploylab knee` for real on model A: a sweep then bisection, each trial one open-loop Locust run, and the model
taken down again since the command started it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PORT_OFFSET = int(os.environ.get("DEPLOYLAB_TEST_PORT_OFFSET", "0"))

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def test_the_knee_search_brackets_model_as_capacity_and_leaves_it_down(tmp_path: Path) -> None:
    env = {**os.environ, "DEPLOYLAB_STATE_DIR": str(tmp_path / "lab"), "DEPLOYLAB_PORT_OFFSET": str(PORT_OFFSET),
           "DEPLOYLAB_VENV_DIR": str(ROOT / ".lab" / "venvs")}
    lab = [sys.executable, "-m", "deploylab"]
    # 100 req/s for 4 s gives the page, a third of the mix, the 100 samples a p99 needs
    done = subprocess.run([*lab, "knee", "--model", "a", "--start", "100", "--max", "400", "--seconds", "4",
                           "--resolution", "0.3", "--out", str(tmp_path / "knee")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=280)
    found = json.loads((tmp_path / "knee" / "knee.json").read_text())
    rates = [t["rate"] for t in found["trials"]]
    assert rates[0] == 100 and rates[1] == 200  # the coarse sweep doubles from --start
    assert done.returncode == (0 if found["capacity"] else 1), done.stderr[-2000:]
    assert done.stderr.count("[knee] trial") == len(rates)
    if found["first_fail"] is not None and found["capacity"] is not None:  # bisected to within 30 %
        assert found["first_fail"] / found["capacity"] - 1 <= 0.3 and found["first_fail"] in rates
    status = subprocess.run([*lab, "status"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert "no model is up" in status.stdout
