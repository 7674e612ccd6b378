"""The matrix as data, the --models list, and the disk footprint's arithmetic."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from deploylab.core.errors import LabError, UsageError
from deploylab.measure import profiles, scenarios
from deploylab.platform import footprint


def test_full_runs_every_fault_and_the_redeploy_quick_measures_fewer_things_well() -> None:
    chosen = profiles.get("full").measured()
    assert set(profiles.FAULT_SCENARIOS) <= set(chosen) and {"steady", "redeploy-grades"} <= set(chosen)
    assert "capacity" not in chosen  # the closed-loop step: capacity is the rounds' knee now
    assert profiles.get("full").repeats == 2 and profiles.get("quick").repeats == 1
    quick = profiles.get("quick")
    # the isolation experiments: CPU, memory, and the loss of one replica (Swarm's second survives) or of all
    assert quick.measured() == ["steady", "cpu-grades", "leak-grades", "crash-grades-one", "poweroff-grades", "crash-grades"]
    plan = quick.plan()
    assert plan is not None and plan.rounds >= 3  # enough rounds to rank on (intervals.MIN_ROUNDS)
    assert not plan.sweep_rounds  # one sweep cannot place a knee here: quick measures cost only
    full = profiles.get("full").plan()
    assert full is not None and len(full.sweep_rounds) >= 3 and full.cost_rate in full.sweep_rates  # knees ranked
    assert set(plan.slo_p99_ms) == {"students", "grades", "web"}


def test_a_profile_rescales_the_fault_timeline() -> None:
    crash = profiles.get("smoke").scenario("crash-grades")
    assert crash.duration_s == 10 and crash.profile == "smoke"
    assert crash.faults[0].at_s == pytest.approx(10 / 3)  # 30 s of 90 s in the scenario file
    assert profiles.get("smoke").scenario("capacity").users == 40


def test_kills_and_leaks_get_the_longer_restart_window() -> None:
    quick = profiles.get("quick")
    assert quick.scenario("crash-grades").duration_s == quick.restart_s
    assert quick.scenario("leak-grades").duration_s == quick.restart_s  # the kernel kills it at its memory limit
    assert quick.scenario("slow-grades").duration_s == quick.load_s
    assert quick.scenario("capacity").duration_s == quick.capacity_s and quick.scenario("capacity").think_scale == 0


CHAIN = "grades-chain"


def test_smoke_chains_steady_the_assaults_and_the_redeploy_back_to_back() -> None:
    quick = profiles.get("smoke")
    chain = quick.scenario(CHAIN)
    steady, *parts = [quick.scenario(name) for name in profiles.CHAINS[CHAIN]]
    assert steady.name == "steady" and not steady.faults and chain.steady_s == steady.duration_s
    assert [f.name for f in chain.faults] == [p.name for p in parts] and parts[-1].name == "redeploy-grades"
    assert parts[-2].name == "slow-grades"  # the last assault: it may leave a model overloaded well after it ends
    # steady's stretch (the baseline), then each part's fault and its after-time, in order
    first = parts[0].faults[0]
    assert chain.faults[0].at_s == steady.duration_s
    for before, after, part in zip(chain.faults, chain.faults[1:], parts[1:], strict=False):
        assert after.at_s == pytest.approx(before.at_s + quick.load_s - first.at_s)
        own = part.faults[0]
        assert (after.until_s is None) == (own.until_s is None)
        assert after.until_s is None or after.until_s - after.at_s == pytest.approx(own.until_s - own.at_s)
    assert chain.duration_s == pytest.approx(steady.duration_s + 5 * (quick.load_s - first.at_s))
    assert CHAIN not in quick.measured() and {"steady", "slow-grades", "redeploy-grades"} <= set(quick.measured())


def test_a_chain_without_a_lead_starts_at_its_first_fault() -> None:
    quick = profiles.get("quick")
    parts = [quick.scenario("cpu-grades"), quick.scenario("slow-grades")]
    chain = scenarios.chained("two", parts)
    assert chain.steady_s == 0 and chain.faults[0].at_s == parts[0].faults[0].at_s


def test_a_chain_needs_single_fault_parts_of_one_load() -> None:
    quick = profiles.get("quick")
    with pytest.raises(LabError, match="cannot chain 'capacity'"):
        scenarios.chained("x", [quick.scenario("slow-grades"), quick.scenario("capacity")])
    with pytest.raises(LabError, match="no part has a fault"):
        scenarios.chained("x", [quick.scenario("steady")])


def test_models_list_is_checked_and_keeps_its_order() -> None:
    assert profiles.parse_models("d-swarm, a,a") == ["d-swarm", "a"]
    with pytest.raises(UsageError, match="unknown model 'e'"):
        profiles.parse_models("a,e")
    with pytest.raises(UsageError):
        profiles.get("slow")


def test_shared_layers_are_counted_once() -> None:
    base = [{"CreatedBy": "import", "Size": 100}]
    histories = {  # the engine lists the newest layer first
        "web": [{"CreatedBy": "COPY web", "Size": 10}, *base],
        "grades": [{"CreatedBy": "COPY grades", "Size": 30}, *base],
    }
    own, shared = footprint.layered_sizes(histories)
    assert own == {"web": 10, "grades": 30} and shared == 100


def test_only_the_newest_image_of_each_part_counts() -> None:
    images = [{"Id": "1", "Created": 1, "Labels": {"org.deploylab.service": "web"}},
              {"Id": "2", "Created": 5, "Labels": {"org.deploylab.service": "web"}},
              {"Id": "3", "Created": 2, "Labels": {"org.deploylab.service": "grades"}}]
    assert [i["Id"] for i in footprint.newest_per_part(images)] == ["2", "3"]


def test_tree_bytes_counts_hard_links_once_and_skips_symlinks(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"x" * 1000)
    os.link(tmp_path / "a", tmp_path / "b")
    (tmp_path / "c").symlink_to(tmp_path / "a")
    assert footprint.tree_bytes(tmp_path) == 1000


def test_a_typo_in_a_fault_kind_is_an_error_when_the_scenario_is_loaded(tmp_path: Path) -> None:
    text = scenarios.SCENARIOS_PATH.read_text() + '\n[scenarios.typo]\nduration_s = 10\nfaults = [{at_s = 1, kind = "kil", service = "grades"}]\n'
    (tmp_path / "scenarios.toml").write_text(text)
    with pytest.raises(LabError, match="unknown fault kind 'kil'"):
        scenarios.load("typo", path=tmp_path / "scenarios.toml")


def test_a_scenario_runs_as_written_unless_a_profile_shapes_it() -> None:
    written = scenarios.load("crash-grades")
    assert written.profile == "as written"
    smoke = profiles.get("smoke").scenario("crash-grades")
    assert (smoke.profile, smoke.duration_s, smoke.users) == ("smoke", 10, 8)
    assert smoke.slo_p95_ms == written.slo_p95_ms  # the SLO is scenarios.toml's, whatever the profile
