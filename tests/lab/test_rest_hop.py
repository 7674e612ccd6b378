"""The a-monolith column: its key and option on the way to model A's driver, what the driver hands the host,
and the REST hop's cost as the ratio of a's figures to a-monolith's (compare/rest_hop.py)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import pytest
from deploylab_models.a_shared_server import driver as model_a

from deploylab.cli import main as cli
from deploylab.compare import matrix, rest_hop
from deploylab.compare.records import CapacityColumn, IdleColumn, LatencyColumn, ModelColumn, Quantiles
from deploylab.core import manifest, state
from deploylab.core.driver import LabContext
from deploylab.core.errors import LabError, UsageError
from deploylab.measure import profiles

# -- the key and the option -----------------------------------------------------------------------


@pytest.fixture
def ctx(tmp_path: Path) -> LabContext:
    return LabContext(root=Path(__file__).resolve().parents[2], state_dir=tmp_path, manifest=manifest.load())


def test_a_monolith_is_a_column_right_after_a() -> None:
    assert profiles.ALL_MODELS[:2] == ("a", "a-monolith")
    assert profiles.parse_models("a-monolith, a") == ["a-monolith", "a"]


def test_the_key_maps_to_model_a_with_the_monolith_option(ctx: LabContext) -> None:
    driver = matrix.driver_for(ctx, "a-monolith")
    assert driver.name == "a" and driver.ctx.options["monolith"] is True
    assert getattr(driver, "title") == "one process, in-process calls (a true monolith)"  # noqa: B009
    plain = matrix.driver_for(ctx, "a")
    assert "monolith" not in plain.ctx.options and getattr(plain, "title") == model_a.Driver.title  # noqa: B009
    assert model_a.Driver.title != model_a.MONOLITH_TITLE  # the class keeps the chapter's title


def test_d_swarm_still_maps_and_an_unknown_variant_is_refused(ctx: LabContext) -> None:
    assert matrix.VARIANTS["d-swarm"] == ("d", "swarm")
    with pytest.raises(LabError, match="unknown model"):
        matrix.driver_for(ctx, "b-monolith")


def test_up_and_build_take_monolith_for_model_a_only(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DEPLOYLAB_STATE_DIR", str(tmp_path))
    for verb in ("up", "build"):
        args = cli.make_parser().parse_args([verb, "a", "--monolith"])
        assert cli._context(args).options.get("monolith") is True
        assert "monolith" not in cli._context(cli.make_parser().parse_args([verb, "a"])).options
    with pytest.raises(UsageError, match="model A's option"):
        cli._command("up").main(cli._context(cli.make_parser().parse_args(["up", "b", "--monolith"])),
                                cli.make_parser().parse_args(["up", "b", "--monolith"]))


def test_the_manifest_says_who_calls_whom() -> None:
    assert model_a.in_process_calls(manifest.load()) == "web=students+grades"


def test_the_driver_hands_the_host_in_process_calls_only_for_the_monolith(ctx: LabContext) -> None:
    secrets = {"chaos_token": "t", "secret_key": "k"}
    plain = model_a.Driver(ctx).environment(secrets)
    monolith = model_a.Driver(dataclasses.replace(ctx, options={"monolith": True})).environment(secrets)
    assert plain["SHARED_IN_PROCESS"] == "" and monolith["SHARED_IN_PROCESS"] == "web=students+grades"
    # everything else alike: the two columns differ in the hop only
    assert {k: v for k, v in plain.items() if k != "SHARED_IN_PROCESS"} == \
        {k: v for k, v in monolith.items() if k != "SHARED_IN_PROCESS"}


def test_a_deployment_up_says_which_variant_it_is_whatever_was_asked(ctx: LabContext) -> None:
    """`deploylab status` or `fault` without --monolith, while the monolith is up: the recorded variant wins."""
    state.write_state(ctx.model_dir("a"), {"model": "a", "monolith": True})
    driver = model_a.Driver(ctx)
    assert driver.monolith and getattr(driver, "title") == model_a.MONOLITH_TITLE  # noqa: B009
    state.write_state(ctx.model_dir("a"), {"model": "a", "monolith": False})
    assert not model_a.Driver(dataclasses.replace(ctx, options={"monolith": True})).monolith


# -- the REST hop's cost ---------------------------------------------------------------------------


def column(key: str, page_p50: list[float], capacity: list[float | None], students_p50: list[float],
           status: str = "measured") -> ModelColumn:
    groups = {"web": Quantiles(page_p50, [v * 3 for v in page_p50]), "students": Quantiles(students_p50, students_p50),
              "grades": Quantiles()}
    return ModelColumn(key=key, model="a", status=status, latency=LatencyColumn(groups, []),
                       capacity=CapacityColumn(plateau_throughput=capacity), idle=IdleColumn(app_mib=[90.0]))


def test_ratio_is_of_medians_and_none_without_figures() -> None:
    assert rest_hop.ratio([0.02, 0.04, 0.03], [0.01, 0.01]) == pytest.approx(3.0)
    assert rest_hop.ratio([None, 2.0], [1.0]) == 2.0
    assert rest_hop.ratio([], [1.0]) is None and rest_hop.ratio([1.0], [None]) is None
    assert rest_hop.ratio([1.0], [0.0]) is None


def test_rest_hop_rows_are_a_over_a_monolith_and_cost_reads_worse_as_above_one() -> None:
    a = column("a", [0.030], [100.0], [0.005])
    mono = column("a-monolith", [0.010], [250.0], [0.005])
    rows = {row.figure: row for row in rest_hop.rest_hop([mono, a])}
    page = rows["page p50"]
    assert (page.with_hop, page.without_hop, page.ratio, page.cost) == (0.030, 0.010, pytest.approx(3.0), pytest.approx(3.0))
    capacity = rows["capacity"]
    assert capacity.ratio == pytest.approx(0.4) and capacity.cost == pytest.approx(2.5)  # 2.5x less with the hop
    assert rows["/students p50 (no hop: control)"].ratio == pytest.approx(1.0)
    assert rows["idle memory"].cost == pytest.approx(1.0)
    assert all(row.interval is None for row in rows.values())  # one repeat each: no interval
    text = rest_hop.sentence(list(rows.values()))
    assert text is not None and text.startswith("The REST hop (a over a-monolith): page p50 3.00x")
    assert "capacity 0.40x (a 100 req/s, a-monolith 250 req/s: 2.50x worse with the hop)" in text


def test_no_rows_when_either_column_is_missing_or_unmeasured() -> None:
    a = column("a", [0.03], [100.0], [0.005])
    assert rest_hop.rest_hop({"a": a}) == []
    assert rest_hop.rest_hop({"a": a, "a-monolith": column("a-monolith", [], [], [], status="skipped")}) == []
    assert rest_hop.sentence([]) is None


def test_a_figure_one_side_lacks_has_no_ratio_and_no_words() -> None:
    rows = rest_hop.rest_hop({"a": column("a", [0.03], [None], [0.005]),
                              "a-monolith": column("a-monolith", [0.01], [250.0], [0.005])})
    capacity = next(row for row in rows if row.figure == "capacity")
    assert capacity.ratio is None and capacity.cost is None
    assert "capacity" not in (rest_hop.sentence(rows) or "")


def test_three_repeats_each_give_an_interval() -> None:
    rows = rest_hop.rest_hop({"a": column("a", [0.030, 0.031, 0.029], [100.0] * 3, [0.005] * 3),
                              "a-monolith": column("a-monolith", [0.010, 0.011, 0.009], [250.0] * 3, [0.005] * 3)})
    page = rows[0]
    assert page.interval is not None and page.interval.low > 1  # clearly a cost on this made-up machine
    assert "95 % interval" in (rest_hop.sentence([page]) or "")


@dataclass(frozen=True)
class Cost:
    model: str
    round: int
    per_1000: float | None


def test_paired_rounds_give_the_hop_in_cpu_per_request() -> None:
    runs = [Cost("a", r, 2.0 + r / 10) for r in range(4)] + [Cost("a-monolith", r, 1.0 + r / 20) for r in range(4)]
    runs += [Cost("b", 0, 5.0), Cost("a", 4, 9.0), Cost("a-monolith", 5, None)]  # no pair: left out
    rounds = rest_hop.cost_rounds(runs)
    assert rounds[0] == {"a": 2.0, "a-monolith": 1.0, "b": 5.0}
    row = rest_hop.paired_hop_cost(rounds)
    assert row is not None and row.ratio == pytest.approx(2.0) and row.interval is not None
    assert row.interval.n == 4 and row.interval.n_other is None
    assert rest_hop.paired_hop_cost([{"a": 1.0}]) is None
