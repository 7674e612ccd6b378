"""Open-loop load: requests arrive on a schedule, whatever the answers do (`--arrival-rate`, `--rate-steps`).

A closed loop (loadtests/users.py) lets a struggling system slow its own load down, so stalls are
under-sampled ("coordinated omission"). Here one dispatcher per Locust process sends on a fixed
schedule (Poisson or evenly spaced arrivals at a given total rate), each arrival picks its endpoint
group by a fixed mix and then one of that group's read-only requests, and every latency is counted
from the *scheduled* send time. How far the generator itself fell behind its schedule (lag) is
recorded per request and watched: a generator near its limit measures itself.

The pure parts (parsing, the schedule, the mix, the lag monitor) import neither Locust nor gevent's
monkey-patching, so the lab's own process and its unit tests can use them. `Dispatcher` is the part
that runs inside Locust; the locustfile's `OpenLoopUser` drives it.
"""

from __future__ import annotations

import logging
import math
import random
import time
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .groups import DEGRADED_SUFFIX, GROUPS, SETUP_NAME

logger = logging.getLogger("locust.open_loop")  # under Locust's logger: its handlers and --logfile apply

ARRIVALS = ("poisson", "uniform")
IN_FLIGHT_CAP = 256  # requests waiting for an answer at once; one connection each, so none queues in the client
CAP_FAILURE = "generator: in-flight cap"
LAG_WARN_MS = 10.0  # p99 send lag above this: the generator cannot keep its schedule
LAG_WINDOW_S = 5.0  # the lag's p99 is judged per window, so a late stretch is not averaged away
NETWORK_TIMEOUT_S = 10.0  # as the closed-loop users
START_LEAD_S = 0.05  # the schedule starts a little after it is computed, so the first arrival is not late
GRADE_IDS = tuple(f"G{n}" for n in range(1, 13))  # as loadtests/users.py and the seed (deploylab.measure.seed)
FALLBACK_STUDENT_IDS = tuple(range(1, 201))  # the seed's 200 students on a fresh deployment
LOAD_NAMES = ("Load", "Api Load")  # students the closed-loop users create: not part of the seed


# --- the mix ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Endpoint:
    weight: int
    name: str  # the request name, grouped as loadtests/groups.py expects
    path: str  # formatted with student, grade and offset


# The closed-loop users' read-only requests, with the same task weights (loadtests/users.py).
ENDPOINTS: dict[str, tuple[Endpoint, ...]] = {
    "students": (Endpoint(4, "/students", "/students?limit=20&offset={offset}"),
                 Endpoint(6, "/students/[id]", "/students/{student}")),
    "grades": (Endpoint(3, "/grades", "/grades"), Endpoint(5, "/grades/[id]", "/grades/{grade}")),
    "web": (Endpoint(10, "/", "/"), Endpoint(2, "/update/[id]", "/update/{student}")),
}

# What the closed-loop users send per task, to derive the default mix from their weights:
# class -> (user weight, mean think time s, ((task weight, {group: requests per task}), ...)).
# The task weights and requests follow loadtests/users.py; tests/lab/test_open_loop.py checks the weights.
CLOSED_LOOP_TASKS: dict[str, tuple[int, float, tuple[tuple[int, dict[str, int]], ...]]] = {
    "BrowsingUser": (1, 2.0, (
        (10, {"web": 1}),  # home: /
        (2, {"web": 1}),  # edit_form: /update/[id]
        (1, {"students": 1, "web": 1}),  # save_form: /students/[id], POST /update/[id]
        (1, {"web": 2, "students": 2}),  # add_and_delete: POST /, /students twice, POST /delete/[id]
    )),
    "ApiUser": (3, 0.6, (
        (4, {"students": 1}),  # list_students
        (6, {"students": 1}),  # one_student
        (3, {"grades": 1}),  # list_grades
        (5, {"grades": 1}),  # one_grade
        (1, {"students": 2}),  # create_and_delete_student
        (1, {"students": 1}),  # update_student
        (1, {"grades": 1}),  # create_grade
    )),
}


def closed_loop_mix(table: Mapping[str, tuple[int, float, Sequence[tuple[int, Mapping[str, int]]]]]) -> dict[str, float]:
    """Each group's share of the requests the closed-loop users send at think scale 1, answers taken as instant:
    a user sends 1 / (mean think) tasks per second, split by task weight."""
    rates = dict.fromkeys(GROUPS, 0.0)
    for user_weight, think_s, tasks in table.values():
        total = sum(weight for weight, _ in tasks)
        for weight, requests in tasks:
            for group, count in requests.items():
                rates[group] += user_weight / think_s * weight / total * count
    return normalise(rates)


