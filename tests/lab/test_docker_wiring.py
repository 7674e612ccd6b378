"""Pure parts of models C and D: the apt mirror, the build context hash, stats arithmetic, the rendered wiring,
Swarm's pinning, the inventory after a reboot."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from deploylab_models.c_vm_vagrant.driver import with_hosts
from deploylab_models.d_containers import wiring
from deploylab_models.d_containers.stats import from_stats, working_set
from deploylab_models.d_containers.topology import Swarm

from deploylab.core import manifest
from deploylab.core.driver import LabContext
from deploylab.core.errors import LabError
from deploylab.platform.base_image import apt_mirror
from deploylab.platform.image_cache import context_tar

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def ctx(tmp_path: Path) -> LabContext:
    return LabContext(root=ROOT, state_dir=tmp_path, manifest=manifest.load(), port_offset=200, sut_cpus="0")


def test_the_mirror_comes_from_apts_own_sources(tmp_path: Path) -> None:
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list.d" / "debian.sources").write_text(
        "Types: deb\nURIs: http://mirror.example/debian-security\nSuites: bookworm-security\n\n"
        "Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm bookworm-updates\nComponents: main\n"
    )
    assert apt_mirror("bookworm", tmp_path) == "http://mirror.example/debian"
    (tmp_path / "sources.list").write_text("# old style\ndeb [arch=amd64] http://old.example/debian bookworm main\n")
    assert apt_mirror("bookworm", tmp_path) == "http://old.example/debian"
    with pytest.raises(LabError, match="no apt source"):
        apt_mirror("trixie", tmp_path)


def test_the_context_hash_follows_contents_not_timestamps(tmp_path: Path) -> None:
    a = tmp_path / "a.py"
    a.write_text("x = 1\n")
    first = context_tar([("app/a.py", a)])
    a.touch()
    assert context_tar([("app/a.py", a)]) == first
    a.write_text("x = 2\n")
    assert context_tar([("app/a.py", a)])[1] != first[1]


def test_memory_excludes_inactive_page_cache_on_cgroup_v1_and_v2() -> None:
    assert working_set({"usage": 100, "stats": {"total_inactive_file": 30}}) == 70
    assert working_set({"usage": 100, "stats": {"inactive_file": 40}}) == 60
    sample = from_stats("grades", {"cpu_stats": {"cpu_usage": {"total_usage": 2_500_000_000}},
                                   "memory_stats": {"usage": 10, "stats": {}}, "pids_stats": {"current": 3}}, 1.0)
    assert (sample.cpu_seconds, sample.rss, sample.pids, sample.memory_source) == (2.5, 10, 3, "cgroup")


def test_services_are_wired_by_name_and_only_the_gateway_is_published(ctx: LabContext) -> None:
    envs = wiring.environments(ctx, {"chaos_token": "tok", "secret_key": "key"})
    assert envs["web"]["STUDENTS_URL"] == "http://students:8001"
    assert envs["grades"]["DJANGO_ALLOWED_HOSTS"].split(",")[-1] == "grades"
    assert envs["grades"]["GRADES_DB"] == "/data/grades.sqlite3"
    assert "grades=http://grades:8002" in envs["gateway"]["GATEWAY_UPSTREAMS"]
    variables = wiring.compose_variables(ctx, {"students": "img:1"}, ctx.state_dir)
    assert variables["ENTRY_PORT"] == "8200" and variables["SUT_CPUS"] == "0"
    assert variables["STUDENTS_COMMAND"] == "waitress-serve --listen=0.0.0.0:8001 --max-request-body-size=65536 --call students:create_app"
    assert wiring.project_name(ctx) == "deploylab-d-200"


def test_env_files_holding_secrets_are_private(ctx: LabContext) -> None:
    folder = wiring.write_env_files(ctx.state_dir, wiring.environments(ctx, {"chaos_token": "t", "secret_key": "k"}))
    assert sorted(p.name for p in folder.iterdir()) == ["gateway.env", "grades.env", "students.env", "web.env"]
    assert {p.stat().st_mode & 0o777 for p in folder.iterdir()} == {0o600}


class RecordingEngine:
    """The engine boundary for Swarm.pin: two running task containers and the gateway's; records updates."""

    def __init__(self) -> None:
        self.updates: list[tuple[str, bytes]] = []

    def containers(self, labels: dict[str, str], all: bool = True) -> list[dict]:  # noqa: A002 - the engine's name
        if "com.docker.stack.namespace" in labels:
            return [{"Id": f"t{i}", "Labels": {"com.docker.swarm.service.name": "lab_grades",
                                                "com.docker.swarm.task.name": f"lab_grades.{i}.x"}} for i in (1, 2)]
        return [{"Id": "g", "Labels": {"com.docker.compose.service": "gateway"}}]

    def request(self, method: str, path: str, params: dict | None = None, **kwargs: object) -> None:
        self.updates.append((path, kwargs["body"]))


