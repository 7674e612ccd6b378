"""The comparison's tables of the interleaved rounds: cost per request, its breakdown by unit, capacity at the knee,
latency at the common rate — and which models the rounds can rank, with 95 % intervals.

Cost is the anchor (../shared/MEASUREMENT.md, "Cost"): CPU seconds of the whole host, less the load generator and
the lab, per 1,000 successful requests at one offered rate every model holds. It is compared round by round (each
model against the reference model of the same round), and two models are ranked only when the interval of their
ratio excludes 1.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence

from deploylab_loadtests.groups import GROUPS

from deploylab.compare import rest_hop
from deploylab.compare.intervals import MIN_ROUNDS, Interval, paired_ratio, rank
from deploylab.compare.tables import GROUP_TITLES, Section, Table
from deploylab.measure.rounds import CostRun, Performance, Sweep

MISSING = "—"
# every round measured no more CPU than the host spends at rest: the run was too short or the host too noisy
NOISE = "within the host's noise"


def _order(performance: Performance) -> list[str]:
    """The models in the order of the first round (the comparison's order)."""
    seen = performance.order[0] if performance.order else []
    rest = sorted({c.model for c in performance.costs} - set(seen))
    return [*(m for m in seen if any(c.model == m for c in performance.costs)), *rest]


def _costs(performance: Performance, model: str) -> list[CostRun]:
    return sorted((c for c in performance.costs if c.model == model), key=lambda c: c.round)


def _range(values: Sequence[float], digits: int) -> str:
    if not values:
        return MISSING
    middle = statistics.median(values)
    text = f"{middle:.{digits}f}"
    return text + (f" ({min(values):.{digits}f}–{max(values):.{digits}f})" if len(values) > 1 else "")


def units_per_1000(cost: CostRun) -> float | None:
    """The model's own units' CPU per 1000 requests: no dockerd, shims or kernel, and steadier for it."""
    total = sum(cost.units_cpu_s.values())
    return round(1000 * total / cost.ok, 4) if cost.ok and total > 0 else None


def cost_rounds(performance: Performance, figure: Callable[[CostRun], float | None] = lambda c: c.per_1000,
                ) -> list[dict[str, float]]:
    """{model: CPU-s per 1000} per round: the paired data the intervals resample."""
    rounds: dict[int, dict[str, float]] = {}
    for cost in performance.costs:
        if value := figure(cost):
            rounds.setdefault(cost.round, {})[cost.model] = value
    return [rounds[r] for r in sorted(rounds)]


def cost_intervals(performance: Performance, reference: str,
                   figure: Callable[[CostRun], float | None] = lambda c: c.per_1000) -> dict[str, Interval]:
    """Each model's cost over the reference's, from the rounds in which both were measured."""
    return _paired(cost_rounds(performance, figure), _order(performance), reference)


def knee_rounds(performance: Performance) -> list[dict[str, float]]:
    """{model: knee req/s} per round that swept; a model that met the SLO at no rate has no knee to divide."""
    rounds: dict[int, dict[str, float]] = {}
    for sweep in performance.sweeps:
        if sweep.knee:
            rounds.setdefault(sweep.round, {})[sweep.model] = sweep.knee
    return [rounds[r] for r in sorted(rounds)]


def knee_intervals(performance: Performance, reference: str) -> dict[str, Interval]:
    """Each model's knee over the reference's, from the sweeps of the same round."""
    return _paired(knee_rounds(performance), _order(performance), reference)


def _paired(rounds: list[dict[str, float]], models: Sequence[str], reference: str) -> dict[str, Interval]:
    found = {}
    for model in models:
        if model == reference:
            continue
        mine = [r[model] for r in rounds if model in r and reference in r]
        theirs = [r[reference] for r in rounds if model in r and reference in r]
        if mine:
            found[model] = paired_ratio(mine, theirs)
    return found


def cost_table(performance: Performance, reference: str) -> Table:
    models = _order(performance)
    plan = performance.plan
    intervals = cost_intervals(performance, reference)
    table = Table("cost", f"Cost per request at {plan['cost_rate']:g} req/s offered (open loop, fixed mix)",
                  ["", *models], [])

    def row(label: str, cell) -> None:  # noqa: ANN001 - a cell of one model
        table.rows.append([label, *(cell(m) for m in models)])

    def figures(m: str, figure: Callable[[CostRun], float | None], digits: int = 3) -> str:
        values = [v for c in _costs(performance, m) if (v := figure(c))]
        return _range(values, digits) if values or not _costs(performance, m) else NOISE

    def ratio(m: str, found: dict[str, Interval]) -> str:
        return _ratio(m, reference, found, "not measurable" if _costs(performance, m) else MISSING)

    units = cost_intervals(performance, reference, units_per_1000)
    row("CPU-s per 1000 requests, whole host less generator and lab: median (range)",
        lambda m: figures(m, lambda c: c.per_1000))
    row(f"ratio to {reference} (95 % interval)", lambda m: ratio(m, intervals))
    row("the units' own CPU-s per 1000 (no dockerd, shims, kernel): median (range)",
        lambda m: figures(m, units_per_1000))
    row(f"units' own: ratio to {reference} (95 % interval)", lambda m: ratio(m, units))
    row("rounds", lambda m: str(len(_costs(performance, m))))
    row("answered requests per round", lambda m: _range([float(c.ok) for c in _costs(performance, m)], 0))
    row("failed requests per round", lambda m: _range([float(c.failed) for c in _costs(performance, m)], 0))
    row("host CPU at rest around the run's round (cores, every model up and idle; mean of before and after)",
        lambda m: _range([c.idle_cores for c in _costs(performance, m)], 3))
    row("generator's send lag, p99 ms", lambda m: _range([c.lag_p99_ms for c in _costs(performance, m)
                                                            if c.lag_p99_ms is not None], 1))
    table.notes += [
        "what the requests cost: the host's busy CPU over the run (every core: the units, gateway, supervisor, "
        "docker-proxy, dockerd, containerd shims, a machine's systemd, the kernel) less the load generator and the "
        "lab's own process, less the host's rate at rest (every model up, idle; the mean of the readings before and "
        "after the round) over the same time. The units' own figure counts only the model's processes or containers, each less its "
        "own rate at rest: it leaves out what the model brings around them, and moves less with the host.",
        f"rounds are interleaved (order rotated each round: {'; '.join(', '.join(o) for o in performance.order)}); "
        f"the interval is a percentile bootstrap over paired rounds (each model against {reference} of the same "
        "round). A ratio is ranked only when its interval excludes 1.",
        f"\"{NOISE}\": in every round the model's CPU over the window was no more than the host spends at rest "
        "over the same time (a run too short for the host's noise); there is then no ratio to give.",
    ]
    return table


def breakdown_table(performance: Performance) -> Table:
    """Each unit's own CPU per 1000 requests (its idle rate taken off), median over rounds."""
    models = _order(performance)
    units = sorted({u for c in performance.costs for u in c.units_cpu_s})
    table = Table("cost-by-unit", "Cost per request by unit: CPU-s per 1000 requests, median over rounds",
                  ["", *models], [])

    def per_1000(cost: CostRun, unit: str) -> float | None:
        value = cost.units_cpu_s.get(unit)
        return None if value is None or not cost.ok else 1000 * value / cost.ok

    for unit in units:
        cells = []
        for model in models:
            values = [v for c in _costs(performance, model) if (v := per_1000(c, unit)) is not None]
            cells.append(f"{statistics.median(values):.3f}" if values else "")
        table.rows.append([unit, *cells])
    outside = []
    for model in models:
        values = [1000 * (c.model_cpu_s - sum(c.units_cpu_s.values())) / c.ok for c in _costs(performance, model) if c.ok]
        outside.append(f"{statistics.median(values):.3f}" if values else MISSING)
    table.rows.append(["outside the units (dockerd, shims, proxies, kernel, …)", *outside])
    table.notes.append("a unit's row is empty where the model has no such unit; 'outside the units' is the host's figure "
                       "less the units' own, and can be slightly negative where the two readings' edges differ.")
    return table


def latency_table(performance: Performance) -> Table:
    models = _order(performance)
    rate = performance.plan["cost_rate"]
    table = Table("latency-open", f"Latency at {rate:g} req/s offered, from each request's scheduled time (ms)",
                  ["", *models], [])
    for group in GROUPS:
        for q in ("p50", "p99"):
            cells = []
            for model in models:
                runs = _costs(performance, model)
                values = [float(v) for c in runs if (v := c.groups.get(group, {}).get(q)) is not None]
                n = sum(int(c.groups.get(group, {}).get("n") or 0) for c in runs)
                cells.append(f"{_range(values, 1)} [n={n}]" if values else MISSING)
            table.rows.append([f"{GROUP_TITLES[group]} {q}", *cells])
    table.notes.append("median over rounds (range); n: the answered requests of all rounds; a p99 rests on n/rounds "
                       "samples per round.")
    return table


def _ratio(model: str, reference: str, found: dict[str, Interval], otherwise: str) -> str:
    if model == reference:
        return "1"
    if model in found:
        return f"{found[model].estimate:.2f} ({found[model].low:.2f}–{found[model].high:.2f})"
    return otherwise


def _knees(performance: Performance, model: str) -> list[Sweep]:
    return [s for s in performance.sweeps if s.model == model]


def capacity_table(performance: Performance, reference: str) -> Table:
    models = _order(performance)
    slo = performance.plan.get("slo_p99_ms", {})
    table = Table("knee", "Capacity at the knee: the highest offered rate that met the SLO (open-loop sweep)",
                  ["", *models], [])

    def cell(model: str) -> str:
        sweeps = _knees(performance, model)
        if not sweeps:
            return MISSING
        knees = [s.knee for s in sweeps]
        met = [k for k in knees if k is not None]
        text = _range(met, 0) if met else f"< {min(performance.plan['sweep_rates']):g}"
        fails = [s.first_fail for s in sweeps if s.first_fail is not None]
        return text + (f"; fails at {statistics.median(fails):g}" if fails else "; never failed")

    table.rows.append(["req/s (median over sweeps; the first failing rate)", *(cell(m) for m in models)])
    found = knee_intervals(performance, reference)
    table.rows.append([f"ratio to {reference} (95 % interval over paired sweeps)", *(
        _ratio(m, reference, found, "no knee in a round both swept" if _knees(performance, m) else MISSING)
        for m in models)])
    table.rows.append(["sweeps", *(str(len(_knees(performance, m))) for m in models)])

    def why(model: str) -> str:
        sweeps = _knees(performance, model)
        failed = [step for s in sweeps for step in s.steps if not step.meets_slo]
        return failed[0].why_not[0] if failed and failed[0].why_not else MISSING

    table.rows.append(["why the first failing rate failed (first sweep)", *(why(m) for m in models)])
    limits = ", ".join(f"{g} p99 ≤ {ms:g} ms" for g, ms in slo.items())
    table.notes.append(f"SLO (loadtests/scenarios.toml): {limits}; errors under 0.1 %; at least 98 % of the offered rate "
                       f"answered; a p99 needs 100 samples. Offered rates: {', '.join(f'{r:g}' for r in performance.plan['sweep_rates'])} "
                       f"req/s, {performance.plan['sweep_step_s']:g} s each: the knee is known to that grid only.")
    return table


def rankings(performance: Performance, reference: str) -> list[str]:
    """One sentence per model against the reference, ranked only where the interval excludes 1."""
    return [rank(interval, model, reference, "cost per request", MIN_ROUNDS).text + "."
            for model, interval in cost_intervals(performance, reference).items()]


def knee_rankings(performance: Performance, reference: str) -> list[str]:
    return [rank(interval, model, reference, "capacity at the knee", MIN_ROUNDS).text + "."
            for model, interval in knee_intervals(performance, reference).items()]


def sections(performance: Performance | None, reference: str = "a") -> list[Section]:
    if performance is None or not performance.costs:
        return []
    if reference not in _order(performance):
        reference = _order(performance)[0]
    found = rankings(performance, reference)
    hop = rest_hop.sentence([rest_hop.paired_hop_cost(cost_rounds(performance))])
    if hop:  # the chapter's A against the same process with in-process calls: what the REST hop costs
        found.append(hop)
    errors = [f"{model}: {why}" for model, why in performance.errors.items()]
    finding = " ".join(found) or "No model was measured in enough rounds to rank."
    if not performance.sweeps:
        finding += (" Capacity at the knee was not measured: this profile does not sweep the offered rate (one 4-s "
                    "step per rate placed a model's knee up to 150 req/s apart in two runs of the same code); the "
                    "full profile sweeps in three rounds and ranks the knees on their intervals.")
    if errors:
        finding += " Not measured in the rounds: " + "; ".join(errors) + "."
    return [
        Section(cost_table(performance, reference), finding),
        Section(breakdown_table(performance), "Where each model's CPU goes per request: the units, and what the "
                "model brings around them."),
        *knee_sections(performance, reference),
        Section(latency_table(performance), "Latency counted from when each request was due, not when it was sent: a "
                "stall shows in full."),
    ]


def knee_sections(performance: Performance, reference: str) -> list[Section]:
    if not performance.sweeps:
        return []
    found = knee_rankings(performance, reference)
    above = [m for m in _order(performance) if (sweeps := _knees(performance, m))
             and all(s.first_fail is None and s.knee is not None for s in sweeps)]
    for model in above:  # censored: the grid ended before it failed
        bound = ("every ratio to it is an upper bound" if model == reference
                 else f"its ratio to {reference} a lower bound")
        found.append(f"{model} met the SLO at every rate of the grid: its knee is at least the grid's top, and {bound}.")
    return [Section(capacity_table(performance, reference), " ".join([
        "A knee read off a grid of offered rates; the SLO is per endpoint group.", *found]))]
