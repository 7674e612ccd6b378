"""The interleaved rounds: host CPU arithmetic, the cost and its tables, the ranking from paired rounds."""

from __future__ import annotations

import json
from pathlib import Path

from deploylab.compare import performance as tables
from deploylab.measure import hostcpu
from deploylab.measure.rounds import AtRest, CostRun, Performance, Sweep, SweepStep, Window, around, cost_of, read_rows


def test_host_busy_time_counts_what_ran_not_idle_or_steal(tmp_path: Path) -> None:
    stat = tmp_path / "stat"
    # user nice system idle iowait irq softirq steal
    stat.write_text(f"cpu  {100} {20} {30} {9999} {50} {4} {6} {70} 0 0\ncpu0 1 2 3\n")
    assert hostcpu.host_busy_seconds(stat) == (100 + 20 + 30 + 4 + 6) / hostcpu.TICK


def test_what_a_window_cost_excludes_the_generator_and_the_lab() -> None:
    start = hostcpu.Reading(t=0.0, host=10.0, lab=1.0, children=2.0)
    end = hostcpu.Reading(t=5.0, host=14.0, lab=1.5, children=3.0)
    spent = hostcpu.spent(start, end)
    assert (spent.seconds, spent.host, spent.generator, spent.lab) == (5.0, 4.0, 1.0, 0.5)
    assert spent.model == 2.5


def cost(model: str, round_: int, cpu: float, units: dict[str, float] | None = None) -> CostRun:
    return CostRun(model, round_, 100, 8.0, 1000, 0, cpu, 0.02, 0.5, units or {model: cpu * 0.8}, 1.0,
                   {"students": {"p50": 2.0, "p99": 9.0, "n": 350}})


def performance(rounds: int, ratio_b: float, wobble: float = 0.0) -> Performance:
    found = Performance(plan={"cost_rate": 100, "sweep_rates": [100, 200], "sweep_step_s": 4,
                              "slo_p99_ms": {"students": 100}})
    for r in range(rounds):
        drift = 1 + 0.3 * (r % 2)  # the host's speed moves both models of a round alike
        found.order.append(["a", "b"] if r % 2 == 0 else ["b", "a"])
        found.costs += [cost("a", r, 1.0 * drift), cost("b", r, ratio_b * drift * (1 + wobble * (-1) ** r))]
    found.sweeps.append(Sweep("a", 0, (SweepStep(100, 99, 0.0, {}, True), SweepStep(200, 150, 0.0, {}, False,
                                                                                      ("achieved 150",))), 100, 200))
    return found


def test_a_model_is_ranked_when_every_paired_round_agrees_despite_the_drift() -> None:
    found = performance(4, ratio_b=1.5)
    interval = tables.cost_intervals(found, "a")["b"]
    assert interval.low == interval.high == 1.5  # the drift cancels within each round
    assert "b's cost per request is higher than a's" in tables.rankings(found, "a")[0]


def test_a_ratio_whose_interval_holds_1_is_called_indistinguishable() -> None:
    found = performance(4, ratio_b=1.0, wobble=0.2)
    assert "indistinguishable on this machine" in tables.rankings(found, "a")[0]
    assert "too few" in tables.rankings(performance(2, ratio_b=1.5), "a")[0]


def test_the_tables_state_rounds_sample_sizes_and_the_knee() -> None:
    sections = tables.sections(performance(3, ratio_b=2.0))
    cost, by_unit, knee, latency = (s.table for s in sections)
    assert cost.rows[0][1:] == ["1.000 (1.000–1.300)", "2.000 (2.000–2.600)"]
    assert cost.rows[1][1:] == ["1", "2.00 (2.00–2.00)"]
    assert any("[n=1050]" in cell for row in latency.rows for cell in row)  # three rounds of 350
    assert knee.rows[0][1].startswith("100") and "fails at 200" in knee.rows[0][1]
    assert [row[0] for row in by_unit.rows][-1].startswith("outside the units")
    assert tables.sections(None) == []