def test_swarm_tasks_are_pinned_after_the_fact() -> None:
    engine = RecordingEngine()
    Swarm(engine, "lab").pin("0")
    assert sorted(path for path, _ in engine.updates) == [f"/containers/{c}/update" for c in ("g", "t1", "t2")]
    assert all(body == b'{"CpusetCpus": "0"}' for _, body in engine.updates)


def test_a_rebooted_machines_new_address_replaces_the_one_in_vagrants_inventory() -> None:
    inventory = ("# Generated by Vagrant\n\n"
                 "web ansible_host=172.17.0.2 ansible_port=22 ansible_user='vagrant' private_ip=10.213.0.13\n"
                 "grades ansible_host=172.17.0.4 ansible_port=22 ansible_user='vagrant' private_ip=10.213.0.12\n")
    updated = with_hosts(inventory, {"web": "172.17.0.4", "grades": "172.17.0.3", "students": "172.17.0.2"})
    assert updated.splitlines()[2:] == [
        "web ansible_host=172.17.0.4 ansible_port=22 ansible_user='vagrant' private_ip=10.213.0.13",
        "grades ansible_host=172.17.0.3 ansible_port=22 ansible_user='vagrant' private_ip=10.213.0.12"]
    assert updated.splitlines()[0] == "# Generated by Vagrant"


def test_a_container_is_read_from_its_cgroup_files_without_the_engine(tmp_path: Path) -> None:
    from deploylab_models.d_containers.stats import from_cgroup_files

    cid = "abc123"
    for controller, files in {"cpuacct": {"cpuacct.usage": "2500000000\n"},
                              "memory": {"memory.usage_in_bytes": "1000\n", "memory.stat": "cache 5\ntotal_inactive_file 300\n"},
                              "pids": {"pids.current": "7\n"}}.items():
        folder = tmp_path / controller / "docker" / cid
        folder.mkdir(parents=True)
        for name, text in files.items():
            (folder / name).write_text(text)
    sample = from_cgroup_files("grades", cid, 1.0, root=tmp_path)
    assert sample is not None
    assert (sample.cpu_seconds, sample.rss, sample.pids, sample.memory_source) == (2.5, 700, 7, "cgroup")
    assert from_cgroup_files("grades", "missing", 1.0, root=tmp_path) is None  # elsewhere: the Engine API's stats


def test_a_task_swarm_starts_after_a_kill_is_pinned_when_it_appears(ctx: LabContext) -> None:
    from deploylab_models.d_containers.driver import Driver

    engine = RecordingEngine()
    swarm = Swarm(engine, "lab")
    driver = Driver(ctx)
    driver.topology = lambda: swarm  # type: ignore[method-assign]
    driver.repin_replacement("t2", timeout_s=2.0)  # t1 and g remain; Swarm's replacement is t2 again here
    deadline = time.monotonic() + 2.0
    while not engine.updates and time.monotonic() < deadline:
        time.sleep(0.05)
    assert {path for path, _ in engine.updates} == {f"/containers/{c}/update" for c in ("g", "t1", "t2")}


def test_pinning_passes_over_a_task_that_stopped_since_it_was_listed() -> None:
    from deploylab.platform.docker_engine import EngineError

    class Stopping(RecordingEngine):
        def request(self, method: str, path: str, params: dict | None = None, **kwargs: object) -> None:
            if path == "/containers/t1/update":
                raise EngineError("cannot update a stopped container", 500)
            super().request(method, path, params, **kwargs)

    engine = Stopping()
    Swarm(engine, "lab").pin("0")
    assert sorted(path for path, _ in engine.updates) == ["/containers/g/update", "/containers/t2/update"]
