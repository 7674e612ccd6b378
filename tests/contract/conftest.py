"""The contract suite: one base URL, HTTP only, so that it runs unchanged against every model.

    python -m pytest tests/contract                          # a throw-away in-process entry
    python -m pytest tests/contract --base-url URL [--chaos-token-file .lab/<model>/secrets.env]

The chaos token is read from a file (`chaos_token=` line, as in a deployment's secrets.env) or from the
environment (DEPLOYLAB_CHAOS_TOKEN), never from the command line, where `ps` would show it to anyone.

Each test makes its own data with unique names and ids and removes it afterwards, so the suite
runs against any deployment, seeded or not.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from functools import partialmethod
from pathlib import Path

import pytest
import requests

from deploylab.core import manifest

from .local_entry import serve
from .support import unique

TIMEOUT = 10.0


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("contract", "deploylab contract suite")
    group.addoption(
        "--base-url",
        default=os.environ.get("DEPLOYLAB_BASE_URL", ""),
        help="entry address of a running model (env DEPLOYLAB_BASE_URL); none: an in-process entry",
    )
    group.addoption(
        "--chaos-token-file",
        metavar="PATH",
        default=os.environ.get("DEPLOYLAB_CHAOS_TOKEN_FILE", ""),
        help="a file with the deployment's chaos token as a chaos_token= line, e.g. .lab/b/secrets.env "
        "(env DEPLOYLAB_CHAOS_TOKEN_FILE; or the token itself in env DEPLOYLAB_CHAOS_TOKEN); none: fault tests skip",
    )


def token_from_file(path: str | Path) -> str:
    """The value of the `chaos_token=` line of an env file such as `.lab/<model>/secrets.env`."""
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise pytest.UsageError(f"--chaos-token-file {path}: {exc.strerror or exc}") from None
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() == "chaos_token" and value.strip():
            return value.strip()
    raise pytest.UsageError(f"--chaos-token-file {path}: no chaos_token= line with a value")


def configured_token(config: pytest.Config) -> str:
    """The token given for a deployment under test: from the file if one is named, else the environment."""
    path = config.getoption("chaos_token_file")
    return token_from_file(path) if path else os.environ.get("DEPLOYLAB_CHAOS_TOKEN", "").strip()


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("chaos_token_file", None):
        configured_token(config)  # a file that is missing or holds no token stops the run at once, not as a skip


class Client:
    """requests.Session bound to the base URL. Redirects are not followed: the suite asserts them."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()

    def request(self, method: str, path: str, **kwargs: object) -> requests.Response:
        kwargs.setdefault("timeout", TIMEOUT)
        kwargs.setdefault("allow_redirects", False)
        return self.session.request(method, self.base_url + path, **kwargs)

    get = partialmethod(request, "GET")
    post = partialmethod(request, "POST")
    put = partialmethod(request, "PUT")
    patch = partialmethod(request, "PATCH")
    delete = partialmethod(request, "DELETE")


@pytest.fixture(scope="session")
def entry(pytestconfig: pytest.Config) -> Iterator[tuple[str, str]]:
    """(base URL, chaos token) of the system under test."""
    base_url = pytestconfig.getoption("base_url")
    if base_url:
        yield base_url.rstrip("/"), configured_token(pytestconfig)
        return
    with serve(manifest.load()) as local:
        yield local.base_url, local.chaos_token


@pytest.fixture(scope="session")
def api(entry: tuple[str, str]) -> Iterator[Client]:
    client = Client(entry[0])
    yield client
    client.session.close()


@pytest.fixture(scope="session")
def chaos_token(entry: tuple[str, str]) -> str:
    if not entry[1]:
        pytest.skip("no chaos token: give --chaos-token-file or DEPLOYLAB_CHAOS_TOKEN to run fault tests")
    return entry[1]


@pytest.fixture
def make_student(api: Client) -> Iterator[Callable[..., dict]]:
    """Creates students through the API; deletes them after the test."""
    created: list[int] = []

    def make(name: str | None = None, grade: str = "G1") -> dict:
        response = api.post("/students", json={"name": name or f"Contract {unique('S')}", "grade": grade})
        assert response.status_code == 201, response.text
        created.append(response.json()["id"])
        return response.json()

    yield make
    for student_id in created:
        api.delete(f"/students/{student_id}")


@pytest.fixture
def make_grade(api: Client) -> Iterator[Callable[..., dict]]:
    """Creates grades with unique ids through the API; deletes them after the test."""
    created: list[str] = []

    def make(**fields: str) -> dict:
        grade = {"grade_id": unique("T"), "building": f"Building {unique('')}", "teacher": f"Teacher {unique('')}"}
        grade.update(fields)
        response = api.post("/grades", json=grade)
        assert response.status_code == 201, response.text
        created.append(grade["grade_id"])
        return response.json()

    yield make
    for grade_id in created:
        api.delete(f"/grades/{grade_id}")