def normalise(mix: Mapping[str, float]) -> dict[str, float]:
    total = sum(mix.values())
    if total <= 0:
        raise ValueError("a mix needs at least one group with a positive share")
    return {group: mix.get(group, 0.0) / total for group in GROUPS}


DEFAULT_MIX = closed_loop_mix(CLOSED_LOOP_TASKS)  # students 0.545, grades 0.364, web 0.091


def format_mix(mix: Mapping[str, float]) -> str:
    return ",".join(f"{group}={mix.get(group, 0.0):.3f}" for group in GROUPS)


def parse_mix(text: str) -> dict[str, float]:
    """'students=0.45,grades=0.35,web=0.20' -> shares summing to 1 (any positive scale: 45,35,20 works too)."""
    shares: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        group, sep, value = part.partition("=")
        group = group.strip()
        if not sep or group not in GROUPS:
            raise ValueError(f"bad mix entry {part!r}: use group=share with group one of {', '.join(GROUPS)}")
        share = float(value)
        if share < 0 or not math.isfinite(share):
            raise ValueError(f"bad share {value!r} for {group}: must be >= 0")
        shares[group] = share
    return normalise(shares)


# --- the schedule ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    rate: float  # arrivals per second
    seconds: float  # math.inf: until the run stops


@dataclass(frozen=True)
class Arrival:
    t: float  # seconds after the schedule's start
    step: int  # index into the steps
    rate: float  # the step's offered rate


def parse_rate_steps(text: str) -> list[Step]:
    """'50:10,100:10,150:10' (rate:seconds) -> steps."""
    steps = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        rate, sep, seconds = part.partition(":")
        if not sep:
            raise ValueError(f"bad rate step {part!r}: use rate:seconds, as in 50:10")
        step = Step(float(rate), float(seconds))
        if not (step.rate >= 0 and math.isfinite(step.rate) and step.seconds > 0 and math.isfinite(step.seconds)):
            raise ValueError(f"bad rate step {part!r}: rate >= 0 and seconds > 0")
        steps.append(step)
    if not steps:
        raise ValueError("--rate-steps needs at least one rate:seconds")
    return steps


def arrivals(steps: Sequence[Step], kind: str, rng: random.Random) -> Iterator[Arrival]:
    """Arrival times over consecutive steps. Poisson: exponential gaps at each step's rate, restarted at each
    step's start (memoryless, so that is still a Poisson process); uniform: evenly spaced from each step's start."""
    if kind not in ARRIVALS:
        raise ValueError(f"unknown arrivals {kind!r}: choose one of {', '.join(ARRIVALS)}")
    begin = 0.0
    for index, step in enumerate(steps):
        end = begin + step.seconds
        if step.rate > 0:
            times = _poisson(begin, end, step.rate, rng) if kind == "poisson" else _uniform(begin, end, step.rate)
            for t in times:
                yield Arrival(t, index, step.rate)
        begin = end


def _poisson(begin: float, end: float, rate: float, rng: random.Random) -> Iterator[float]:
    t = begin + rng.expovariate(rate)
    while t < end:
        yield t
        t += rng.expovariate(rate)


def _uniform(begin: float, end: float, rate: float) -> Iterator[float]:
    k = 0
    while (t := begin + k / rate) < end:  # k / rate, not a running sum: no drift over long steps
        yield t
        k += 1


def schedule_length(steps: Sequence[Step]) -> float:
    return sum(step.seconds for step in steps)


@dataclass(frozen=True)
class Request:
    group: str
    name: str
    path: str


class Chooser:
    """Picks each arrival's group by the fixed mix, then an endpoint of it by the users' task weights."""

    def __init__(self, mix: Mapping[str, float], rng: random.Random, student_ids: Sequence[int] = FALLBACK_STUDENT_IDS):
        self.rng = rng
        self.groups = [group for group in GROUPS if mix.get(group, 0.0) > 0]
        self.group_weights = [mix[group] for group in self.groups]
        self.student_ids = list(student_ids) or list(FALLBACK_STUDENT_IDS)

    def __call__(self) -> Request:
        group = self.rng.choices(self.groups, self.group_weights)[0]
        options = ENDPOINTS[group]
        endpoint = self.rng.choices(options, [e.weight for e in options])[0]
        path = endpoint.path.format(student=self.rng.choice(self.student_ids), grade=self.rng.choice(GRADE_IDS),
                                    offset=self.rng.randrange(0, 180))
        return Request(group, endpoint.name, path)


