"""The open loop (loadtests/open_loop.py): the schedule as a pure function, and real Locust runs against a tiny
fake server on 127.0.0.1 (an ephemeral port) that can stall, to show the coordinated-omission correction."""

from __future__ import annotations

import ast
import csv
import json
import random
import statistics
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from deploylab_loadtests import open_loop
from deploylab_loadtests.groups import GROUPS
from deploylab_loadtests.open_loop import Step

from deploylab.platform import loadgen
from deploylab.platform.ports import free_port
from deploylab.platform.probe import http_status

ROOT = Path(__file__).resolve().parents[2]


# --- pure parts --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", open_loop.ARRIVALS)
def test_the_schedule_has_the_asked_mean_rate_and_spacing(kind: str) -> None:
    times = [a.t for a in open_loop.arrivals([Step(200.0, 50.0)], kind, random.Random(7))]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert len(times) == pytest.approx(200 * 50, rel=0.03)
    assert statistics.fmean(gaps) == pytest.approx(1 / 200, rel=0.03)
    assert all(0 <= t < 50 for t in times) and times == sorted(times)
    if kind == "uniform":
        assert len(times) == 10_000 and max(gaps) - min(gaps) < 1e-9  # equal gaps, no drift
    else:  # exponential gaps: standard deviation equal to the mean
        assert statistics.stdev(gaps) == pytest.approx(1 / 200, rel=0.05)


def test_the_schedule_is_reproducible_with_a_seed() -> None:
    steps = [Step(100.0, 5.0)]
    first = list(open_loop.arrivals(steps, "poisson", random.Random(3)))
    assert first == list(open_loop.arrivals(steps, "poisson", random.Random(3)))
    assert first != list(open_loop.arrivals(steps, "poisson", random.Random(4)))


def test_rate_steps_follow_one_another_and_say_which_step_an_arrival_belongs_to() -> None:
    steps = open_loop.parse_rate_steps("50:2, 0:1, 150:2")
    assert steps == [Step(50, 2), Step(0, 1), Step(150, 2)]
    plan = list(open_loop.arrivals(steps, "uniform", random.Random(0)))
    assert Counter(a.step for a in plan) == {0: 100, 2: 300}
    assert all(0 <= a.t < 2 for a in plan if a.step == 0) and all(3 <= a.t < 5 for a in plan if a.step == 2)
    assert {a.rate for a in plan if a.step == 2} == {150}
    assert open_loop.schedule_length(steps) == 5
    for bad in ("", "50", "50:0", "-1:5", "x:5"):
        with pytest.raises(ValueError):
            open_loop.parse_rate_steps(bad)


def test_the_mix_parses_normalises_and_rejects_unknown_groups() -> None:
    assert open_loop.parse_mix("students=45,grades=35,web=20") == pytest.approx(
        {"students": 0.45, "grades": 0.35, "web": 0.20})
    assert open_loop.parse_mix("web=1") == {"students": 0.0, "grades": 0.0, "web": 1.0}
    for bad in ("admin=1", "students", "students=-1", "students=0"):
        with pytest.raises(ValueError):
            open_loop.parse_mix(bad)
    assert open_loop.parse_mix(open_loop.format_mix(open_loop.DEFAULT_MIX)) == pytest.approx(
        open_loop.DEFAULT_MIX, abs=1e-3)


def test_each_arrival_picks_its_group_by_the_mix_and_an_endpoint_named_as_the_groups_expect() -> None:
    choose = open_loop.Chooser({"students": 0.5, "grades": 0.3, "web": 0.2}, random.Random(1), [5, 6])
    picks = [choose() for _ in range(20_000)]
    counts = Counter(p.group for p in picks)
    for group, share in (("students", 0.5), ("grades", 0.3), ("web", 0.2)):
        assert counts[group] / len(picks) == pytest.approx(share, abs=0.015)
    names = {p.name for p in picks}
    assert names == {"/students", "/students/[id]", "/grades", "/grades/[id]", "/", "/update/[id]"}
    assert {p.path for p in picks if p.name == "/students/[id]"} == {"/students/5", "/students/6"}
    from deploylab_loadtests.groups import group_of
    assert all(group_of(p.name) == p.group for p in picks)


