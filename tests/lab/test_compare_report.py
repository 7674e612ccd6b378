"""The comparison report on fixed run summaries: one column per model, findings from the numbers."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from deploylab.compare import collect, findings, questions, report, tables
from deploylab.compare.records import Comparison, FaultColumn, Isolation, ModelColumn, PhaseWarning
from tests.lab.compare_fixtures import matrix_runs


def _models(tmp_path: Path) -> dict[str, ModelColumn]:
    return collect.collect(matrix_runs(tmp_path / "runs"))


def test_findings_name_the_models_and_their_numbers(tmp_path: Path) -> None:
    models = _models(tmp_path)
    assert findings.startup(models).startswith("A was ready fastest from a cold start: 2.50 s (B 4.00 s)")
    assert findings.capacity(models) == "A sustained the most within the SLO: 300 req/s; B 240 req/s (-20 %)."
    crash = findings.fault(models, "crash-grades")
    assert "In A, kill grades: failed students ≥ 8 s, grades ≥ 8 s, web ≥ 8 s; not back" in crash  # cut off
    assert "(no restart was seen)" in crash
    assert "In B, kill grades: failed grades 2 s; back within the thresholds 1.5 s after the fault ended (outage 3.0 s)." in crash
    assert "web page p95 was lowest in A (40 ms) and highest in B (65 ms)" in findings.latency(models)
    assert "A: 90 MiB in 1 unit(s); B 200 MiB in 4" in findings.memory(models)


def test_tables_have_a_column_per_model_and_say_why_a_cell_is_empty(tmp_path: Path) -> None:
    models = _models(tmp_path)
    models["d"] = replace(ModelColumn.empty("d"), status="skipped", reason="no Docker engine answered")
    table = tables.startup(models)
    assert table.columns == ["", "a", "b", "d"]
    assert table.rows[0] == ["cold: first up after down (the build before it timed apart, below)", "2.50", "4.00", "—"]
    assert table.notes == ["d: skipped: no Docker engine answered"]
    crash = tables.fault(models, "crash-grades", "crash")
    assert crash.rows[1] == ["Grades API", "failed ≥ 8 s (cut off: 8-s window)", "failed 2 s", "—"]
    assert crash.rows[3][1:3] == ["not back", "1.5"]


def test_writes_markdown_html_and_a_rebuildable_json(tmp_path: Path) -> None:
    models = _models(tmp_path)
    doc = report.new_doc(models, command="deploylab compare --profile smoke --models a,b", profile="smoke",
                         expected_faults=["crash-grades"],
                         isolation=Isolation(9, [], {"a": 1, "b": 4}))
    html_path = report.write(doc, tmp_path / "latest")
    md = (tmp_path / "latest" / "COMPARISON.md").read_text()
    html = html_path.read_text()
    assert "|  | a | b |" in md and "## Fault: kill -9 whatever hosts Grades" in md
    assert "Python environments each model needs: a 1, b 4" in md
    assert "**Can microservices be deployed without containers?** Yes: A, B served" in md
    assert html.count("<svg") >= 7 and "<script" not in html and "http://" not in html.replace("http://www.w3.org", "")
    rebuilt = json.loads((tmp_path / "latest" / "compare.json").read_text())
    assert rebuilt["schema"] == 2 and Comparison.from_json(rebuilt) == doc
    assert report.write(rebuilt, tmp_path / "again").read_text() == html


def test_generator_overload_becomes_a_warning(tmp_path: Path) -> None:
    models = _models(tmp_path)
    models["b"].warnings.append(PhaseWarning("steady", "the load generator reached 92.0% CPU (limit 85.0%)"))
    assert report.warnings(report.new_doc(models)) == ["b steady: the load generator reached 92.0% CPU (limit 85.0%)"]


def test_questions_use_the_crash_numbers(tmp_path: Path) -> None:
    answers = dict(questions.answers(_models(tmp_path)))
    share = answers["Should two services share one database?"]
    assert "in A, killing Grades failed students, grades, web; in B, where nothing is shared, it failed grades" in share
    assert answers["What does Compose do for deployment?"].startswith("Not answered by these runs")


def test_each_fault_gets_a_timeline_per_model_from_the_request_logs(tmp_path: Path) -> None:
    models = _models(tmp_path)
    doc = report.new_doc(models, profile="smoke", expected_faults=["crash-grades"])
    report.write(doc, tmp_path / "latest", runs=[tmp_path / "runs"])
    charts = tmp_path / "latest" / "charts"
    assert (charts / "crash-grades-timeline.svg").exists() and (charts / "crash-grades-timeline.png").exists()
    svg = (charts / "crash-grades-timeline.svg").read_text()
    assert ">A<" in svg and ">B<" in svg and "grades failed" in svg
    md = (tmp_path / "latest" / "COMPARISON.md").read_text()
    assert "charts/crash-grades-timeline.svg" in md and "No timeline" not in md
    # without the run folders: the picture is skipped, with a note
    report.write(doc, tmp_path / "elsewhere" / "latest")
    assert "No timeline for crash-grades" in (tmp_path / "elsewhere" / "latest" / "COMPARISON.md").read_text()
    assert not (tmp_path / "elsewhere" / "latest" / "charts" / "crash-grades-timeline.svg").exists()


def test_the_leak_table_says_when_the_kernel_killed_for_memory_or_that_it_cannot_tell(tmp_path: Path) -> None:
    models = _models(tmp_path)
    killed = FaultColumn("leak", "grades", oom_killed_s=[0.7])
    models["a"] = replace(models["a"], faults={**models["a"].faults, "leak-grades": killed})
    models["b"] = replace(models["b"], faults={**models["b"].faults, "leak-grades": FaultColumn("leak", "grades")})
    table = tables.fault(models, "leak-grades", "leak")
    assert table.rows[-1] == ["killed for memory s (from the fault)", "0.7", "?"]
    assert tables.oom_cell(FaultColumn("leak", "grades", oom_killed_s=[None])) == "no kill"
    assert "the kernel killed it for memory 0.7 s into the fault" in findings.fault_sentence("a", killed)


def test_the_cpu_hog_table_shows_each_groups_p99_before_and_during() -> None:
    hog = FaultColumn("cpu", "grades")
    for group, (before, during) in {"students": (5.7, 16.1), "grades": (6.3, 15.2), "web": (15.9, 40.9)}.items():
        hog.groups[group].verdict.append(None)
        hog.groups[group].p99_before_ms.append(before)
        hog.groups[group].p99_during_ms.append(during)
    models = {"a": ModelColumn("a", "a", faults={"cpu-grades": hog}), "b": ModelColumn("b", "b")}
    rows = {row[0]: row[1:] for row in tables.fault(models, "cpu-grades", "hog").rows}
    assert rows["Students API: p99 ms before → during"] == ["6 → 16 (×2.8)", "—"]  # a record with no sample sizes
    hog.groups["students"].answered_before.append(315)
    hog.groups["students"].answered_during.append(310)
    rows = {row[0]: row[1:] for row in tables.fault(models, "cpu-grades", "hog").rows}
    assert rows["Students API: p99 ms before → during"] == ["6 → 16 (×2.8) [n=315/310]", "—"]
    assert rows["Students API"] == ["within", "—"]  # under the verdicts' floor, yet nearly three times slower
    assert FaultColumn.from_json(hog.to_json()) == hog
    assert "(p99 ms before → during: students 6 → 16 (×2.8) [n=315/310], grades 6 → 15 (×2.4)" in findings.fault_sentence(
        "a", hog)


def test_a_model_with_nothing_for_the_fault_to_act_on_reads_not_applicable(tmp_path: Path) -> None:
    models = _models(tmp_path)
    models["a"] = replace(models["a"], inapplicable={"crash-gateway": "model a has no gateway (its one server is the entry)"})
    table = tables.fault(models, "crash-gateway", "gateway")
    assert {row[1] for row in table.rows} == {"n/a"}
    assert table.notes[0] == "a: does not apply: model a has no gateway (its one server is the entry)"
    assert ModelColumn.from_json(models["a"].to_json()).inapplicable == models["a"].inapplicable
    raw = models["a"].to_json()
    del raw["inapplicable"]  # a comparison made before the field was
    assert ModelColumn.from_json(raw).inapplicable == {}


def test_a_pages_time_by_hop_shows_what_the_rest_hop_and_the_gateway_add(tmp_path: Path) -> None:
    models = {
        "a": ModelColumn("a", "a", page_time={"web": [9.0], "web-grades": [3.0], "grades": [2.0],
                                              "web-students": [2.5], "students": [1.5]}),
        "b": ModelColumn("b", "b", page_time={"gw": [12.0, 14.0], "web": [10.0, 11.0], "web-grades": [4.0, 4.0],
                                              "grades": [2.0, 2.0], "web-students": [3.0, 3.0], "students": [1.5, 1.5]}),
    }
    rows = {row[0]: row[1:] for row in tables.page_time(models).rows}
    assert rows["gw: at the gateway: the whole page"] == ["n/a", "13.0 (12.0–14.0)"]  # A has no gateway
    assert rows["the gateway's own (gw − web)"] == ["n/a", "2.5"]
    assert tables.page_time({"c": ModelColumn("c", "c")}).rows[0][1] == "—"  # no figure at all: not measured
    assert rows["the REST hop to Grades (web-grades − grades)"] == ["1.0", "2.0"]
    assert "the REST hop to Grades: A 1.0 ms, B 2.0 ms" in findings.page_time(models)
    assert ModelColumn.from_json(models["b"].to_json()) == models["b"]
    assert "page_time" not in ModelColumn("c", "c").to_json()  # as comparisons made before it read


def test_a_comparison_whose_profile_has_no_redeploy_has_no_redeploy_table(tmp_path: Path) -> None:
    models = _models(tmp_path)
    keys = [section.table.key for section in report.sections(report.new_doc(models))]
    assert "redeploy-grades" not in keys and "crash-grades" in keys
    models["b"].errors["redeploy-grades"] = "the rollout failed"  # tried and failed: the table says why
    assert "redeploy-grades" in [section.table.key for section in report.sections(report.new_doc(models))]
