"""A run's report: summary.json (every figure), summary.md (tables) and report.html (plots + tables)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from deploylab.measure.records import RunMeta, RunSummary
from deploylab.report import html, markdown
from deploylab.report.summary import summarize


def write_reports(
    out_dir: Path, meta: RunMeta, events: list[dict[str, Any]], samples: list[dict[str, Any]],
    generator_limit: float,
) -> RunSummary:
    summary, series = summarize(out_dir, meta, events, samples, generator_limit)
    (out_dir / "summary.json").write_text(json.dumps(summary.to_json(), indent=2, default=str))
    (out_dir / "summary.md").write_text(markdown.render(summary))
    # each plot also as charts/<name>.svg and .png beside the report, for slides and papers
    (out_dir / "report.html").write_text(html.render(summary, series, out_dir / "charts"))
    return summary
