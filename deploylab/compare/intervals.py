"""How sure a ratio between two models is: percentile bootstrap intervals, and whether they rank at all.

A shared machine's speed drifts by tens of percent over minutes, so the comparison measures in interleaved rounds
(A, B, C, D, then again) and compares A with B round by round: the drift of a round hits both. The interval comes
from resampling rounds (the level where the variance is), with a seeded generator so a report is reproducible.
When the interval includes 1 the two are "indistinguishable on this machine", which is a finding too
(../shared/MEASUREMENT.md, "Noise"). Every interval states its sample size.
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

CONFIDENCE = 0.95
RESAMPLES = 10_000
MIN_ROUNDS = 3  # fewer rounds give a handful of distinct resamples: no interval worth ranking on


@dataclass(frozen=True)
class Interval:
    estimate: float  # the statistic on all the data
    low: float
    high: float
    n: int  # paired rounds, or the first model's samples when unpaired
    n_other: int | None  # the second model's samples when unpaired
    resamples: int
    confidence: float
    method: str

    def includes(self, value: float) -> bool:
        return self.low <= value <= self.high

    def sample_size(self) -> str:
        if self.n_other is None:
            return f"{self.n} paired rounds"
        return f"{self.n} and {self.n_other} samples"


def geometric_mean(values: Sequence[float]) -> float:
    """The centre of ratios: 2x and 0.5x average to 1x, as they should."""
    if not values or any(v <= 0 for v in values):
        raise ValueError("a geometric mean needs positive values")
    return math.exp(statistics.fmean(math.log(v) for v in values))


def round_ratios(a: Sequence[float], b: Sequence[float]) -> list[float]:
    """a[i] / b[i] per round; both figures of a round must be positive."""
    if len(a) != len(b):
        raise ValueError(f"paired rounds need as many figures on each side ({len(a)} != {len(b)})")
    if any(x <= 0 for x in (*a, *b)):
        raise ValueError("ratios need positive figures")
    return [x / y for x, y in zip(a, b, strict=True)]


def pair_rounds(rounds: Sequence[Mapping[str, float]], a: str, b: str) -> tuple[list[float], list[float]]:
    """From interleaved rounds ({model: figure} each), the rounds in which both models have a figure."""
    kept = [r for r in rounds if a in r and b in r]
    return [r[a] for r in kept], [r[b] for r in kept]


def percentile_bounds(values: Sequence[float], confidence: float) -> tuple[float, float]:
    """The (1 - confidence) / 2 and (1 + confidence) / 2 nearest-rank percentiles."""
    ordered = sorted(values)
    tail = (1 - confidence) / 2

    def rank(q: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]

    return rank(tail), rank(1 - tail)


def paired_ratio(
    a: Sequence[float], b: Sequence[float], *, confidence: float = CONFIDENCE, resamples: int = RESAMPLES,
    seed: int = 0, center: Callable[[Sequence[float]], float] = geometric_mean,
) -> Interval:
    """A / B from paired rounds: the per-round ratios' centre (geometric mean by default) and its percentile
    bootstrap interval, resampling whole rounds with replacement."""
    ratios = round_ratios(a, b)
    if not ratios:
        raise ValueError("no rounds")
    rng = random.Random(seed)
    stats = [center(rng.choices(ratios, k=len(ratios))) for _ in range(resamples)]
    low, high = percentile_bounds(stats, confidence)
    name = getattr(center, "__name__", "centre").replace("_", " ")
    return Interval(center(ratios), low, high, len(ratios), None, resamples, confidence,
                    f"percentile bootstrap over paired rounds, {name} of per-round ratios")


def median_ratio(
    a: Sequence[float], b: Sequence[float], *, confidence: float = CONFIDENCE, resamples: int = RESAMPLES,
    seed: int = 0,
) -> Interval:
    """median(A) / median(B) when the samples are not paired (no rounds in common): each side resampled on its own."""
    if not a or not b:
        raise ValueError("both sides need samples")
    if statistics.median(b) <= 0 or any(x <= 0 for x in (*a, *b)):
        raise ValueError("ratios need positive figures")
    rng = random.Random(seed)
    stats = [statistics.median(rng.choices(a, k=len(a))) / statistics.median(rng.choices(b, k=len(b)))
             for _ in range(resamples)]
    low, high = percentile_bounds(stats, confidence)
    return Interval(statistics.median(a) / statistics.median(b), low, high, len(a), len(b), resamples, confidence,
                    "percentile bootstrap, unpaired, ratio of medians")


@dataclass(frozen=True)
class Ranking:
    verdict: str  # "lower" | "higher" (A's figure against B's) | "indistinguishable" | "too few rounds"
    text: str


def rank(interval: Interval, a: str, b: str, figure: str = "figure", min_rounds: int = MIN_ROUNDS) -> Ranking:
    """Whether A and B are ranked on this figure: only when the interval excludes 1. Which direction is better
    depends on the figure (latency, CPU per request: lower; throughput: higher) and is left to the caller."""
    stated = (f"{a}/{b} {figure} = {interval.estimate:.3g} ({100 * interval.confidence:g} % interval "
              f"{interval.low:.3g}–{interval.high:.3g}, {interval.sample_size()}, {interval.resamples} resamples)")
    if min(interval.n, interval.n_other or interval.n) < min_rounds:
        return Ranking("too few rounds", f"{stated}: too few to rank (fewer than {min_rounds})")
    if interval.high < 1:
        return Ranking("lower", f"{stated}: {a}'s {figure} is lower than {b}'s")
    if interval.low > 1:
        return Ranking("higher", f"{stated}: {a}'s {figure} is higher than {b}'s")
    return Ranking("indistinguishable", f"{stated}: {a} and {b} are indistinguishable on this machine")
