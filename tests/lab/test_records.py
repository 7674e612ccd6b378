"""The records of a run and of a comparison: each reads back what it wrote, and older files read through the upgrade."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from deploylab.compare.records import (
    COMPARE_SCHEMA,
    Comparison,
    FaultColumn,
    Isolation,
    ModelColumn,
    StartupSummary,
)
from deploylab.core.errors import LabError
from deploylab.measure.analysis import Figures
from deploylab.measure.records import (
    SUMMARY_SCHEMA,
    CapacityFigures,
    DeploymentInfo,
    FaultFigures,
    GeneratorLoad,
    HostSpeed,
    Machine,
    Pinning,
    Resources,
    RunSummary,
    SteadyLead,
    StepFigures,
)
from deploylab.measure.scenarios import Fault, Scenario
from deploylab.report import write_reports
from tests.lab.compare_fixtures import startup
from tests.lab.test_report import _meta, _write_requests

ROOT = Path(__file__).resolve().parents[2]
REFERENCES = sorted((ROOT / "reports" / "reference").glob("*/compare.json"))


def _summary_json(tmp_path: Path, scenario: Scenario) -> dict[str, Any]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    _write_requests(tmp_path / "requests.1.csv")
    write_reports(tmp_path, _meta(scenario), [], [], 85.0)
    raw: dict[str, Any] = json.loads((tmp_path / "summary.json").read_text())
    return raw


def test_every_part_of_a_run_summary_reads_back_what_it_wrote(tmp_path: Path) -> None:
    chain = Scenario("grades-chain", "chain", "steady", 30, 10, 10, 1, 8, steady_s=9, faults=(
        Fault(at_s=12, until_s=15, kind="errors", service="grades", name="errors-grades"),))
    raw = _summary_json(tmp_path / "chain", chain)
    step = _summary_json(tmp_path / "step", Scenario("capacity", "step", "step", 30, 10, 10, 1, 8))
    assert raw["schema"] == SUMMARY_SCHEMA and RunSummary.from_json(raw).to_json() == raw
    assert RunSummary.from_json(step).to_json() == step
    parts: list[tuple[Any, dict[str, Any]]] = [
        (FaultFigures, raw["faults"][0]), (SteadyLead, raw["steady"]), (GeneratorLoad, raw["generator"]),
        (Resources, raw["resources"]), (Machine, raw["machine"]), (Pinning, raw["pinning"]),
        (DeploymentInfo, raw["deployment"]), (Scenario, raw["scenario"]), (Figures, raw["overall"]["all"]),
        (CapacityFigures, step["capacity"]), (StepFigures, step["capacity"]["steps"][0]),
        (HostSpeed, {"before": 150.0, "unit": "thousand JSON round-trips/s", "after": 152.5}),
    ]
    for record, part in parts:
        assert record.from_json(part).to_json() == part, record.__name__


def test_a_summary_without_a_schema_number_is_version_1_and_upgraded(tmp_path: Path) -> None:
    raw = _summary_json(tmp_path, Scenario("capacity", "step", "step", 30, 10, 10, 1, 8,
                                           faults=(Fault(at_s=20, kind="kill", service="grades"),)))
    old = copy.deepcopy(raw)
    del old["schema"]  # what the lab wrote before: no number, and none of the figures added since
    for key in ("error", "done_s", "segment_end_s"):
        del old["faults"][0][key]
    for key in ("plateau_throughput", "plateau_within", "host_speed"):
        del old["capacity"][key]
    summary = RunSummary.from_json(old)
    assert "schema" not in old  # the file as read is left alone
    fault, capacity = summary.faults[0], summary.capacity
    assert (fault.error, fault.done_s, fault.segment_end_s) == (None, None, summary.load_window_s[1])
    assert capacity is not None and capacity.plateau_throughput == capacity.best_throughput
    assert capacity.host_speed is None
    assert summary.to_json()["schema"] == SUMMARY_SCHEMA


def test_a_file_from_a_newer_lab_is_refused(tmp_path: Path) -> None:
    raw = _summary_json(tmp_path, Scenario("steady", "steady", "steady", 30, 10, 10, 1, 8))
    with pytest.raises(LabError, match="schema 99"):
        RunSummary.from_json(raw | {"schema": 99})


def test_the_start_up_summary_reads_back_what_it_wrote() -> None:
    old = startup("b", cold=4.0, warm=3.2, app_mib=200.0)  # version 1: no number, no idle seconds
    summary = StartupSummary.from_json(old)
    assert summary.idle.seconds is None and summary.startup.cold_s == [4.0]
    written = summary.to_json()
    assert written["schema"] == SUMMARY_SCHEMA and StartupSummary.from_json(written) == summary


@pytest.mark.parametrize("path", REFERENCES, ids=[p.parent.name for p in REFERENCES])
def test_a_committed_compare_json_reads_as_today(path: Path) -> None:
    raw = json.loads(path.read_text())
    if "schema" not in raw:  # written before the number
        for model in raw["models"].values():  # the plateau rescaled by a timed loop: read no more
            model["capacity"].pop("at_common_speed")
            model["capacity"].pop("common_speed")
    doc = Comparison.from_json(raw)
    assert doc.to_json() == {**raw, "schema": COMPARE_SCHEMA}  # nothing lost, nothing invented
    assert Comparison.from_json(doc.to_json()) == doc
    a = raw["models"]["a"]
    assert ModelColumn.from_json(a).to_json() == a
    assert FaultColumn.from_json(a["faults"]["crash-grades"]).to_json() == a["faults"]["crash-grades"]
    assert Isolation.from_json(raw["isolation"]).to_json() == raw["isolation"]


def test_a_compare_json_from_before_the_plateau_gets_the_best_step_as_its_plateau() -> None:
    raw = json.loads(REFERENCES[0].read_text())
    for model in raw["models"].values():
        for key in ("plateau_throughput", "host_speed", "at_common_speed", "common_speed"):
            del model["capacity"][key]
    doc = Comparison.from_json(raw)
    a = doc.models["a"].capacity
    assert a.plateau_throughput == a.best_throughput and a.host_speed == []