def test_the_default_mix_is_what_the_closed_loop_users_send_by_their_weights() -> None:
    """students 0.545, grades 0.364, web 0.091: think scale 1, answers taken as instant. The table it comes from
    must keep the weights of loadtests/users.py (read from its source: importing it would start gevent here)."""
    assert open_loop.DEFAULT_MIX == pytest.approx({"students": 0.5445, "grades": 0.3644, "web": 0.0911}, abs=1e-4)
    users = _users_source_weights()
    for cls, (weight, think_s, tasks) in open_loop.CLOSED_LOOP_TASKS.items():
        assert users[cls][0] == weight and users[cls][1] == pytest.approx(think_s)
        assert users[cls][2] == [w for w, _ in tasks], f"{cls}'s task weights changed: recompute CLOSED_LOOP_TASKS"


def _users_source_weights() -> dict[str, tuple[int, float, list[int]]]:
    tree = ast.parse((ROOT / "loadtests" / "users.py").read_text())
    result = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name in open_loop.CLOSED_LOOP_TASKS:
            values = {t.id: ast.literal_eval(s.value) for s in node.body if isinstance(s, ast.Assign)
                      for t in s.targets if isinstance(t, ast.Name)}
            tasks = [ast.literal_eval(d.args[0]) for f in node.body if isinstance(f, ast.FunctionDef)
                     for d in f.decorator_list if isinstance(d, ast.Call) and getattr(d.func, "id", "") == "task"]
            result[node.name] = (values["weight"], statistics.fmean(values["think_s"]), tasks)
    return result


def test_the_lag_monitor_warns_when_the_windows_p99_is_late() -> None:
    warnings: list[str] = []
    monitor = open_loop.LagMonitor(warn_ms=10, window_s=1, warn=warnings.append)
    for i in range(200):
        monitor.add(0.5, now=i * 0.004)  # first window, 0.8 s: on time
    for i in range(200):
        monitor.add(25.0 if i % 10 == 0 else 1.0, now=1.0 + i * 0.004)  # 10 % late: the p99 is 25 ms
    assert monitor.close_window() == 25.0
    assert len(warnings) == 1 and "25.0 ms" in warnings[0] and monitor.max_ms == 25.0
    assert "p99 25.00 ms" in monitor.summary() and "over 400 requests" in monitor.summary()


# --- real Locust runs --------------------------------------------------------------------------------------------

class FakeLab(ThreadingHTTPServer):
    """Answers the lab's paths with small bodies. Optionally stalls: from `stall_after_s` after the first measured
    request, for `stall_s`, every request that arrives waits until the stall ends (as a paused process would)."""

    daemon_threads = True
    stall_after_s: float | None = None
    stall_s = 1.0
    first: float | None = None
    lock = threading.Lock()

    def stall_window(self) -> tuple[float, float] | None:
        if self.first is None or self.stall_after_s is None:
            return None
        start = self.first + self.stall_after_s
        return start, start + self.stall_s


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the generator's pooled connections expect
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK wait between
    server: FakeLab

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        now = time.time()
        measured = self.path != "/healthz" and "limit=500" not in self.path
        with self.server.lock:
            if measured and self.server.first is None:
                self.server.first = now
        window = self.server.stall_window()
        if window and window[0] <= now < window[1]:
            time.sleep(window[1] - now)
        self._answer()

    def _answer(self) -> None:
        path = self.path.split("?")[0]
        headers = {}
        if path.startswith("/students/"):
            body = json.dumps({"id": int(path.rsplit("/", 1)[1]), "name": "Ada Lovelace", "grade": "G1"})
        elif path == "/students":
            body = json.dumps([{"id": n, "name": f"Student {n}", "grade": "G1"} for n in range(1, 21)])
        elif path.startswith("/grades"):
            body = json.dumps({"grade_id": "G1", "building": "North", "teacher": "Mr. Smith"})
        elif path == "/healthz":
            body = json.dumps({"status": "ok"})
        else:  # the web pages; the edit form answers as if Grades were down
            body, headers = "<html><body>roster</body></html>", (
                {"X-Degraded": "grades"} if path.startswith("/update/") else {})
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html" if body.startswith("<") else "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:  # noqa: N802 (the closed-loop users write too; a created thing, whatever was sent)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        data = json.dumps({"id": 999, "name": "Api Load", "grade": "G1"}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_PUT = do_DELETE = do_POST

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the standard library's name)
        pass


