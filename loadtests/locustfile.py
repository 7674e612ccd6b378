"""deploylab's load test: `locust -f loadtests/locustfile.py --host http://127.0.0.1:8000`.

Works on its own (web UI or --headless) against any model. Extra options:
  --shape steady|step|spike   the load shape (loadtests/shapes.py); --users is its peak
  --request-log PATH          append every request to PATH (pid-suffixed per process) for exact analysis
  --think-scale X             users' think time x X (0: closed loop, as a capacity search needs)
  --health-wait SECONDS       how long a user waits for /healthz at start (default 10)
Users and their weights: loadtests/users.py.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path

from locust import events

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `locust -f` imports this file as a script

# Ctrl-C, or the lab's runner ending a run early, stops Locust with SIGINT; a shell that started the lab in
# the background (CI) hands SIGINT down ignored, and Locust would then never stop or write its files.
signal.signal(signal.SIGINT, signal.default_int_handler)

from loadtests.request_log import RequestLog  # noqa: E402
from loadtests.shapes import SHAPES, TableShape  # noqa: E402,F401  (Locust finds the shape and users here)
from loadtests.users import HEALTH_WAIT_S, ApiUser, BrowsingUser  # noqa: E402,F401


@events.init_command_line_parser.add_listener
def _options(parser) -> None:
    parser.add_argument("--shape", choices=sorted(SHAPES), default="steady", help="load shape (loadtests/shapes.py)")
    parser.add_argument("--request-log", default="", help="CSV of every request, one file per process (pid suffix)")
    parser.add_argument("--think-scale", type=float, default=1.0, help="users' think time x this (0: no waiting)")
    parser.add_argument("--health-wait", type=float, default=HEALTH_WAIT_S, help="seconds a user waits for /healthz")


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
