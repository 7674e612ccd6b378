from agent.app import make_app
from agent.config import Config
from agent.procfs import ProcFS
from agent.systemd import Systemd
from werkzeug.test import Client

from .agent_fakes import TOKEN, FakeSystemctl

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def client(config: Config, systemctl: FakeSystemctl) -> Client:
    return Client(make_app(config, ProcFS(config.proc_root), Systemd(systemctl)))


def test_metrics_report_watched_units_and_everything_else_apart(config: Config, systemctl: FakeSystemctl) -> None:
    answer = client(config, systemctl).get("/metrics", headers=AUTH)
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["units"]["grades"]["pids"] == 2
    assert body["units"]["grades"]["state"] == "active"
    assert body["other"]["pids"] == 3
    assert set(body["other"]["by_unit"]) == {"init", "ssh", "deploylab-agent"}
    assert body["host"]["memory"]["total"] == 1000 * 1024


def test_every_route_but_health_wants_the_token(config: Config, systemctl: FakeSystemctl) -> None:
    c = client(config, systemctl)
    assert c.get("/healthz").status_code == 200
    assert c.get("/metrics").status_code == 401
    assert c.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    answer = c.post("/units/grades/kill")
    assert answer.status_code == 401
    assert answer.headers["Content-Type"].startswith("application/json")
    assert systemctl.calls == []


def test_kill_sends_sigkill_to_the_whole_unit(config: Config, systemctl: FakeSystemctl) -> None:
    answer = client(config, systemctl).post("/units/grades/kill", headers=AUTH)
    assert answer.status_code == 200
    assert systemctl.calls == [["systemctl", "kill", "--signal=SIGKILL", "grades.service"]]


def test_stop_start_restart(config: Config, systemctl: FakeSystemctl) -> None:
    c = client(config, systemctl)
    for action in ("stop", "start", "restart"):
        assert c.post(f"/units/grades/{action}", headers=AUTH).status_code == 200
    assert [call[1] for call in systemctl.calls] == ["stop", "start", "restart"]


def test_units_and_actions_outside_the_allow_list_are_404(config: Config, systemctl: FakeSystemctl) -> None:
    c = client(config, systemctl)
    for path in ("/units/ssh/stop", "/units/grades/reload", "/units/..%2Fetc/stop", "/units/-H/start"):
        answer = c.post(path, headers=AUTH)
        assert answer.status_code == 404, path
        assert "error" in answer.get_json()
    assert systemctl.calls == []


def test_a_failing_systemctl_is_a_502_with_its_output(config: Config) -> None:
    failing = FakeSystemctl(code=5, output="Unit grades.service not loaded.")
    answer = client(config, failing).post("/units/grades/start", headers=AUTH)
    assert answer.status_code == 502
    assert "not loaded" in answer.get_json()["output"]
