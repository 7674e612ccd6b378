"""The charts (deploylab/report/plots.py) on synthetic data: files, determinism, order, scales, offline pages."""

from __future__ import annotations

import re
from pathlib import Path

from deploylab.report import plots

MODELS = ["d-swarm", "c", "a", "x", "d", "b"]


def _texts(chart: plots.Chart) -> list[str]:
    """The SVG's text elements, in drawing order (text is kept as text: svg.fonttype none)."""
    return [re.sub(r"\s+", " ", t).strip() for t in re.findall(r"<text[^>]*>(.*?)</text>", chart.svg, flags=re.S)]


def test_models_keep_one_order_and_one_colour() -> None:
    assert plots.ordered(MODELS) == ["a", "b", "c", "d", "d-swarm", "x"]
    assert plots.ordered(["b", "a-monolith", "a"]) == ["a", "a-monolith", "b"]
    assert plots.ordered(["b (ref)", "a", "b (c1)"]) == ["a", "b (c1)", "b (ref)"]
    assert [plots.model_label(k) for k in ("a", "d-swarm", "b (ref)", "x")] == ["A", "D on Swarm", "B (ref)", "x"]
    assert plots.model_color("c") == plots.model_color("c (ref)") == plots.OKABE_ITO["green"]
    assert plots.model_color("x", MODELS) not in plots.MODEL_COLORS.values()


def test_bars_print_values_with_units_and_go_log_when_one_value_dwarfs_the_rest(tmp_path: Path) -> None:
    cold = [5.7, 82.0, 0.46, None, 6.3, 0.97]
    chart = plots.bars("startup", "Start-up", MODELS, {"cold": cold, "warm": [5.4, 3.8, 0.47, 1.0, 6.3, 0.72]}, "s", 2)
    texts = _texts(chart)
    for label in ("82.00 s", "0.46 s", "0.72 s", "— no figure", "s (log scale)", "A", "D on Swarm"):
        assert label in texts, label
    assert texts.index("A") < texts.index("B") < texts.index("C") < texts.index("D on Swarm")  # top to bottom
    assert texts.count("s (log scale)") == 1  # warm: 0.47 … 6.3 stays linear
    assert [p.name for p in chart.write(tmp_path / "charts")] == ["startup.svg", "startup.png"]
    assert (tmp_path / "charts" / "startup.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_output_is_deterministic_and_inline_svg_fetches_nothing() -> None:
    def draw() -> plots.Chart:
        return plots.bars("memory", "Idle memory", ["a", "c"], {"reserved": [0.0, 1792.0]}, "MiB", 0)

    first, second = draw(), draw()
    assert first.svg == second.svg and first.png == second.png
    assert "<dc:date>" not in first.svg and b"Matplotlib" not in first.png
    page = first.inline()
    assert page.startswith("<svg ") and 'aria-label="Idle memory"' in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    other = plots.bars("disk", "Idle memory", ["a", "c"], {"reserved": [0.0, 1792.0]}, "MiB", 0)
    ids = set(re.findall(r'id="([^"]+)"', page)) & set(re.findall(r'id="([^"]+)"', other.inline()))
    assert not ids  # two charts in one page never share an id
    referenced = set(re.findall(r'(?:url\(#|href="#)([^)"]+)', page))
    assert referenced and referenced <= set(re.findall(r'id="([^"]+)"', page))


def test_latency_against_load_marks_each_knee() -> None:
    curves = {
        "b": [(100, 4.0, 15.0), (200, 5.0, 25.0), (400, 7.0, 40.0), (600, 12.0, 200.0), (800, 400.0, 3000.0)],
        "a": [(100, 5.0, 20.0), (200, 6.0, 30.0), (400, 9.0, 80.0), (600, 300.0, None)],
        "d": [(100, 9.0, 30.0), (200, 11.0, 45.0)],
    }
    chart = plots.latency_vs_load("latency-load", "Latency against offered load", curves, {"a": 400, "b": 600, "d": None})
    texts = _texts(chart)
    assert "A knee 400 req/s" in texts and "B knee 600 req/s" in texts and not any("D knee" in t for t in texts)
    assert "latency ms (log scale)" in texts and "offered load, req/s (open loop)" in texts
    legend = [t for t in texts if t.endswith(("p50", "p99"))]
    assert legend == ["A p50", "A p99", "B p50", "B p99", "D p50", "D p99"]


def test_cost_per_request_stacks_each_part_and_prints_the_total() -> None:
    costs = {"d": {"apps": 3.0, "gateway": 1.3, "shims": 0.9}, "a": {"apps": 2.5},
             "b": {"apps": 3.1, "gateway": 1.2, "supervisor": 0.1}}
    chart = plots.cost_stack("cost", "CPU per request", costs)
    texts = _texts(chart)
    assert ["2.50", "4.40", "5.20"] == [t for t in texts if t in ("2.50", "4.40", "5.20")]
    assert [t for t in texts if t in ("apps", "gateway", "shims", "supervisor")] == ["apps", "gateway", "supervisor", "shims"]
    assert "CPU-seconds per 1000 requests" in texts


def test_fault_timelines_share_one_time_axis() -> None:
    seconds = [float(s) for s in range(-3, 8)]
    rows = [
        plots.Timeline("b", seconds, {"grades": [0.0] * 3 + [100.0, 50.0] + [0.0] * 6},
                       {"web": [0.0] * 3 + [100.0, 40.0] + [0.0] * 6}, (0.0, 3.0)),
        plots.Timeline("a", seconds, {"grades": [0.0] * 3 + [100.0] * 8}, {"web": [None] * 11}, (0.0, 3.0), "repeat 1 of 3"),
    ]
    chart = plots.fault_timelines("crash-grades-timeline", "crash-grades", rows)
    texts = _texts(chart)
    assert texts.index("A (repeat 1 of 3)") < texts.index("B")
    assert "web degraded" in texts and "seconds from the fault (0; grey: the fault window) — 1-s bins" in texts
