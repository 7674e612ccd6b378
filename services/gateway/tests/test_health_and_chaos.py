from .gateway_case import GatewayCase
from .gateway_fakes import closed_port_url, json_body, start_echo


class HealthyTest(GatewayCase):
    def test_all_ready_is_200_with_each_upstream(self):
        response = self.request("/healthz")
        assert response.code == 200
        body = json_body(response)
        assert body["status"] == "ok"
        assert sorted(body["upstreams"]) == ["grades", "students", "web"]
        assert all(u["status"] == "ok" and u["code"] == 200 for u in body["upstreams"].values())


class UnhealthyTest(GatewayCase):
    def upstream_urls(self) -> dict[str, str]:
        urls = super().upstream_urls()
        urls["grades"] = closed_port_url()
        urls["web"], _, server = start_echo("unready")  # answers /readyz with 503
        self.servers.append(server)
        return urls

    def test_any_upstream_not_ready_is_503_with_details(self):
        response = self.request("/healthz")
        assert response.code == 503
        upstreams = json_body(response)["upstreams"]
        assert upstreams["students"]["status"] == "ok"
        assert upstreams["grades"]["status"] == "down" and "connect failed" in upstreams["grades"]["error"]
        assert upstreams["web"] == {"status": "not ready", "code": 503, "ms": upstreams["web"]["ms"]}


class ChaosOffTest(GatewayCase):
    def test_chaos_routes_do_not_exist_without_a_token(self):
        for path in ("/__chaos__/grades/latency", "/__chaos__/grades", "/__chaos__"):
            response = self.request(path, "POST", body="{}")
            assert response.code == 404, path
            assert json_body(response)["error"] == "not found"
        assert self.peers == {"students": [], "grades": [], "web": []}


class ChaosOnTest(GatewayCase):
    chaos_token = "secret"

    def test_chaos_is_forwarded_to_the_services_own_route(self):
        response = self.request(
            "/__chaos__/grades/latency?dry=1", "POST", body='{"ms": 100}', headers={"X-Chaos-Token": "secret"}
        )
        echoed = json_body(response)
        assert (echoed["upstream"], echoed["uri"], echoed["body"]) == (
            "grades",
            "/__chaos__/latency?dry=1",
            '{"ms": 100}',
        )
        assert echoed["headers"]["X-Chaos-Token"] == "secret"
        assert json_body(self.request("/__chaos__/web"))["uri"] == "/__chaos__"

    def test_unknown_service_is_404_json(self):
        response = self.request("/__chaos__/billing/crash", "POST", body="{}")
        assert response.code == 404
        assert json_body(response) == {"error": "unknown service 'billing'"}

    def test_chaos_prefix_without_a_service_is_404(self):
        for path in ("/__chaos__", "/__chaos__/"):
            assert self.request(path).code == 404, path


class ContractPathsTest(GatewayCase):
    """The health path, the readiness path it asks and the chaos prefix come from the config (the manifest's)."""

    chaos_token = "secret"
    limits = {"health_path": "/_health", "ready_path": "/_ready", "chaos_prefix": "/_faults"}

    def test_the_configured_paths_replace_the_defaults(self):
        health = self.request("/_health")
        assert health.code == 200
        assert {r["status"] for r in json_body(health)["upstreams"].values()} == {"ok"}
        echoed = json_body(self.request("/_faults/grades/latency", "POST", body="{}", headers={"X-Chaos-Token": "secret"}))
        assert (echoed["upstream"], echoed["uri"]) == ("grades", "/_faults/latency")
        assert json_body(self.request("/__chaos__/grades"))["upstream"] == "web"  # no longer special: web's path
