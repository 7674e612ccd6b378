"""Bootstrap intervals for ratios between models (deploylab/compare/intervals.py) on fixed data."""

from __future__ import annotations

import statistics

import pytest

from deploylab.compare import intervals


def test_equal_ratios_in_every_round_give_that_ratio_exactly() -> None:
    b = [100.0, 80.0, 120.0, 90.0, 110.0]  # the machine drifts from round to round ...
    a = [1.1 * x for x in b]  # ... and A stays 10 % above B in each: pairing removes the drift
    interval = intervals.paired_ratio(a, b, seed=1)
    assert (interval.estimate, interval.low, interval.high) == pytest.approx((1.1, 1.1, 1.1))
    assert interval.n == 5 and interval.n_other is None and interval.resamples == 10_000
    assert intervals.rank(interval, "A", "B", "p99").verdict == "higher"


def test_two_rounds_give_the_enumerable_answer() -> None:
    """Ratios 1 and 4: resampled rounds give geometric means 1 (1/4 of the time), 2 (1/2) and 4 (1/4), so the 95 %
    interval spans [1, 4] around the estimate 2."""
    interval = intervals.paired_ratio([1.0, 8.0], [1.0, 2.0], seed=0)
    assert interval.estimate == pytest.approx(2.0)
    assert (interval.low, interval.high) == pytest.approx((1.0, 4.0))
    ranking = intervals.rank(interval, "A", "B")
    assert ranking.verdict == "too few rounds" and "2 paired rounds" in ranking.text


def test_the_interval_is_deterministic_with_a_seed_and_lies_within_the_rounds() -> None:
    a = [103.0, 97.0, 110.0, 92.0, 105.0, 99.0, 108.0]
    b = [100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0]
    first = intervals.paired_ratio(a, b, seed=42)
    assert first == intervals.paired_ratio(a, b, seed=42)
    other = intervals.paired_ratio(a, b, seed=43)
    assert other.estimate == first.estimate and (other.low, other.high) != (first.low, first.high)
    assert 0.92 <= first.low < first.estimate < first.high <= 1.10
    assert first.high - first.low == pytest.approx(other.high - other.low, rel=0.2)


def test_an_interval_including_one_is_indistinguishable_on_this_machine() -> None:
    a = [101.0, 96.0, 104.0, 99.0, 102.0, 97.0]
    b = [100.0, 100.0, 100.0, 100.0, 100.0, 100.0]
    interval = intervals.paired_ratio(a, b, seed=7)
    assert interval.includes(1.0)
    ranking = intervals.rank(interval, "B", "D", "CPU-s per 1,000 requests")
    assert ranking.verdict == "indistinguishable"
    assert "indistinguishable on this machine" in ranking.text and "6 paired rounds" in ranking.text
    assert "95 % interval" in ranking.text


def test_a_clear_difference_is_ranked_lower() -> None:
    a = [70.0, 62.0, 75.0, 66.0, 71.0]
    b = [100.0, 90.0, 104.0, 95.0, 99.0]
    ranking = intervals.rank(intervals.paired_ratio(a, b, seed=3), "A", "D", "p99")
    assert ranking.verdict == "lower" and "A's p99 is lower than D's" in ranking.text


def test_the_centre_can_be_the_median_of_the_ratios() -> None:
    interval = intervals.paired_ratio([1.0, 2.0, 3.0], [1.0, 1.0, 1.0], center=statistics.median, seed=0, resamples=2000)
    assert interval.estimate == 2.0 and interval.low == 1.0 and interval.high == 3.0
    assert "median of per-round ratios" in interval.method


def test_unpaired_medians() -> None:
    """B is constant; A's resampled median is 19 (or 22) when 3 of its 5 draws are: 5.8 % each, above the 2.5 %
    tails, so the interval is exactly [1.9, 2.2]."""
    a = [20.0, 21.0, 19.0, 20.0, 22.0]
    b = [10.0, 10.0, 10.0, 10.0]
    interval = intervals.median_ratio(a, b, seed=5)
    assert interval.estimate == 2.0 and interval.n == 5 and interval.n_other == 4
    assert (interval.low, interval.high) == pytest.approx((1.9, 2.2))
    assert interval == intervals.median_ratio(a, b, seed=5)
    assert "5 and 4 samples" in intervals.rank(interval, "A", "B").text


def test_interleaved_rounds_pair_by_round_and_skip_a_round_a_model_missed() -> None:
    rounds = [{"A": 10.0, "B": 5.0, "C": 1.0}, {"A": 12.0, "C": 2.0}, {"A": 9.0, "B": 4.5}]
    assert intervals.pair_rounds(rounds, "A", "B") == ([10.0, 9.0], [5.0, 4.5])


def test_nonsense_is_refused() -> None:
    with pytest.raises(ValueError):
        intervals.paired_ratio([1.0, 2.0], [1.0])
    with pytest.raises(ValueError):
        intervals.paired_ratio([1.0, 0.0], [1.0, 1.0])
    with pytest.raises(ValueError):
        intervals.paired_ratio([], [])
    with pytest.raises(ValueError):
        intervals.median_ratio([1.0], [])
