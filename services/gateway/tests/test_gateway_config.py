import os
import subprocess
import sys
from pathlib import Path

import pytest
from gateway import ConfigError, GatewayConfig

UPSTREAMS = "students=http://127.0.0.1:8001,grades=http://127.0.0.1:8002,web=http://127.0.0.1:8003"
ROUTES = "/grades-static=grades,/students=students,/grades=grades,/admin=grades,/=web"


def test_defaults_from_a_minimal_environment():
    config = GatewayConfig.from_env({"GATEWAY_UPSTREAMS": UPSTREAMS, "GATEWAY_ROUTES": ROUTES})
    assert (config.host, config.port, config.max_body, config.chaos_token) == ("127.0.0.1", 8000, 65536, "")
    grades = config.upstreams["grades"]
    assert (grades.host, grades.port, grades.connect_timeout, grades.request_timeout) == ("127.0.0.1", 8002, 1.0, 10.0)
    assert config.routes.match("/admin/") == "grades"
    assert (config.idle_timeout, config.body_timeout) == (15.0, 15.0)
    assert (config.max_header, config.max_connections) == (32 * 1024, 512)
    assert config.body_read_limit == 1024 * 1024  # what the server reads at most to answer an over-limit body 413


def test_every_setting_and_per_upstream_timeouts():
    config = GatewayConfig.from_env(
        {
            "GATEWAY_UPSTREAMS": UPSTREAMS,
            "GATEWAY_ROUTES": ROUTES,
            "GATEWAY_HOST": "127.0.0.2",
            "GATEWAY_PORT": "9000",
            "GATEWAY_CONNECT_TIMEOUT": "0.5",
            "GATEWAY_REQUEST_TIMEOUT": "3",
            "GATEWAY_TIMEOUTS": "grades=2",
            "GATEWAY_MAX_BODY": "1024",
            "CHAOS_TOKEN": "t",
            "GATEWAY_IDLE_TIMEOUT": "5",
            "GATEWAY_BODY_TIMEOUT": "7.5",
            "GATEWAY_MAX_HEADER": "8192",
            "GATEWAY_MAX_CONNECTIONS": "100",
        }
    )
    assert (config.host, config.port, config.max_body, config.chaos_token) == ("127.0.0.2", 9000, 1024, "t")
    assert config.upstreams["grades"].request_timeout == 2.0
    assert config.upstreams["web"].request_timeout == 3.0
    assert config.upstreams["web"].connect_timeout == 0.5
    assert (config.idle_timeout, config.body_timeout, config.max_header, config.max_connections) == (5, 7.5, 8192, 100)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"GATEWAY_ROUTES": ROUTES}, "GATEWAY_UPSTREAMS is required"),
        (
            {"GATEWAY_UPSTREAMS": "students=http://127.0.0.1:8001", "GATEWAY_ROUTES": ROUTES},
            "missing from GATEWAY_UPSTREAMS: grades, web",
        ),
        (
            {"GATEWAY_UPSTREAMS": UPSTREAMS, "GATEWAY_ROUTES": ROUTES, "GATEWAY_PORT": "x"},
            "GATEWAY_PORT must be a number",
        ),
        (
            {"GATEWAY_UPSTREAMS": UPSTREAMS, "GATEWAY_ROUTES": ROUTES, "GATEWAY_TIMEOUTS": "billing=2"},
            "unknown upstream",
        ),
        ({"GATEWAY_UPSTREAMS": "web=https://127.0.0.1:1", "GATEWAY_ROUTES": "/=web"}, "expected http://host:port"),
        ({"GATEWAY_UPSTREAMS": UPSTREAMS, "GATEWAY_ROUTES": "students"}, "bad route"),
        (
            {"GATEWAY_UPSTREAMS": UPSTREAMS, "GATEWAY_ROUTES": ROUTES, "GATEWAY_IDLE_TIMEOUT": "0"},
            "GATEWAY_IDLE_TIMEOUT must be positive",
        ),
        (
            {"GATEWAY_UPSTREAMS": UPSTREAMS, "GATEWAY_ROUTES": ROUTES, "GATEWAY_MAX_CONNECTIONS": "1.5"},
            "GATEWAY_MAX_CONNECTIONS must be a positive whole number",
        ),
        (
            {"GATEWAY_UPSTREAMS": UPSTREAMS, "GATEWAY_ROUTES": ROUTES, "GATEWAY_MAX_HEADER": "0"},
            "GATEWAY_MAX_HEADER must be a positive whole number",
        ),
    ],
)
def test_bad_settings_fail_with_one_clear_line(env, message):
    with pytest.raises(ConfigError, match=message):
        GatewayConfig.from_env(env)


def test_python_m_gateway_fails_fast_on_a_route_to_an_unknown_upstream():
    services = Path(__file__).resolve().parent.parent.parent
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(services / "gateway"), str(services / "common")]),
        "GATEWAY_UPSTREAMS": "web=http://127.0.0.1:8003",
        "GATEWAY_ROUTES": "/students=students,/=web",
    }
    result = subprocess.run([sys.executable, "-m", "gateway"], env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert result.stderr.strip() == "gateway: GATEWAY_ROUTES names upstreams missing from GATEWAY_UPSTREAMS: students"