# --- the generator's own lag -----------------------------------------------------------------------------------

def nearest_rank(ordered: Sequence[float], q: float) -> float:
    """As deploylab.measure.analysis.percentile, on values already sorted."""
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


class LagMonitor:
    """Send lag (ms behind schedule) per request: running max, per-window p99, a warning when it is too late."""

    def __init__(self, warn_ms: float = LAG_WARN_MS, window_s: float = LAG_WINDOW_S,
                 warn: Callable[[str], None] = logger.warning) -> None:
        self.warn_ms, self.window_s, self._warn = warn_ms, window_s, warn
        self.all = array("d")  # 8 bytes a request: 300,000 requests are 2.4 MB
        self.max_ms = 0.0
        self.warnings = 0
        self._window: list[float] = []
        self._window_start: float | None = None

    def add(self, lag_ms: float, now: float) -> None:
        if self._window_start is None:
            self._window_start = now
        if now - self._window_start >= self.window_s:
            self.close_window()
            self._window_start = now
        self.all.append(lag_ms)
        self._window.append(lag_ms)
        self.max_ms = max(self.max_ms, lag_ms)

    def close_window(self) -> float | None:
        """The window's p99; warns when it exceeds warn_ms."""
        if not self._window:
            return None
        ordered = sorted(self._window)
        p99 = nearest_rank(ordered, 0.99)
        if p99 > self.warn_ms:
            self.warnings += 1
            self._warn(f"open loop: the generator fell behind its schedule: p99 send lag {p99:.1f} ms "
                       f"(max {ordered[-1]:.1f} ms) over {len(ordered)} requests; latencies now include the generator's")
        self._window = []
        return p99

    def summary(self) -> str:
        if not self.all:
            return "no requests sent"
        ordered = sorted(self.all)
        return (f"send lag over {len(ordered)} requests: p50 {nearest_rank(ordered, 0.5):.2f} ms, "
                f"p99 {nearest_rank(ordered, 0.99):.2f} ms, max {ordered[-1]:.2f} ms")


# --- the part that runs inside Locust --------------------------------------------------------------------------

@dataclass(frozen=True)
class Settings:
    steps: tuple[Step, ...]
    kind: str = "poisson"
    mix: tuple[tuple[str, float], ...] = tuple(DEFAULT_MIX.items())
    seed: int | None = None
    cap: int = IN_FLIGHT_CAP
    health_wait_s: float = 10.0
    ends: bool = False  # --rate-steps: the run ends when the schedule does


def settings_from(options: Any) -> Settings | None:
    """The open loop's settings from Locust's parsed options; None when neither --arrival-rate nor --rate-steps."""
    rate = getattr(options, "arrival_rate", None)
    steps_text = getattr(options, "rate_steps", "") or ""
    if rate is None and not steps_text:
        return None
    if rate is not None and steps_text:
        raise ValueError("give --arrival-rate or --rate-steps, not both")
    if steps_text:
        steps = tuple(parse_rate_steps(steps_text))
    else:
        steps = (Step(float(rate or 0.0), math.inf),)
    return Settings(steps=steps, kind=options.arrivals, mix=tuple(parse_mix(options.mix).items()),
                    seed=options.seed, cap=options.in_flight_cap, health_wait_s=float(options.health_wait),
                    ends=bool(steps_text))


def share(steps: Sequence[Step], parts: int) -> tuple[Step, ...]:
    """One process's part of the schedule when `parts` processes each run a dispatcher: the rate split evenly.
    Poisson streams add up to a Poisson stream at the total rate."""
    return tuple(Step(step.rate / parts, step.seconds) for step in steps)


class GeneratorOverload(Exception):
    """An arrival found the in-flight cap full: recorded as a failure, never dropped in silence."""


class _CorrectedEvent:
    """Stands in for Locust's request event in the open loop's HTTP session: counts each latency from the
    request's scheduled send time (coordinated omission corrected) and dates the request at that time."""

    def __init__(self, request_event: Any) -> None:
        self._event = request_event

    def fire(self, **meta: Any) -> None:
        context = meta.get("context") or {}
        scheduled = context.get("scheduled_perf")
        if scheduled is not None:
            meta["response_time"] = (time.perf_counter() - scheduled) * 1000
            meta["start_time"] = context["scheduled"]
        self._event.fire(**meta)


