"""Profiles: how long and how often the scenarios run — the one meaning of "profile" in the lab.

A profile (smoke, quick, full) shapes the scenarios of loadtests/scenarios.toml (their fault timelines
are rescaled in proportion, see Scenario.rescaled) and says which phases the comparison runs for every
model and how many times. `deploylab compare --profile P` runs its matrix; `deploylab run --profile P`
runs one scenario as P does. Start-up and idle footprint are measured by the comparison itself
(compare/startup.py); the rest are runner runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace

from deploylab.core.errors import UsageError
from deploylab.measure import scenarios
from deploylab.measure.rounds import Plan
from deploylab.measure.scenarios import Scenario

# The open loop's fixed mix: pages are a third of the arrivals, so each group's p99 rests on enough samples in a
# few seconds (the closed-loop users' own mix has 9 % pages: loadtests/README.md).
MIX = "students=0.35,grades=0.35,web=0.30"


@dataclass(frozen=True)
class RoundsPlan:
    rounds: int
    cost_rate: float  # req/s every model holds
    cost_s: float
    sweep_rates: tuple[float, ...]
    sweep_step_s: float
    sweep_rounds: tuple[int, ...]
    mix: str = MIX

FAULT_SCENARIOS = ("crash-grades", "crash-grades-one", "poweroff-grades", "crash-students", "crash-gateway", "cpu-grades",
                   "leak-grades", "slow-grades", "errors-grades", "partition-grades")
# Phases made of several scenarios in one load run (scenarios.chained). Steady load, the assaults on Grades and
# its redeploy leave nothing to restart, so quick runs them back to back: steady first (its figures are the
# lead's, before any fault, and the lead is every fault's baseline), then each fault; the redeploy last, as it
# may take long to roll out. Five Locust runs fewer per model.
# The slow dependency is the last assault: under the open loop it can leave a model overloaded for long after it
# ends (A: pages wait on Grades' calls queued behind them in the same server), and an assault after it could
# not be injected into a server that does not answer; the redeploy goes through the driver, whatever the load.
CHAINS = {"grades-chain": ("steady", "cpu-grades", "leak-grades", "errors-grades", "slow-grades", "redeploy-grades"),
          # quick's isolation experiments: a CPU hog under the quotas, then a leak past the memory limit
          "isolation-chain": ("steady", "cpu-grades", "leak-grades")}
# Faults that end in a restart, so their part needs the restart time: a kill, a leak, which meets the unit's
# memory limit and is killed by the kernel, and a machine's power cut, after which it boots.
RESTARTING = ("kill", "leak", "poweroff")
# Non-destructive phases first, crashes last: the matrix keeps one deployment up between phases and
# only brings it up again when a phase left it broken (model A after a crash: nothing restarts it). Capacity is
# the rounds' knee: the closed-loop step scenario ("capacity") stays for `deploylab run`, outside the comparison.
ORDER = ("grades-chain", "partition-grades", "crash-students", "crash-gateway", "crash-grades-one", "poweroff-grades",
         "crash-grades")
ALL_MODELS = ("a", "a-monolith", "b", "c", "d", "d-swarm")  # a-monolith: A with in-process calls, beside a
SLOWEST_UP = "c"  # its machines take a minute to make and provision: the comparison measures it last


def run_order(keys: Sequence[str]) -> list[str]:
    """The order the matrix measures the models in: the slowest to bring up last, as the last one stays up for the
    rounds instead of going down and up again. The report keeps the order asked for."""
    return sorted(keys, key=lambda key: key == SLOWEST_UP)


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    scenarios: tuple[str, ...]
    load_s: float  # measured load per scenario...
    capacity_s: float  # ...except the step load, which needs five steps of a few seconds each...
    restart_s: float  # ...and the kills, where the model's own restart plus the recovery bins must fit after the fault
    users: int | None  # peak users (None: the scenario's own)
    capacity_users: int | None
    warmup_s: float
    idle_s: float  # idle footprint readings, nothing but the model running
    repeats: int  # each phase this many times; the report shows the median and the spread
    run_idle_s: float = 1.0  # idle readings before each load run (the idle footprint itself is the start-up phase's)
    rounds: RoundsPlan | None = None  # cost per request and capacity, every model up at once, in interleaved rounds

    def plan(self) -> Plan | None:
        """The rounds as measure.rounds runs them, with the SLO of scenarios.toml."""
        if self.rounds is None:
            return None
        return Plan(**asdict(self.rounds), slo_p99_ms=scenarios.slo_p99_ms())

    def scenario(self, name: str) -> Scenario:
        """The scenario as this profile runs it."""
        if name in CHAINS:
            return scenarios.chained(name, [self.scenario(part) for part in CHAINS[name]])
        capacity = name == "capacity"
        loaded = scenarios.load(name, users=self.capacity_users if capacity else self.users)
        shaped = replace(loaded.rescaled(self.duration_s(loaded)), warmup_s=self.warmup_s, profile=self.name)
        if capacity or self.rounds is None:
            return shaped
        # Every other phase, the faults' too, under the rounds' open loop at the cost rate: a load every model
        # holds (half the lowest knee measured here), the same for each, and one that a fault cannot slow down.
        return replace(shaped, rate=self.rounds.cost_rate, mix=self.rounds.mix)

    def measured(self) -> list[str]:
        """The scenarios this profile reports on, chains spelt out."""
        return [part for name in self.scenarios for part in parts(name)]

    def duration_s(self, scenario: Scenario) -> float:
        if scenario.shape == "step":
            return self.capacity_s
        return self.restart_s if any(f.kind in RESTARTING for f in scenario.faults) else self.load_s

    def estimate_s(self, overhead_s: float = 3.0) -> float:
        """Rough time per model, for the ETA: load, plus seed/idle/warm-up/Locust start per run, plus start-up."""
        load = sum(self.scenario(s).duration_s for s in self.scenarios)
        per_run = overhead_s + self.warmup_s + self.run_idle_s
        return self.repeats * (load + len(self.scenarios) * per_run + 20.0 + self.idle_s) + self.rounds_estimate_s()

    def rounds_estimate_s(self, overhead_s: float = 4.0) -> float:
        """The rounds' share per model: its idle reading, its cost runs and its sweeps, each with Locust's start."""
        if self.rounds is None:
            return 0.0
        plan = self.rounds
        sweep = len(plan.sweep_rates) * plan.sweep_step_s + overhead_s
        return plan.rounds * (plan.cost_s + overhead_s + 1.5) + len(plan.sweep_rounds) * sweep + 10.0


def parts(phase: str) -> tuple[str, ...]:
    """The scenarios one phase measures: a chain's parts, or the phase itself."""
    return CHAINS.get(phase, (phase,))


