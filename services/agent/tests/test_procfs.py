from pathlib import Path

from agent.procfs import CLOCK_TICKS, PAGE_SIZE, ProcFS


def test_processes_are_grouped_by_their_systemd_unit(proc: Path) -> None:
    units, others = ProcFS(str(proc)).by_unit(("grades", "students"))
    grades = units["grades"]
    assert grades.pids == 2
    assert grades.cpu_seconds == (200 + 100) / CLOCK_TICKS
    assert grades.rss == 1500 * PAGE_SIZE
    assert grades.uss == 4000 * 1024
    assert grades.pss == 4700 * 1024
    assert units["students"].pids == 0  # watched but not running
    assert set(others) == {"init", "ssh", "deploylab-agent"}
    assert others["ssh"].uss == 600 * 1024


def test_a_process_that_vanishes_mid_read_is_skipped(proc: Path) -> None:
    (proc / "41" / "statm").unlink()
    units, _ = ProcFS(str(proc)).by_unit(("grades",))
    assert units["grades"].pids == 1


def test_host_memory_and_uptime(proc: Path) -> None:
    fs = ProcFS(str(proc))
    assert fs.memory() == {"total": 1000 * 1024, "used": 600 * 1024}
    assert fs.uptime() == 123.45