@pytest.fixture
def fake_lab() -> Iterator[FakeLab]:
    server = FakeLab(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def run_locust(server: FakeLab, out: Path, *options: str, timeout: float = 30) -> list[dict[str, str]]:
    """Locust headless against the fake server; the request log's rows, by scheduled time."""
    port = server.server_address[1]
    command = [*loadgen.locust(ROOT), "--headless",
               "--host", f"http://127.0.0.1:{port}", "--request-log", str(out / "requests.csv"), "--only-summary",
               "--loglevel", "INFO", "--logfile", str(out / "locust.log"), "--csv", str(out / "locust"), *options]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-2000:]
    rows: list[dict[str, str]] = []
    for path in out.glob("requests.*.csv"):
        with path.open(newline="") as handle:
            rows.extend(csv.DictReader(handle))
    return sorted(rows, key=lambda row: float(row["t"]))


def test_a_stall_shows_in_full_while_the_schedule_goes_on(fake_lab: FakeLab, tmp_path: Path) -> None:
    """100 req/s for 4 s with a fixed mix; the server stalls for 1 s mid-run. Requests scheduled during the stall
    count their latency from their scheduled time (up to the whole stall), and the generator kept sending."""
    fake_lab.stall_after_s, fake_lab.stall_s = 1.5, 1.0
    rows = run_locust(fake_lab, tmp_path, "--arrival-rate", "100", "--run-time", "4s", "--seed", "11",
                      "--mix", "students=0.5,grades=0.3,web=0.2", "-u", "20")
    measured_s = float(rows[-1]["t"]) - float(rows[0]["t"])
    assert 300 <= len(rows) <= 480, len(rows)  # about 100 x (4 s less Locust's start); a busy machine loses some
    assert len(rows) / measured_s == pytest.approx(100, rel=0.15)
    counts = Counter(row["group"] for row in rows)
    for group, share in (("students", 0.5), ("grades", 0.3), ("web", 0.2)):
        assert counts[group] / len(rows) == pytest.approx(share, abs=0.07), counts

    window = fake_lab.stall_window()
    assert window is not None
    stalled = [row for row in rows if window[0] <= float(row["t"]) < window[1]]
    assert len(stalled) == pytest.approx(100 * fake_lab.stall_s, rel=0.3)  # the schedule did not slow down
    assert max(float(row["ms"]) for row in stalled) >= 700  # the first of them waited nearly the whole stall
    before = [float(row["ms"]) for row in rows if float(row["t"]) < window[0] - 0.1]
    assert statistics.median(before) < 50  # the correction does not inflate latencies outside the stall
    assert all(row["outcome"] in ("ok", "degraded") for row in rows)
    assert {row["outcome"] for row in rows if row["name"] == "/update/[id]"} <= {"degraded"}
    assert all(row["lag_ms"] != "" and row["rate"] == "100" and row["step"] == "0" for row in rows)
    assert statistics.median(float(row["lag_ms"]) for row in rows) < 20
    log = (tmp_path / "locust.log").read_text()
    assert "open loop:" in log and "arrivals scheduled" in log


