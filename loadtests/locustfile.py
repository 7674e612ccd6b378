"""deploylab's load test: `locust -f loadtests/locustfile.py --host http://127.0.0.1:8000`.

Works on its own (web UI or --headless) against any model. Extra options:
  --shape steady|step|spike   the load shape (loadtests/shapes.py); --users is its peak
  --request-log PATH          append every request to PATH (pid-suffixed per process) for exact analysis
  --think-scale X             users' think time x X (0: closed loop, as a capacity search needs)
  --health-wait SECONDS       how long a user waits for /healthz at start (default 10)
Users and their weights: loadtests/users.py.

Open loop (loadtests/open_loop.py; loadtests/README.md): requests on a schedule, whatever the answers do.
  --arrival-rate R            total arrivals per second until --run-time (or Ctrl-C) ends the run
  --rate-steps R:S,R:S,...    rates held S seconds each, one after the other; the run ends with the last step
  --mix students=S,grades=G,web=W   each arrival's group (default: the closed-loop users' own mix by their
                              weights, students=0.545,grades=0.364,web=0.091; loadtests/README.md)
  --arrivals poisson|uniform  exponential or equal gaps (default poisson)
  --seed N                    the same schedule, mix and ids each run (default: a new one each run)
  --in-flight-cap N           requests awaiting an answer at once; an arrival over it is a failure (default 256)
Either of the first two switches the run to the open loop: the closed-loop users do not run, one
`OpenLoopUser` (a dispatcher) runs per Locust process whatever --users says, and --shape only keeps its
--run-time. Latencies count from each request's scheduled time.
"""

from __future__ import annotations

import argparse
import math
import signal
import sys
from collections.abc import Callable

# The package installed with the lab (pip install -e .): this folder, as deploylab_loadtests.
from deploylab_loadtests import open_loop
from deploylab_loadtests.request_log import RequestLog
from deploylab_loadtests.shapes import SHAPES, TableShape  # noqa: F401  (Locust finds the shape and users here)
from deploylab_loadtests.users import HEALTH_WAIT_S, ApiUser, BrowsingUser  # noqa: F401
from locust import User, events, task
from locust.exception import StopUser
from locust.user.users import LOCUST_STATE_STOPPING

# Ctrl-C, or the lab's runner ending a run early, stops Locust with SIGINT; a shell that started the lab in
# the background (CI) hands SIGINT down ignored, and Locust would then never stop or write its files.
signal.signal(signal.SIGINT, signal.default_int_handler)


@events.init_command_line_parser.add_listener
def _options(parser) -> None:
    parser.add_argument("--shape", choices=sorted(SHAPES), default="steady", help="load shape (loadtests/shapes.py)")
    parser.add_argument("--request-log", default="", help="CSV of every request, one file per process (pid suffix)")
    parser.add_argument("--think-scale", type=float, default=1.0, help="users' think time x this (0: no waiting)")
    parser.add_argument("--health-wait", type=float, default=HEALTH_WAIT_S, help="seconds a user waits for /healthz")
    # The open loop's options stay off the web UI: they choose the user classes once, at start.
    hidden = {"include_in_web_ui": False}
    parser.add_argument("--arrival-rate", type=_positive, default=None, **hidden,
                        help="open loop: total arrivals per second (instead of the closed-loop users)")
    parser.add_argument("--rate-steps", type=_checked(open_loop.parse_rate_steps), default=None, **hidden,
                        help="open loop: rate:seconds,... held one after the other; the run ends after the last")
    parser.add_argument("--mix", type=_checked(open_loop.parse_mix), default=open_loop.format_mix(open_loop.DEFAULT_MIX),
                        **hidden, help="open loop: each group's share of arrivals (default, the closed-loop users' mix: %(default)s)")
    parser.add_argument("--arrivals", choices=open_loop.ARRIVALS, default="poisson", **hidden,
                        help="open loop: exponential (poisson) or equal (uniform) gaps between arrivals")
    parser.add_argument("--seed", type=int, default=None, **hidden, help="open loop: seed of the schedule and choices")
    parser.add_argument("--in-flight-cap", type=int, default=open_loop.IN_FLIGHT_CAP, **hidden,
                        help="open loop: requests awaiting an answer at once; an arrival over it is a failure")


