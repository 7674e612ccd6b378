"""Helpers of the contract suite: unique names, and reading the Web pages like a browser would."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from html.parser import HTMLParser


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


@dataclass
class Page:
    headers: list[str] = field(default_factory=list)  # the table's <th> texts
    rows: list[list[str]] = field(default_factory=list)  # each <tr>'s <td> texts
    stylesheets: list[str] = field(default_factory=list)
    inputs: dict[str, str] = field(default_factory=dict)  # name -> value of every form input

    def row_of(self, name: str) -> list[str] | None:
        return next((row for row in self.rows if name in row), None)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.page = Page()
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {key: value or "" for key, value in attrs}
        if tag == "tr":
            self.page.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "link" and "stylesheet" in attr.get("rel", "").split():
            self.page.stylesheets.append(attr.get("href", ""))
        elif tag in ("input", "select", "textarea") and attr.get("name"):
            self.page.inputs[attr["name"]] = attr.get("value", "")

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            text = " ".join("".join(self._cell).split())
            (self.page.headers if tag == "th" else self.page.rows[-1] if self.page.rows else []).append(text)
            self._cell = None


def read_page(html: str) -> Page:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    reader.page.rows = [row for row in reader.page.rows if row]
    return reader.page
