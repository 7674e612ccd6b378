"""Acknowledged writes survive kill -9: the real server (waitress-serve), killed and started again."""

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

WAITRESS = Path(sys.executable).with_name("waitress-serve")
N = 50


def start(env):
    proc = subprocess.Popen(
        [str(WAITRESS), "--host=127.0.0.1", "--port=0", "--threads=4", "--call", "students:create_app"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    for line in proc.stderr:  # waitress logs "Serving on http://127.0.0.1:<port>" once it listens
        if match := re.search(r"Serving on (http://127\.0\.0\.1:\d+)", line):
            return proc, match.group(1)
        assert time.monotonic() < deadline, "waitress did not start"
    raise AssertionError(f"waitress exited with {proc.wait()}")


def request(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as response:
        return response.status, json.loads(response.read())


@pytest.mark.timeout(60)
@pytest.mark.skipif(not WAITRESS.exists(), reason="waitress-serve is not installed next to this interpreter")
def test_acknowledged_students_survive_kill_9(tmp_path, service_pythonpath):
    env = {
        **os.environ,
        "STUDENTS_DB": str(tmp_path / "students.sqlite3"),
        "CHAOS_TOKEN": "",
        "PYTHONPATH": service_pythonpath,
    }
    proc, base = start(env)
    try:
        acknowledged = []
        for n in range(N):
            status, student = request("POST", f"{base}/students", {"name": f"Student {n}", "grade": "G1"})
            assert status == 201
            acknowledged.append(student)
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
        proc.stderr.close()

        proc, base = start(env)
        status, stored = request("GET", f"{base}/students?limit=500")
        assert status == 200
        assert stored == acknowledged
    finally:
        proc.kill()
        proc.wait()
        proc.stderr.close()
