import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gateway(**settings: str) -> tuple[subprocess.Popen, int]:
    """python -m gateway on a free port in front of an upstream that is down."""
    services = Path(__file__).resolve().parent.parent.parent
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(services / "gateway"), str(services / "common")]),
        "GATEWAY_PORT": str(port),
        "GATEWAY_UPSTREAMS": f"web=http://127.0.0.1:{free_port()}",
        "GATEWAY_ROUTES": "/=web",
        **settings,
    }
    process = subprocess.Popen([sys.executable, "-m", "gateway"], env=env, stderr=subprocess.PIPE, text=True)
    return process, port


def test_python_m_gateway_serves_logs_and_stops_on_sigterm():
    process, port = start_gateway()
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)
            except urllib.error.HTTPError as exc:
                assert exc.code == 503
                assert json.loads(exc.read())["upstreams"]["web"]["status"] == "down"
                break
            except urllib.error.URLError:
                assert time.monotonic() < deadline, "the gateway did not start"
                time.sleep(0.1)
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=20)
    assert process.returncode == 0
    assert f"gateway listening on http://127.0.0.1:{port}" in stderr
    assert "gateway.access INFO GET /healthz 503 - " in stderr


def test_python_m_gateway_closes_a_silent_connection_after_gateway_idle_timeout():
    process, port = start_gateway(GATEWAY_IDLE_TIMEOUT="0.5", GATEWAY_MAX_CONNECTIONS="10")
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                silent = socket.create_connection(("127.0.0.1", port), timeout=5)
                break
            except OSError:
                assert time.monotonic() < deadline, "the gateway did not start"
                time.sleep(0.1)
        with silent:
            opened = time.monotonic()
            assert silent.recv(1) == b""  # closed by the gateway, unanswered, before the 5 s socket timeout
            assert 0.4 <= time.monotonic() - opened <= 4.0
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=20)
    assert process.returncode == 0
    assert "(idle 0.5s, body 15s, at most 10 connections)" in stderr
