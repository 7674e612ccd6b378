"""Running Vagrant and Ansible for one deployment: environment, logs, progress lines and the play recap."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from deploylab.core.errors import LabError

HERE = Path(__file__).resolve().parent
# Lines worth showing while `up` runs: Vagrant's per-machine steps, Ansible's plays and recap.
PROGRESS = re.compile(r"^(==> \w+: (Creating|Starting|Waiting|Running provisioner|Booting)|PLAY |TASK |\S+\s+: ok=)")
RECAP = re.compile(r"^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)")
FAILED_HOST = re.compile(r"^(?:fatal|failed): \[(\w+)\]|^==> (\w+): .*(?:error|Error|failed)")


class CommandFailed(LabError):
    def __init__(self, message: str, machine: str | None, tail: str) -> None:
        super().__init__(message)
        self.machine, self.tail = machine, tail


def recap(output: str) -> dict[str, dict[str, int]]:
    """{host: {"ok": n, "changed": n, "unreachable": n, "failed": n}} from Ansible's PLAY RECAP."""
    return {m[1]: {"ok": int(m[2]), "changed": int(m[3]), "unreachable": int(m[4]), "failed": int(m[5])}
            for m in map(RECAP.match, output.splitlines()) if m}


class Runner:
    """vagrant / ansible-playbook in the model's folder, with the deployment's state under .lab/c/."""

    def __init__(self, env: Mapping[str, str], log: Path, progress: Callable[[str], None]) -> None:
        tools = str(Path(sys.executable).parent)  # ansible-playbook lives beside the lab's python
        self.env = {**os.environ, **env, "PATH": f"{tools}:{os.environ.get('PATH', '')}",
                    "VAGRANT_CHECKPOINT_DISABLE": "1", "VAGRANT_BOX_UPDATE_CHECK_DISABLE": "1",
                    "ANSIBLE_CONFIG": str(HERE / "ansible" / "ansible.cfg"), "ANSIBLE_FORCE_COLOR": "0",
                    "ANSIBLE_NOCOLOR": "1"}
        self.log, self.progress = log, progress

    def run(self, argv: list[str], *, check: bool = True) -> str:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        lines: list[str] = []
        with self.log.open("a") as log:
            log.write(f"$ {' '.join(argv)}\n")
            with subprocess.Popen(argv, cwd=HERE, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True) as proc:
                assert proc.stdout is not None
                for line in proc.stdout:
                    log.write(line)
                    lines.append(line.rstrip())
                    if PROGRESS.match(line):
                        self.progress("  c: " + line.rstrip())
        output = "\n".join(lines)
        if check and proc.returncode:
            machines = [next(g for g in m.groups() if g) for m in map(FAILED_HOST.match, lines) if m]
            raise CommandFailed(f"{argv[0]} {argv[1]} failed (exit {proc.returncode})"
                                + (f" on machine {machines[-1]}" if machines else ""),
                                machines[-1] if machines else None, "\n".join(lines[-25:]))
        return output

    def vagrant(self, *args: str, check: bool = True) -> str:
        return self.run(["vagrant", *args], check=check)

    def playbook(self, inventory: Path, extra_vars: Path, limit: str) -> str:
        return self.run(["ansible-playbook", "-i", str(inventory), "--extra-vars", f"@{extra_vars}",
                         "--limit", limit, "ansible/playbook.yml"])
