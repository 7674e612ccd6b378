import re

from gateway.timing import server_timing

from .gateway_case import GatewayCase
from .gateway_fakes import ScriptedServer, closed_port_url

GATEWAY_ENTRY = re.compile(r"gw;dur=(\d+\.\d)")
TIMED = (
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
    b'Server-Timing: db;dur=2.5, app;dur=7;desc="students"\r\nServer-Timing: cache;desc=miss\r\n\r\nok'
)


def entries(response) -> list[str]:
    """The Server-Timing entries of a response, in order, whether sent on one line or several."""
    values = response.headers.get_list("Server-Timing")
    return [entry.strip() for value in values for entry in value.split(",")]


def gateway_ms(response) -> float:
    *_, last = entries(response)
    match = GATEWAY_ENTRY.fullmatch(last)
    assert match, entries(response)
    return float(match.group(1))


class ServerTimingTest(GatewayCase):
    def upstream_urls(self) -> dict[str, str]:
        urls = super().upstream_urls()
        self.timed = ScriptedServer([TIMED])
        urls["students"] = self.timed.start()
        self.servers.append(self.timed)
        return urls

    def test_the_upstreams_entries_come_back_with_the_gateways_appended(self):
        response = self.request("/students")
        assert response.code == 200 and response.body == b"ok"
        assert entries(response)[:-1] == ["db;dur=2.5", 'app;dur=7;desc="students"', "cache;desc=miss"]
        assert len(response.headers.get_list("Server-Timing")) == 1  # one field: see gateway/timing.py
        assert gateway_ms(response) >= 0

    def test_an_upstream_without_server_timing_gets_the_gateways_entry_alone(self):
        response = self.request("/grades/G1")
        assert response.code == 200 and len(entries(response)) == 1
        gateway_ms(response)

    def test_the_gateways_time_includes_the_upstreams(self):
        response = self.request("/grades/slow?s=0.2")
        assert response.code == 200 and gateway_ms(response) >= 200

    def test_head_and_gateway_errors_have_it_too(self):
        assert gateway_ms(self.request("/grades", "HEAD")) >= 0
        too_big = self.request("/grades", "POST", body="x" * 2048)
        assert too_big.code == 413 and gateway_ms(too_big) >= 0
        not_found = self.request("/__chaos__/grades/latency", "POST", body="{}")
        assert not_found.code == 404 and gateway_ms(not_found) >= 0

    def test_healthz_has_it(self):
        response = self.request("/healthz")
        assert response.code == 200 and len(entries(response)) == 1
        gateway_ms(response)


class ServerTimingOnUpstreamErrorsTest(GatewayCase):
    request_timeout = 0.3

    def upstream_urls(self) -> dict[str, str]:
        urls = super().upstream_urls()
        urls["web"] = closed_port_url()
        return urls

    def test_502_and_504_have_it(self):
        down = self.request("/")
        assert down.code == 502 and gateway_ms(down) >= 0
        slow = self.request("/grades/slow?s=1")
        assert slow.code == 504 and gateway_ms(slow) >= 300  # the request timeout it waited out

    def test_unhealthy_healthz_has_it(self):
        response = self.request("/healthz")
        assert response.code == 503 and gateway_ms(response) >= 0


def test_blank_upstream_values_are_dropped_and_the_gateway_comes_last():
    assert server_timing(["a;dur=1", " ", "b, c;dur=2 "], 0.0123) == "a;dur=1, b, c;dur=2, gw;dur=12.3"
    assert server_timing([], 0) == "gw;dur=0.0"
