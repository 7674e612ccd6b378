"""Fakes at the agent's two boundaries: a /proc directory and a recording systemctl runner."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from agent.procfs import PAGE_SIZE

TOKEN = "t0ken"



def add_process(proc: Path, pid: int, cgroup: str, *, ticks: int, pages: int, private_kb: int, pss_kb: int) -> None:
    base = proc / str(pid)
    base.mkdir()
    (base / "cgroup").write_text(cgroup + "\n")
    # comm with a space and a parenthesis, as real ones can have
    (base / "stat").write_text(f"{pid} (odd) name) S 1 1 1 0 -1 0 0 0 0 0 {ticks} {ticks} 0 0 20 0 1 0 1 0 0\n")
    (base / "statm").write_text(f"1000 {pages} 10 1 0 100 0\n")
    (base / "smaps_rollup").write_text(
        f"00400000-7fff [rollup]\nRss: {pages * PAGE_SIZE // 1024} kB\nPss: {pss_kb} kB\n"
        f"Private_Clean: {private_kb // 2} kB\nPrivate_Dirty: {private_kb - private_kb // 2} kB\n"
    )


class FakeSystemctl:
    def __init__(self, code: int = 0, output: str = "") -> None:
        self.calls: list[list[str]] = []
        self.code, self.output = code, output

    def __call__(self, argv: Sequence[str]) -> tuple[int, str]:
        self.calls.append(list(argv))
        if argv[1] == "show":
            return 0, "\n".join("active" for _ in argv[4:]) + "\n"
        return self.code, self.output
