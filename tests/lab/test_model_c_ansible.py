"""Model C's Ansible roles keep the deployment's secrets out of the provisioning log.

Every task that handles a secret (a token, the Django key, or a template that renders the service's
environment, where they all end up) must carry `no_log: true`: otherwise `--diff` or `-vvv` print them
into .lab/c/logs/vagrant.log. Read from the YAML itself, so a new task cannot forget it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

yaml = pytest.importorskip("yaml")  # comes with ansible-core (pip install -e '.[c]')

ANSIBLE = Path(__file__).resolve().parents[2] / "models" / "c_vm_vagrant" / "ansible"
# A secret variable by name (agent_token, chaos_token, secret_key, AGENT_TOKEN, DJANGO_SECRET_KEY, …) or the
# service's environment (python_service_spec.env holds the secrets); in a task, also the file it is written to.
SECRET_VALUE = re.compile(r"token|secret|python_service_spec\.env\b", re.IGNORECASE)
SECRET = re.compile(SECRET_VALUE.pattern + r"|python_service_env_file", re.IGNORECASE)
JINJA = re.compile(r"\{[{%](.*?)[}%]\}", re.DOTALL)
BLOCKS = ("block", "rescue", "always")


def secret_templates() -> set[str]:
    """Templates whose Jinja renders a secret (comments do not count)."""
    return {path.name for path in ANSIBLE.glob("roles/*/templates/*")
            if any(SECRET_VALUE.search(expr) for expr in JINJA.findall(path.read_text()))}


def flatten(tasks: list[dict[str, Any]] | None) -> Iterator[dict[str, Any]]:
    for task in tasks or []:
        if any(key in task for key in BLOCKS):
            for key in BLOCKS:
                yield from flatten(task.get(key))
        else:
            yield task


def all_tasks() -> Iterator[tuple[str, dict[str, Any]]]:
    files = sorted(ANSIBLE.glob("roles/*/tasks/*.yml")) + sorted(ANSIBLE.glob("roles/*/handlers/*.yml"))
    for path in files:
        for task in flatten(yaml.safe_load(path.read_text())):
            yield str(path.relative_to(ANSIBLE)), task
    for play in yaml.safe_load((ANSIBLE / "playbook.yml").read_text()):
        for key in ("pre_tasks", "tasks", "post_tasks", "handlers"):
            for task in flatten(play.get(key)):
                yield "playbook.yml", task


def handles_secrets(task: dict[str, Any], templates: set[str]) -> bool:
    body = json.dumps({key: value for key, value in task.items() if key not in ("name", "no_log")})
    return bool(SECRET.search(body)) or any(template in body for template in templates)


def test_the_environment_template_is_recognised_as_secret() -> None:
    assert "service.env.j2" in secret_templates()
    assert "service.unit.j2" not in secret_templates()  # it names the env file's path, not its content


def test_every_task_that_handles_a_secret_has_no_log() -> None:
    templates = secret_templates()
    handling = [(where, task) for where, task in all_tasks() if handles_secrets(task, templates)]
    bodies = [json.dumps(task) for _, task in handling]
    # The ones known today must be found (the test would pass vacuously if the patterns broke).
    assert any("service.env.j2" in body for body in bodies), "the env file's template task"
    assert any("AGENT_TOKEN" in body and "include_role" in body for body in bodies), "the agent's deployment"
    assert any("assert" in body and "agent_token" in body for body in bodies), "the agent's token check"
    missing = [f"{where}: {task.get('name', task)}" for where, task in handling if task.get("no_log") is not True]
    assert not missing, "tasks that handle secrets without no_log: true:\n" + "\n".join(missing)
    unnamed = [where for where, task in handling if not task.get("name")]
    assert not unnamed, "a hidden task's name is all a failure shows: name it"