def sweep(model: str, round_: int, knee: float | None) -> Sweep:
    step = SweepStep(knee or 100, knee or 90, 0.0, {}, knee is not None)
    return Sweep(model, round_, (step,), knee, 250.0 if model == "a" else None)  # b never fails on the grid


def test_knees_are_ranked_over_paired_sweeps_and_a_profile_without_a_sweep_says_so() -> None:
    found = performance(3, ratio_b=1.5)
    found.sweeps = [sweep(m, r, k) for r in range(3) for m, k in (("a", 200.0), ("b", 300.0 if r else None))]
    interval = tables.knee_intervals(found, "a")["b"]
    assert (interval.estimate, interval.n) == (1.5, 2)  # round 0: b met the SLO at no rate, no ratio to pair
    assert "too few" in tables.knee_rankings(found, "a")[0]
    found.sweeps.append(sweep("b", 0, 300.0))
    found.sweeps = [s for s in found.sweeps if s.knee or s.model != "b"]
    assert "b's capacity at the knee is higher than a's" in tables.knee_rankings(found, "a")[0]
    knee = next(s for s in tables.sections(found) if s.table.key == "knee")
    assert ["ratio to a (95 % interval over paired sweeps)", "1", "1.50 (1.50–1.50)"] in knee.table.rows
    assert "b met the SLO at every rate of the grid: its knee is at least the grid's top, and its ratio to a a lower " \
        "bound." in knee.finding
    found.sweeps = []
    sections = tables.sections(found)
    assert "knee" not in [s.table.key for s in sections]
    assert "Capacity at the knee was not measured" in sections[0].finding


def test_a_cost_no_higher_than_the_host_at_rest_is_said_to_be_noise_not_left_blank() -> None:
    found = performance(3, ratio_b=0.0)  # b's window never rose above the host's rate at rest
    cost = tables.cost_table(found, "a")
    rows = {row[0]: row[1:] for row in cost.rows}
    assert rows["CPU-s per 1000 requests, whole host less generator and lab: median (range)"] == [
        "1.000 (1.000–1.300)", tables.NOISE]
    assert rows["ratio to a (95 % interval)"] == ["1", "not measurable"]
    assert "b" not in tables.cost_intervals(found, "a")


def test_open_loop_rows_are_read_with_their_step(tmp_path: Path) -> None:
    (tmp_path / "requests.1.csv").write_text(
        "t,group,ms,outcome,name,method,status,lag_ms,step,rate\n"
        "1.0,students,2.5,ok,/students,GET,200,0.3,1,200\n"
        "1.1,web,9.0,ok,/,GET,200,,,\n")  # a closed-loop row: no step, not part of a sweep
    rows = read_rows(tmp_path)
    assert [(r.step, r.lag_ms, r.request.group) for r in rows] == [(1, 0.3, "students")]


def test_performance_json_round_trips(tmp_path: Path) -> None:
    found = performance(3, ratio_b=1.2)
    found.write(tmp_path / "performance.json")
    again = Performance.from_json(json.loads((tmp_path / "performance.json").read_text()))
    assert again.to_json() == found.to_json()


def test_a_rounds_costs_take_off_the_mean_of_the_rest_readings_either_side_of_it() -> None:
    before, after = AtRest(0.10, {"b": {"web": 0.02}}), AtRest(0.30, {"b": {"web": 0.04}})
    window = Window("b", 0, 150, 10.0, 1500, 0, 6.0, 1.0, {"web": 2.0}, 1.2, {})
    cost = cost_of(window, around(before, after))
    assert cost.idle_cores == 0.2 and cost.model_cpu_s == 4.0  # 6 CPU-s less 0.2 cores over 10 s
    assert cost.units_cpu_s == {"web": 1.7} and cost.per_1000 == 2.6667
    assert cost_of(window, AtRest(0.9, {})).model_cpu_s == 0.0  # never below nothing: that is the host's noise