class Dispatcher:
    """Sends on the schedule: sleeps until each arrival's time, then hands it to a greenlet of a bounded pool."""

    def __init__(self, environment: Any, settings: Settings, part: int = 0, parts: int = 1) -> None:
        import gevent.pool  # not at import: the pure parts above serve processes without gevent
        from locust.contrib.fasthttp import FastHttpSession

        self.environment, self.settings = environment, settings
        seed = None if settings.seed is None else settings.seed + part  # each process its own reproducible stream
        self.rng = random.Random(seed)
        self.steps = share(settings.steps, parts)
        self.pool = gevent.pool.Pool(settings.cap)
        self.session = FastHttpSession(environment.host, request_event=_CorrectedEvent(environment.events.request),
                                       user=None, network_timeout=NETWORK_TIMEOUT_S, connection_timeout=5.0, max_retries=0,
                                       concurrency=settings.cap)
        self.lag = LagMonitor()
        self.scheduled = self.refused = 0
        self.finished = False

    def run(self, stopping: Callable[[], bool]) -> None:
        import gevent

        chooser = Chooser(dict(self.settings.mix), self.rng, self._wait_ready())
        start = time.perf_counter() + START_LEAD_S
        to_wall = time.time() - time.perf_counter()
        for arrival in arrivals(self.steps, self.settings.kind, self.rng):
            if stopping():
                break
            due = start + arrival.t
            delay = due - time.perf_counter()
            if delay > 0:
                gevent.sleep(delay)
            elif self.scheduled % 64 == 0:
                gevent.sleep(0)  # behind schedule: catch up, but let the senders run now and then
            self._dispatch(chooser(), arrival, due, due + to_wall)
        end = start + schedule_length(self.steps)
        if not stopping() and math.isfinite(end):
            gevent.sleep(max(0.0, end - time.perf_counter()))  # a last step without arrivals still lasts
        self.pool.join(timeout=NETWORK_TIMEOUT_S)  # the last answers, at most one timeout
        self.finish()

    def _dispatch(self, request: Request, arrival: Arrival, due: float, due_wall: float) -> None:
        self.scheduled += 1
        offered = self.settings.steps[arrival.step].rate  # the total rate, over every process
        context = {"scheduled": due_wall, "scheduled_perf": due, "step": arrival.step, "rate": offered,
                   "lag_ms": None}
        if self.pool.full():
            self.refused += 1
            context["lag_ms"] = max(0.0, (time.perf_counter() - due) * 1000)
            self.environment.events.request.fire(
                request_type="GET", name=request.name, response_time=0.0, response_length=0, response=None,
                context=context, exception=GeneratorOverload(CAP_FAILURE), start_time=due_wall, url=request.path)
            return
        self.pool.spawn(self._send, request, context)

    def _send(self, request: Request, context: dict[str, Any]) -> None:
        now = time.perf_counter()
        lag_ms = max(0.0, (now - context["scheduled_perf"]) * 1000)
        context["lag_ms"] = lag_ms
        self.lag.add(lag_ms, now)
        with self.session.get(request.path, name=request.name, catch_response=True, context=context) as response:
            if response.status_code == 200 and response.headers.get("X-Degraded"):
                response.request_meta["name"] = request.name + DEGRADED_SUFFIX  # counted apart, as users.py does
                response.success()

    def _wait_ready(self) -> list[int]:
        """As the closed-loop users: wait briefly for the entry's health, then ask which students the seed made.
        Setup, not measurements: these requests carry SETUP_NAME and the request log skips them."""
        deadline = time.monotonic() + self.settings.health_wait_s
        ready = False
        while not ready and time.monotonic() < deadline:
            with self.session.get("/healthz", name=SETUP_NAME, catch_response=True) as response:
                response.success()
                ready = response.status_code == 200
            if not ready:
                time.sleep(0.5)
        if not ready:
            return []
        with self.session.get("/students?limit=500", name=SETUP_NAME, catch_response=True) as response:
            response.success()
            try:
                return [s["id"] for s in response.json() if not str(s.get("name", "")).startswith(LOAD_NAMES)]
            except (ValueError, TypeError, KeyError, AttributeError):
                return []

    def finish(self) -> None:
        """Stops what is still in flight (the run is over) and says how the generator kept its schedule."""
        if self.finished:
            return
        self.finished = True
        dropped = len(self.pool)
        self.pool.kill(block=False)
        self.lag.close_window()
        logger.info(f"open loop: {self.scheduled} arrivals scheduled, {self.refused} refused at the in-flight cap "
                    f"({self.settings.cap}), {dropped} unanswered at the end (not recorded); {self.lag.summary()}")
