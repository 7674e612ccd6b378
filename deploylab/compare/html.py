"""comparison.html: one self-contained page (inline SVG and CSS, no script) that opens offline."""

from __future__ import annotations

from html import escape

from deploylab.compare.baseline import Against
from deploylab.compare.records import Comparison
from deploylab.compare.tables import Parts, Table
from deploylab.report.html import STYLE

EXTRA = (".finding{background:#f6f6f0;padding:.5em .8em;border-left:3px solid #999}.note{color:#555;font-size:12px}"
         "figure{margin:.8em 0}figure svg{max-width:100%;height:auto}")


def table(t: Table) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in t.columns)
    body = "".join("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in t.rows)
    notes = "".join(f"<div class='note'>{escape(note)}</div>" for note in t.notes)
    return f"<table><tr>{head}</tr>{body}</table>{notes}"


def baseline(against: Against) -> list[str]:
    out = [f"<h2>{escape(against.title)}</h2><ul>", *[f"<li>{escape(line)}</li>" for line in against.lines], "</ul>"]
    for t in against.tables:
        out += [f"<h3>{escape(t.title)}</h3>", table(t)]
    return out


def render(doc: Comparison, parts: Parts, against: Against | None = None) -> str:
    out = ["<!doctype html><html><head><meta charset='utf-8'><title>Deployment models compared</title>",
           f"<style>{STYLE}{EXTRA}</style></head><body><h1>Deployment models compared</h1><ul>"]
    out += [f"<li>{escape(line)}</li>" for line in parts.header]
    out.append("</ul>")
    if parts.warnings:
        out += ["<h2>Warnings</h2><ul>", *[f"<li class='warn'>{escape(line)}</li>" for line in parts.warnings], "</ul>"]
    for section in parts.sections:
        out += [f"<h2>{escape(section.table.title)}</h2>", table(section.table),
                f"<p class='finding'>{escape(section.finding)}</p>", section.chart]
    if against:
        out += baseline(against)
    out += ["<h2>Dependency isolation</h2><ul>", *[f"<li>{escape(line)}</li>" for line in parts.isolation], "</ul>"]
    out.append("<h2>The chapter's questions</h2>")
    out += [f"<p><b>{escape(q)}</b> {escape(a)}</p>" for q, a in parts.answers]
    out.append("<p class='note'>— : no figure (the note under the table says why). Reading guide: reports/README.md.</p>")
    out.append("</body></html>")
    return "\n".join(out)
