"""Reading one figure out of the collected lists: median, spread, and why a cell is empty."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence

from deploylab.compare.records import ModelColumn

MISSING = "—"
NOT_APPLICABLE = "n/a"  # the model has nothing the phase acts on (A: no gateway)
SPREAD_LIMIT = 0.20  # repeats disagreeing by more than this share of their median: not to be trusted
SEVERITY = {"failed": 3, "degraded": 2, "slow": 1, None: 0}


def median(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def spread(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return max(known) - min(known) if len(known) > 1 else None


def untrustworthy(values: Sequence[float | None], digits: int = 1) -> bool:
    """The repeats disagree by more than SPREAD_LIMIT of their median, by a margin the table can show
    (0.001 s against 0.002 s is no disagreement in a column of hundredths)."""
    middle, width = median(values), spread(values)
    if middle is None or width is None or width < 10.0 ** -digits:
        return False
    return abs(middle) > 1e-9 and width / abs(middle) > SPREAD_LIMIT


def number(values: Sequence[float | None], digits: int = 1) -> str:
    """'12.3', '12.3 (11.0–13.5)' over repeats with the range, a trailing '!' when the spread is too wide."""
    middle = median(values)
    if middle is None:
        return MISSING
    text = f"{middle:.{digits}f}"
    known = [v for v in values if v is not None]
    if len(known) > 1:
        text += f" ({min(known):.{digits}f}–{max(known):.{digits}f})"
        if untrustworthy(values, digits):
            text += " !"
    return text


def verdict(values: Sequence[str | None]) -> str | None:
    """The verdict most repeats gave; ties go to the worse one."""
    if not values:
        return None
    counts = Counter(values)
    return max(counts, key=lambda v: (counts[v], SEVERITY[v]))


def missing_reason(model: ModelColumn, phase: str) -> str:
    if model.status == "skipped":
        return f"skipped: {model.reason}"
    if phase in model.inapplicable:
        return f"does not apply: {model.inapplicable[phase]}"
    if phase in model.errors:
        return f"{phase} failed: {model.errors[phase]}"
    return f"{phase} not measured in these runs"
