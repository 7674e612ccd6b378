"""COMPARISON.md: the comparison's tables and findings in Markdown, each section's charts as images
(charts/<name>.svg beside it) and the tables as CSV (tables/<key>.csv)."""

from __future__ import annotations

from deploylab.compare.baseline import Against
from deploylab.compare.charts import Pictures
from deploylab.compare.records import Comparison
from deploylab.compare.tables import Parts, Table


def table(t: Table) -> list[str]:
    lines = ["| " + " | ".join(t.columns) + " |", "|" + "---|" * len(t.columns)]
    lines += ["| " + " | ".join(row) + " |" for row in t.rows]
    if t.notes:
        lines += [""] + [f"- {note}" for note in t.notes]
    return lines


def pictures(found: Pictures | None) -> list[str]:
    if not found:
        return []
    lines = [f"![{chart.title}](charts/{chart.name}.svg)" for chart in found.charts]
    lines += [f"*{note}*" for note in found.notes]
    return [line for item in lines for line in (item, "")]


def baseline(against: Against) -> list[str]:
    out = [f"## {against.title}", ""] + [f"- {line}" for line in against.lines] + [""]
    for t in against.tables:
        out += [f"### {t.title}", "", *table(t), ""]
    return out


def render(doc: Comparison, parts: Parts, drawn: dict[str, Pictures] | None = None,
           against: Against | None = None) -> str:
    out = ["# Deployment models compared", ""]
    out += [f"- {line}" for line in parts.header] + [""]
    if parts.warnings:
        out += ["## Warnings", ""] + [f"- **{line}**" for line in parts.warnings] + [""]
    for section in parts.sections:
        out += [f"## {section.table.title}", "", *table(section.table), "", section.finding, ""]
        out += pictures((drawn or {}).get(section.table.key))
    if against:
        out += baseline(against)
    out += ["## Dependency isolation", ""] + [f"- {line}" for line in parts.isolation] + [""]
    out += ["## The chapter's questions", ""]
    for question, answer in parts.answers:
        out += [f"**{question}** {answer}", ""]
    out += ["— : no figure (the note under the table says why). Reading guide: reports/README.md.", ""]
    return "\n".join(out)
