"""How long the runner keeps the load going around the fault timeline."""

from __future__ import annotations

from deploylab.compare import profiles
from deploylab.runner import load_tail_s


def test_a_redeploy_keeps_the_planned_time_after_it_was_carried_out() -> None:
    quick = profiles.get("quick")
    redeploy = quick.scenario("redeploy-grades")
    assert load_tail_s(redeploy) == redeploy.duration_s - redeploy.faults[0].at_s
    assert load_tail_s(quick.scenario("crash-grades")) is not None  # a kill goes through the driver too


def test_instant_faults_and_step_loads_keep_their_fixed_length() -> None:
    quick = profiles.get("quick")
    for name in ("steady", "capacity", "slow-grades", "assaults-grades"):
        assert load_tail_s(quick.scenario(name)) is None