PROFILES: dict[str, Profile] = {
    "smoke": Profile(
        "smoke", "seconds per phase, for tests: the chain of steady, assaults and redeploy, capacity and one crash; "
        "two short rounds",
        ("grades-chain", "capacity", "crash-grades"),
        load_s=10, capacity_s=15, restart_s=10, users=8, capacity_users=40, warmup_s=2, idle_s=2, repeats=1,
        rounds=RoundsPlan(rounds=2, cost_rate=50, cost_s=3, sweep_rates=(50, 100), sweep_step_s=2, sweep_rounds=(0,)),
    ),
    "quick": Profile(
        "quick", "start-up, footprint, a CPU hog and a leak past the memory limit in Grades, the kill of one Grades "
        "unit and of all of them, the power cut of Grades' machine (C), per model; then cost per request of every "
        "model in three interleaved rounds (no sweep: one sweep cannot place a knee on this host, full sweeps three "
        "times)",
        ("isolation-chain", "crash-grades-one", "poweroff-grades", "crash-grades"),
        load_s=9, capacity_s=20, restart_s=16, users=10, capacity_users=50, warmup_s=0.5, idle_s=3,
        repeats=1, run_idle_s=0.5,
        rounds=RoundsPlan(rounds=3, cost_rate=150, cost_s=8, sweep_rates=(), sweep_step_s=4, sweep_rounds=()),
    ),
    "full": Profile(
        "full", "every fault, each phase twice (both shown), the assaults on Grades and its redeploy in one chain; "
        "five rounds of cost per request, three of them with a sweep of offered rates for the knee",
        ORDER, load_s=12, capacity_s=40, restart_s=20, users=None, capacity_users=None, warmup_s=2, idle_s=5,
        repeats=2, run_idle_s=1,
        rounds=RoundsPlan(rounds=5, cost_rate=150, cost_s=10, sweep_rates=(100, 150, 200, 250, 300, 350, 400),
                          sweep_step_s=4, sweep_rounds=(0, 2, 4)),
    ),
}


def get(name: str) -> Profile:
    if name not in PROFILES:
        raise UsageError(f"unknown profile {name!r}: choose one of {', '.join(PROFILES)}")
    return PROFILES[name]


def parse_models(text: str) -> list[str]:
    """'a,b,d-swarm' -> ['a', 'b', 'd-swarm'], in the order given, without repeats."""
    chosen: list[str] = []
    for word in (w.strip().lower() for w in text.split(",")):
        if not word:
            continue
        if word not in ALL_MODELS:
            raise UsageError(f"unknown model {word!r}: choose from {', '.join(ALL_MODELS)}")
        if word not in chosen:
            chosen.append(word)
    if not chosen:
        raise UsageError("--models names no model")
    return chosen
