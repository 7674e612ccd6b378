"""`deploylab compare --baseline`: every figure against an earlier comparison, on the committed references."""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import pytest

from deploylab.cli.commands import compare as command
from deploylab.compare import baseline, report
from deploylab.core.errors import UsageError

ROOT = Path(__file__).resolve().parents[2]
QUICK = ROOT / "reports" / "reference" / "quick-2026-11-29"
FULL = ROOT / "reports" / "reference" / "full-2026-11-29"


def _change(now: list[float], base: list[float]) -> baseline.Change:
    return baseline.Change("startup", "cold start s", "s", 2, "a", now, base)


def test_a_change_is_larger_than_the_spread_only_when_the_readings_do_not_overlap() -> None:
    assert _change([2.0], [1.0]).verdict == baseline.UNKNOWN  # one reading each: nothing says how much it moves
    assert _change([1.3], [1.0, 1.1, 1.2]).verdict == baseline.BEYOND  # outside the baseline's range
    assert _change([1.15], [1.0, 1.1, 1.2]).verdict == baseline.WITHIN
    assert _change([2.0, 2.2], [1.0, 2.1]).verdict == baseline.WITHIN  # ranges overlap
    assert _change([2.0, 2.2], [1.0, 1.9]).verdict == baseline.BEYOND
    change = _change([1.5], [1.0, 1.2, 1.4])
    assert (change.base_median, change.now_median) == (1.2, 1.5)
    assert change.change == pytest.approx(0.3) and change.percent == pytest.approx(25.0)
    assert baseline.cell(change) == "1.20 → 1.50: +0.30 (+25 %), larger than the spread"
    assert _change([0.5], [0.0]).percent is None  # no per cent of nothing


def test_quick_reference_against_the_full_one() -> None:
    now, base = baseline.load(QUICK), baseline.load(FULL)
    changes = baseline.changes(now, base)
    cold_c = next(c for c in changes if c.label == "cold start s" and c.model == "c")
    assert len(cold_c.now) == 1 and len(cold_c.base) == 3  # quick: once; full: three repeats
    assert cold_c.base_median == pytest.approx(54.3654) and cold_c.verdict == baseline.WITHIN
    assert {c.model for c in changes} == {"a", "b", "c", "d", "d-swarm"}
    assert {c.verdict for c in changes} <= {baseline.BEYOND, baseline.WITHIN, baseline.UNKNOWN, baseline.NOT_NOW,
                                            baseline.NOT_BEFORE}
    steady_only_in_full = [c for c in changes if c.section == "leak-grades" and c.verdict == baseline.NOT_BEFORE]
    assert not steady_only_in_full  # both ran the leak
    found = baseline.against(now, base, "reports/reference/full-2026-11-29")
    assert found.tables[0].columns == ["", "a", "b", "c", "d", "d-swarm"]
    assert [t.key for t in found.tables][:5] == ["baseline-startup", "baseline-memory", "baseline-disk",
                                                 "baseline-capacity", "baseline-latency"]
    rows = list(csv.DictReader(found.csv.splitlines()))
    assert len(rows) == len(changes) and rows[0]["section"] == "startup"
    assert rows[0].keys() == set(baseline.CSV_COLUMNS)
    # against itself: nothing changed, and a single repeat has no spread
    same = baseline.changes(now, now)
    assert all(c.change in (0, None) for c in same) and {c.verdict for c in same} == {baseline.UNKNOWN}


def test_the_report_gets_a_section_and_a_csv(tmp_path: Path) -> None:
    args = argparse.Namespace(run_dirs=[str(QUICK)], baseline=str(FULL))
    html = command.from_runs(None, args, tmp_path / "latest")  # type: ignore[arg-type]  # unused for compare.json
    md = (tmp_path / "latest" / "COMPARISON.md").read_text()
    assert "## Against the baseline (" in md and "### Start-up" in md and "no spread known" not in md.split("### ")[1]
    assert "larger than the spread" in md and "within the spread" in md
    assert "<h2>Against the baseline (" in html.read_text()
    tables = tmp_path / "latest" / "tables"
    assert (tables / "baseline.csv").read_text().startswith(",".join(baseline.CSV_COLUMNS))
    assert (tables / "baseline-startup.csv").exists() and (tables / "startup.csv").exists()


def test_a_baseline_without_compare_json_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no compare.json"):
        baseline.load(tmp_path)


def test_rebuilding_a_reference_writes_each_chart_and_table(tmp_path: Path) -> None:
    report.write(baseline.load(FULL), tmp_path / "latest")
    charts = {p.name for p in (tmp_path / "latest" / "charts").iterdir()}
    assert {"startup.svg", "startup.png", "memory.svg", "crash-grades-seconds.png"} <= charts
    md = (tmp_path / "latest" / "COMPARISON.md").read_text()
    assert "![Start-up: seconds until every readiness probe passes](charts/startup.svg)" in md
    assert "*No timeline for crash-grades: its runs' request logs (requests.*.csv) are not in " in md
    startup = (tmp_path / "latest" / "tables" / "startup.csv").read_text().splitlines()
    assert startup[0] == "figure,a,b,c,d,d-swarm"