def _positive(text: str) -> float:
    value = float(text)
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"{text} is not a positive rate")
    return value


def _checked(parse: Callable[[str], object]) -> Callable[[str], str]:
    """An option's text, kept as text once `parse` accepted it; its complaint becomes the usage error."""
    def check(text: str) -> str:
        try:
            parse(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None
        return text
    return check


class OpenLoopUser(User):
    """The open loop's dispatcher (loadtests/open_loop.py). Abstract, so Locust does not collect it: the init
    listener below makes it the only user class when --arrival-rate or --rate-steps is given, one per process."""

    abstract = True
    fixed_count = 1  # the master's count: one per worker process (set in _select_users); --users cannot add more

    @task
    def dispatch(self) -> None:
        settings = open_loop.settings_from(self.environment.parsed_options)
        assert settings is not None  # this class only runs when the open loop was asked for
        part, parts = _process_part(self.environment)
        self.dispatcher = open_loop.Dispatcher(self.environment, settings, part, parts)
        self.dispatcher.run(lambda: self._state == LOCUST_STATE_STOPPING)
        if settings.ends and _is_local(self.environment):
            _end_run(self.environment)
        raise StopUser()  # one schedule per process: nothing is sent again

    def on_stop(self) -> None:
        dispatcher = getattr(self, "dispatcher", None)
        if dispatcher is not None:
            dispatcher.finish()


@events.init.add_listener
def _select_users(environment, **_) -> None:
    """With --arrival-rate or --rate-steps the open loop replaces the closed-loop users (and any named on the
    command line): they must not add load of their own on top of the schedule."""
    try:
        settings = open_loop.settings_from(environment.parsed_options) if environment.parsed_options else None
    except ValueError as error:
        open_loop.logger.error(f"open loop: {error}")
        sys.exit(2)
    if settings is None:
        return
    dispatchers = _process_count(environment)
    OpenLoopUser.fixed_count = dispatchers
    environment.user_classes[:] = [OpenLoopUser]
    # --users would cap the dispatchers (a user count below the fixed count spawns fewer) and cannot add any:
    # the load shape reads it, so it becomes the number of dispatchers.
    environment.parsed_options.num_users = dispatchers


def _process_count(environment) -> int:
    """Processes that make requests: the master's expected workers (--processes sets them), else this one."""
    from locust.runners import MasterRunner, WorkerRunner

    if isinstance(environment.runner, MasterRunner | WorkerRunner):
        return max(1, int(getattr(environment.parsed_options, "expect_workers", 1) or 1))
    return 1


def _process_part(environment) -> tuple[int, int]:
    """(this process's index, processes): each dispatcher sends its share of the rate."""
    parts = _process_count(environment)
    return max(0, int(getattr(environment.runner, "worker_index", 0) or 0)) % parts, parts


def _is_local(environment) -> bool:
    from locust.runners import LocalRunner

    return isinstance(environment.runner, LocalRunner)


def _end_run(environment) -> None:
    """The schedule is over: end the run as a load shape's last tick does (quit headless, stop with a web UI)."""
    import gevent

    runner = environment.runner
    headless = bool(environment.parsed_options and environment.parsed_options.headless)
    gevent.spawn(runner.quit if headless else runner.stop)


@events.init.add_listener
def _request_log(environment, **_) -> None:
    path = getattr(environment.parsed_options, "request_log", "") if environment.parsed_options else ""
    if path and not _is_master(environment):
        log = RequestLog(path)
        environment.events.request.add_listener(log.on_request)
        environment.events.test_stop.add_listener(log.close)
        environment.events.quitting.add_listener(log.close)


def _is_master(environment) -> bool:
    from locust.runners import MasterRunner

    return isinstance(environment.runner, MasterRunner)
