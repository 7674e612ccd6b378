"""`deploylab compare --profile smoke` for real: A and B (and D when a Docker engine answers) through the
smoke matrix; the report has a column per model and every table filled."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from deploylab.compare import report
from deploylab.compare.figures import MISSING
from deploylab.platform.docker_engine import DockerEngine

ROOT = Path(__file__).resolve().parents[2]
PORT_OFFSET = int(os.environ.get("DEPLOYLAB_TEST_PORT_OFFSET", "0"))

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def test_smoke_comparison_fills_every_table(tmp_path: Path) -> None:
    models = ["a", "b"] + (["d"] if DockerEngine().ping() else [])
    env = {**os.environ, "DEPLOYLAB_STATE_DIR": str(tmp_path / "lab"), "DEPLOYLAB_PORT_OFFSET": str(PORT_OFFSET),
           "DEPLOYLAB_VENV_DIR": str(ROOT / ".lab" / "venvs")}
    done = subprocess.run(
        [sys.executable, "-m", "deploylab", "compare", "--profile", "smoke", "--models", ",".join(models),
         "--out", str(tmp_path / "reports")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=560,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    latest = tmp_path / "reports" / "latest"
    assert done.stdout.strip() == str(latest / "comparison.html")
    doc = json.loads((latest / "compare.json").read_text())
    assert list(doc["models"]) == models
    assert all(m["status"] == "measured" and not m["errors"] for m in doc["models"].values()), doc["models"]
    for section in report.sections(doc):
        assert section.table.columns == ["", *models]
        empty = [(section.table.title, row[0]) for row in section.table.rows if MISSING in row[1:]]
        assert not empty, empty
        assert section.finding and "No model has this figure" not in section.finding
    md = (latest / "COMPARISON.md").read_text()
    assert "|  | " + " | ".join(models) + " |" in md
    # start-up, the chain, capacity, crash-grades
    assert len(list((tmp_path / "reports" / "runs").glob("*/summary.json"))) == len(models) * 4
    # the chained run's lead filled the latency table above; its five faults each got their own table
    assert {"cpu-grades", "leak-grades", "slow-grades", "errors-grades", "redeploy-grades"} <= set(
        doc["models"]["a"]["faults"])