def test_rate_steps_send_the_exact_schedule_and_end_the_run(fake_lab: FakeLab, tmp_path: Path) -> None:
    """Uniform arrivals, 40/s then 120/s for 1.5 s each, seeded: every arrival of the schedule is in the log, with
    its step and offered rate, and the run ends by itself when the last step does (no --run-time)."""
    started = time.monotonic()
    rows = run_locust(fake_lab, tmp_path, "--rate-steps", "40:1.5,120:1.5", "--arrivals", "uniform", "--seed", "5")
    assert time.monotonic() - started < 20
    steps = open_loop.parse_rate_steps("40:1.5,120:1.5")
    expected = Counter(a.step for a in open_loop.arrivals(steps, "uniform", random.Random(5)))
    assert Counter(int(row["step"]) for row in rows) == expected == {0: 60, 1: 180}
    assert {row["rate"] for row in rows if row["step"] == "1"} == {"120"}
    first, second = ([float(row["t"]) for row in rows if row["step"] == s] for s in ("0", "1"))
    assert statistics.median(b - a for a, b in zip(second, second[1:], strict=False)) == pytest.approx(1 / 120, rel=0.05)
    assert min(second) - min(first) == pytest.approx(1.5, abs=0.02)  # times in the log are the scheduled ones
    counts = Counter(row["group"] for row in rows)
    assert set(counts) == set(GROUPS)  # the default mix reaches every group


def test_without_the_open_loop_options_the_locustfile_offers_the_closed_loop_users_only() -> None:
    done = subprocess.run([*loadgen.locust(ROOT), "--list"],
                          cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    users = {line.strip() for line in done.stdout.splitlines()[1:] if line.strip()}
    assert users == {"ApiUser", "BrowsingUser"}


def test_without_the_open_loop_options_a_run_is_the_closed_loop_as_before(fake_lab: FakeLab, tmp_path: Path) -> None:
    rows = run_locust(fake_lab, tmp_path, "-u", "4", "-r", "4", "--run-time", "2s", "--think-scale", "0.2")
    assert rows and {row["name"] for row in rows} & {"/students/[id]", "/grades/[id]", "/"}
    assert all(row["lag_ms"] == row["step"] == row["rate"] == "" for row in rows)  # the open loop's columns: empty
    assert "OpenLoopUser" not in (tmp_path / "locust.log").read_text()


def test_both_rate_options_at_once_are_refused(fake_lab: FakeLab, tmp_path: Path) -> None:
    port = fake_lab.server_address[1]
    done = subprocess.run(
        [*loadgen.locust(ROOT), "--headless", "--host",
         f"http://127.0.0.1:{port}", "--arrival-rate", "10", "--rate-steps", "10:1", "--run-time", "2s"],
        cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert done.returncode != 0 and "not both" in done.stderr


def test_the_web_uis_user_count_and_spawn_rate_are_what_the_closed_loop_runs(fake_lab: FakeLab, tmp_path: Path) -> None:
    """The locustfile always installs its table shape, which reads --users and --spawn-rate each tick: the numbers
    a load-tester types into the web UI's form must become those (the shape's use_common_options), not be
    overridden by the command line's."""
    ui = free_port()
    command = [*loadgen.locust(ROOT), "--host", f"http://127.0.0.1:{fake_lab.server_address[1]}",
               "--web-host", "127.0.0.1", "--web-port", str(ui), "--users", "1", "--spawn-rate", "1",
               "--loglevel", "WARNING", "--logfile", str(tmp_path / "locust.log")]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{ui}"
    try:
        assert wait_until(lambda: http_status(base + "/") == 200, 20), "the web UI did not come up"
        answer = requests.post(base + "/swarm", data={"user_count": "3", "spawn_rate": "3",
                                                      "host": f"http://127.0.0.1:{fake_lab.server_address[1]}"}, timeout=5)
        assert answer.status_code == 200 and answer.json()["success"], answer.text

        def users() -> int:
            return int(requests.get(base + "/stats/requests", timeout=5).json()["user_count"])

        assert wait_until(lambda: users() == 3, 15), f"the UI asked for 3 users, the run has {users()}"
        time.sleep(2)  # the shape ticks each second: it must keep the UI's number, not go back to --users 1
        assert users() == 3
    finally:
        process.terminate()
        process.wait(timeout=15)


def wait_until(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()
