"""COMPARISON.md: the comparison's tables and findings in Markdown (no charts)."""

from __future__ import annotations

from deploylab.compare.records import Comparison
from deploylab.compare.tables import Parts, Table


def table(t: Table) -> list[str]:
    lines = ["| " + " | ".join(t.columns) + " |", "|" + "---|" * len(t.columns)]
    lines += ["| " + " | ".join(row) + " |" for row in t.rows]
    if t.notes:
        lines += [""] + [f"- {note}" for note in t.notes]
    return lines


def render(doc: Comparison, parts: Parts) -> str:
    out = ["# Deployment models compared", ""]
    out += [f"- {line}" for line in parts.header] + [""]
    if parts.warnings:
        out += ["## Warnings", ""] + [f"- **{line}**" for line in parts.warnings] + [""]
    for section in parts.sections:
        out += [f"## {section.table.title}", "", *table(section.table), "", section.finding, ""]
    out += ["## Dependency isolation", ""] + [f"- {line}" for line in parts.isolation] + [""]
    out += ["## The chapter's questions", ""]
    for question, answer in parts.answers:
        out += [f"**{question}** {answer}", ""]
    out += ["— : no figure (the note under the table says why). Reading guide: reports/README.md.", ""]
    return "\n".join(out)
