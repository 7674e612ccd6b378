"""The cost of the REST hop: model A (Web calls Students and Grades over HTTP, through its own server) against
a-monolith (the same one process, the same code, but those calls made in-process), figure by figure.

Nothing else differs between the two columns, so their ratio is what the hop costs: the HTTP client and server
work, the sockets, and the waitress threads a page holds while its sub-requests wait for more. Every ratio is
A's figure over a-monolith's (the median of each column's repeats); `cost` turns it into "how many times worse
with the hop", so that a slower page and a lower throughput both read as a cost above 1.

Hooks for the comparison's tables and findings: `rest_hop(columns)` gives one row per figure from the columns'
repeats (unpaired: each column's median), `paired_hop_cost(rounds, …)` one row from interleaved rounds in which both
were measured (paired: the drift of a round hits both; e.g. CPU seconds per 1,000 requests, `cost_rounds`), and
`sentence(rows)` says it in one line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from deploylab.compare.figures import median
from deploylab.compare.intervals import MIN_ROUNDS, Interval, median_ratio, pair_rounds, paired_ratio
from deploylab.compare.records import ModelColumn

WITH_HOP, WITHOUT_HOP = "a", "a-monolith"

Values = Callable[[ModelColumn], Sequence[float | None]]


@dataclass(frozen=True)
class Figure:
    name: str  # as a table would label it
    unit: str
    better: str  # "lower" | "higher"
    values: Values  # a column's figures over its repeats


def _p50(group: str) -> Values:
    def values(column: ModelColumn) -> Sequence[float | None]:
        quantiles = column.latency.groups.get(group)
        return quantiles.p50 if quantiles else []
    return values


def _p95(group: str) -> Values:
    def values(column: ModelColumn) -> Sequence[float | None]:
        quantiles = column.latency.groups.get(group)
        return quantiles.p95 if quantiles else []
    return values


def _capacity(column: ModelColumn) -> Sequence[float | None]:
    return column.capacity.plateau_throughput


def _idle_memory(column: ModelColumn) -> Sequence[float | None]:
    return column.idle.app_mib


# The page is where the hop is; the direct API routes are the control (they take no hop in either column).
FIGURES: tuple[Figure, ...] = (
    Figure("page p50", "s", "lower", _p50("web")),
    Figure("page p95", "s", "lower", _p95("web")),
    Figure("capacity", "req/s", "higher", _capacity),
    Figure("/students p50 (no hop: control)", "s", "lower", _p50("students")),
    Figure("idle memory", "MiB", "lower", _idle_memory),
)


@dataclass(frozen=True)
class HopCost:
    figure: str
    unit: str
    better: str
    with_hop: float | None  # A's median
    without_hop: float | None  # a-monolith's median
    ratio: float | None  # with_hop / without_hop
    interval: Interval | None  # of the ratio, when both columns have MIN_ROUNDS repeats or more

    @property
    def cost(self) -> float | None:
        """How many times worse the figure is with the hop: the ratio, or its inverse where higher is better."""
        if self.ratio is None or self.ratio <= 0:
            return None
        return self.ratio if self.better == "lower" else 1 / self.ratio


def ratio(a: Sequence[float | None], b: Sequence[float | None]) -> float | None:
    """median(a) / median(b) over the known figures; None when either has none or b's median is not positive."""
    top, bottom = median(a), median(b)
    if top is None or bottom is None or bottom <= 0:
        return None
    return top / bottom


def hop_cost(figure: Figure, with_hop: ModelColumn, without_hop: ModelColumn) -> HopCost:
    a = [v for v in figure.values(with_hop) if v is not None]
    b = [v for v in figure.values(without_hop) if v is not None]
    interval = None
    if min(len(a), len(b)) >= MIN_ROUNDS and all(v > 0 for v in (*a, *b)):
        interval = median_ratio(a, b)
    return HopCost(figure.name, figure.unit, figure.better, median(a), median(b), ratio(a, b), interval)


def _by_key(columns: Mapping[str, ModelColumn] | Iterable[ModelColumn]) -> dict[str, ModelColumn]:
    if isinstance(columns, Mapping):
        return dict(columns)
    return {column.key: column for column in columns}


def rest_hop(
    columns: Mapping[str, ModelColumn] | Iterable[ModelColumn], figures: Sequence[Figure] = FIGURES,
    with_hop: str = WITH_HOP, without_hop: str = WITHOUT_HOP,
) -> list[HopCost]:
    """One row per figure, A over a-monolith; empty when either column is missing or was not measured."""
    by_key = _by_key(columns)
    a, b = by_key.get(with_hop), by_key.get(without_hop)
    if a is None or b is None or a.status != "measured" or b.status != "measured":
        return []
    return [hop_cost(figure, a, b) for figure in figures]


class RoundFigure(Protocol):
    """One model's figure in one round (measure/rounds.py's CostRun has this shape)."""

    @property
    def model(self) -> str: ...
    @property
    def round(self) -> int: ...
    @property
    def per_1000(self) -> float | None: ...


def cost_rounds(runs: Iterable[RoundFigure]) -> list[dict[str, float]]:
    """[{model key: CPU-s per 1,000 requests}] per round, for paired_hop_cost."""
    rounds: dict[int, dict[str, float]] = {}
    for run in runs:
        if run.per_1000 is not None and run.per_1000 > 0:
            rounds.setdefault(run.round, {})[run.model] = run.per_1000
    return [rounds[r] for r in sorted(rounds)]


def paired_hop_cost(
    rounds: Sequence[Mapping[str, float]], figure: str = "CPU per 1,000 requests", unit: str = "CPU-s",
    better: str = "lower", with_hop: str = WITH_HOP, without_hop: str = WITHOUT_HOP,
) -> HopCost | None:
    """A over a-monolith from the rounds that have both: the geometric mean of per-round ratios and, with
    MIN_ROUNDS or more, its bootstrap interval; None when no round has both."""
    a, b = pair_rounds(rounds, with_hop, without_hop)
    if not a:
        return None
    interval = paired_ratio(a, b)
    return HopCost(figure, unit, better, median(a), median(b), interval.estimate,
                   interval if len(a) >= MIN_ROUNDS else None)


def sentence(rows: Sequence[HopCost | None]) -> str | None:
    """'The REST hop (a over a-monolith): page p50 2.10x (a 0.021 s, a-monolith 0.01 s: 2.10x worse with the
    hop); …', the figures both columns have."""
    parts = []
    for row in rows:
        if row is None or row.ratio is None or row.cost is None or row.with_hop is None or row.without_hop is None:
            continue
        how = f"{row.cost:.2f}x worse" if row.cost >= 1 else f"{1 / row.cost:.2f}x better"
        text = (f"{row.figure} {row.ratio:.2f}x ({WITH_HOP} {row.with_hop:.3g} {row.unit}, "
                f"{WITHOUT_HOP} {row.without_hop:.3g} {row.unit}: {how} with the hop)")
        if row.interval is not None:
            text += f", 95 % interval {row.interval.low:.2f}–{row.interval.high:.2f} ({row.interval.sample_size()})"
        parts.append(text)
    if not parts:
        return None
    return f"The REST hop ({WITH_HOP} over {WITHOUT_HOP}): " + "; ".join(parts) + "."
