"""Running Vagrant and Ansible for one deployment: environment, logs, progress lines and the play recap."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from deploylab.core import state
from deploylab.core.errors import LabError
from deploylab.platform.docker_engine import docker_env

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


def _docker_host(env: Mapping[str, str]) -> dict[str, str]:
    if env.get("VAGRANT_DEFAULT_PROVIDER", "docker") != "docker":
        return {}
    try:
        return docker_env()
    except LabError:  # an endpoint the lab's client cannot use: the provider says so itself (available())
        return {}


def render_exports(values: Mapping[str, str]) -> str:
    """`export KEY='value'` lines, for `eval "$(deploylab shell c)"` or `. .lab/c/vagrant.env`."""
    return "".join(f"export {key}={shlex.quote(value)}\n" for key, value in values.items())


class Runner:
    """vagrant / ansible-playbook in the model's folder, with the deployment's state under .lab/c/."""

    def __init__(self, env: Mapping[str, str], log: Path, progress: Callable[[str], None]) -> None:
        tools = str(Path(sys.executable).parent)  # ansible-playbook lives beside the lab's python
        # What this deployment sets for Vagrant and Ansible: also what `deploylab shell c` exports, so that
        # `vagrant status` by hand in this folder sees the same machines. DOCKER_HOST: the engine the lab's
        # own client talks to, so the docker provider makes its machines there too.
        self.exports = {**env, "VAGRANT_CWD": str(HERE), "VAGRANT_CHECKPOINT_DISABLE": "1",
                        "VAGRANT_BOX_UPDATE_CHECK_DISABLE": "1", "ANSIBLE_CONFIG": str(HERE / "ansible" / "ansible.cfg"),
                        **_docker_host(env)}
        self.env = {**os.environ, **self.exports, "PATH": f"{tools}:{os.environ.get('PATH', '')}",
                    "ANSIBLE_FORCE_COLOR": "0", "ANSIBLE_NOCOLOR": "1"}
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

    @property
    def exports_file(self) -> Path | None:
        """<state>/c/vagrant.env beside the deployment's Vagrant folder: the exports, for `. .lab/c/vagrant.env`."""
        dotfile = self.exports.get("VAGRANT_DOTFILE_PATH")
        return Path(dotfile).parent / "vagrant.env" if dotfile else None

    def vagrant(self, *args: str, check: bool = True) -> str:
        # The machines' variables are written down as they are made, and go with them, so that the usual
        # commands by hand (vagrant status, vagrant ssh) see what the lab made while it exists.
        if self.exports_file and args[:1] == ("up",):
            state.write_private(self.exports_file, render_exports(self.exports))
        try:
            return self.run(["vagrant", *args], check=check)
        finally:
            if self.exports_file and args[:1] == ("destroy",):
                self.exports_file.unlink(missing_ok=True)

    def playbook(self, inventory: Path, extra_vars: Path, limit: str) -> str:
        return self.run(["ansible-playbook", "-i", str(inventory), "--extra-vars", f"@{extra_vars}",
                         "--limit", limit, "ansible/playbook.yml"])
