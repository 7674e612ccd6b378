"""How long the runner keeps the load going around the fault timeline."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest

from deploylab.measure import profiles
from deploylab.measure.runner import load_tail_s
from deploylab.platform import loadgen

ROOT = Path(__file__).resolve().parents[2]


def test_a_redeploy_keeps_the_planned_time_after_it_was_carried_out() -> None:
    quick = profiles.get("quick")
    redeploy = quick.scenario("redeploy-grades")
    assert load_tail_s(redeploy) == redeploy.duration_s - redeploy.faults[0].at_s
    assert load_tail_s(quick.scenario("crash-grades")) is not None  # a kill goes through the driver too
    chain = quick.scenario("grades-chain")  # the redeploy last: the time planned after it
    assert load_tail_s(chain) == pytest.approx(chain.duration_s - chain.faults[-1].at_s)


def test_instant_faults_and_step_loads_keep_their_fixed_length() -> None:
    quick = profiles.get("quick")
    for name in ("steady", "capacity", "slow-grades"):
        assert load_tail_s(quick.scenario(name)) is None


def test_locust_stops_on_sigint_even_when_started_with_it_ignored(tmp_path: Path) -> None:
    """A shell that runs the lab in the background hands SIGINT down ignored; the runner still stops Locust with it."""
    command = [*loadgen.locust(ROOT), "--headless",
               "--host", "http://127.0.0.1:9", "--users", "1", "--spawn-rate", "1", "--run-time", "60s",
               "--csv", str(tmp_path / "locust"), "--request-log", str(tmp_path / "requests.csv"), "--only-summary",
               "--loglevel", "WARNING", "--logfile", str(tmp_path / "locust.log"), "--health-wait", "0"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    deadline = time.monotonic() + 20
    while not list(tmp_path.glob("requests.*.csv")) and time.monotonic() < deadline:
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=15) in (0, 1)  # Locust's own exit codes: it shut down and wrote its files
    assert (tmp_path / "locust_stats.csv").exists()
