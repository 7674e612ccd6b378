from .gateway_case import GatewayCase
from .gateway_fakes import ScriptedServer, closed_port_url, json_body

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


class RoutingTest(GatewayCase):
    def test_each_prefix_goes_to_its_upstream_with_path_and_query(self):
        for path, upstream in [
            ("/students?limit=5&offset=10", "students"),
            ("/students/7", "students"),
            ("/grades/G1", "grades"),
            ("/admin/login/?next=/admin/", "grades"),
            ("/grades-static/admin/css/base.css", "grades"),
            ("/studentsx", "web"),
            ("/update/3", "web"),
            ("/", "web"),
        ]:
            response = self.request(path)
            assert response.code == 200, path
            assert (json_body(response)["upstream"], json_body(response)["uri"]) == (upstream, path)

    def test_method_body_and_headers_are_forwarded(self):
        response = self.request(
            "/students/3",
            "PUT",
            body='{"name": "Ada"}',
            headers={
                "Content-Type": "application/json",
                "X-Custom": "kept",
                "Connection": "keep-alive, X-Hop",
                "X-Hop": "dropped",
                "X-Forwarded-For": "10.1.2.3",
            },
        )
        echoed = json_body(response)
        assert (echoed["method"], echoed["body"]) == ("PUT", '{"name": "Ada"}')
        headers = echoed["headers"]
        assert headers["X-Custom"] == "kept" and headers["Content-Type"] == "application/json"
        assert headers["Host"] == f"127.0.0.1:{self.get_http_port()}"
        assert headers["X-Forwarded-For"] == "10.1.2.3, 127.0.0.1"
        assert (headers["X-Forwarded-Proto"], headers["X-Forwarded-Host"]) == ("http", headers["Host"])
        assert headers["Content-Length"] == "15"
        assert "X-Hop" not in headers and "Connection" not in headers

    def test_upstream_status_headers_and_body_come_back_untouched(self):
        response = self.request("/students/x", "POST", body="a=1")
        assert response.headers["X-Upstream"] == "students"
        assert response.headers["Content-Type"] == "application/json; charset=UTF-8"

    def test_redirects_are_passed_on_not_followed(self):
        response = self.request("/redirect")
        assert response.code == 302
        assert response.headers["Location"] == "/elsewhere?x=1"

    def test_every_set_cookie_is_kept(self):
        response = self.request("/cookies")
        cookies = response.headers.get_list("Set-Cookie")
        assert [c.split(";")[0] for c in cookies] == ["a=1", "b=2"]

    def test_head_keeps_the_length_and_sends_no_body(self):
        head = self.request("/students", "HEAD")
        assert head.code == 200 and head.body == b""
        assert int(head.headers["Content-Length"]) > 300  # what the echo's JSON for a GET would take

    def test_options_is_forwarded(self):
        assert json_body(self.request("/grades", "OPTIONS"))["method"] == "OPTIONS"

    def test_request_id_is_created_forwarded_and_returned(self):
        given = self.request("/students", headers={"X-Request-ID": "abc-123"})
        assert given.headers["X-Request-ID"] == "abc-123"
        assert json_body(given)["headers"]["X-Request-Id"] == "abc-123"

        created = self.request("/students")
        assert len(created.headers["X-Request-ID"]) == 36
        assert json_body(created)["headers"]["X-Request-Id"] == created.headers["X-Request-ID"]

        unsafe = self.request("/students", headers={"X-Request-ID": "a b\tc"})
        assert unsafe.headers["X-Request-ID"] != "a b\tc"

    def test_one_upstream_connection_serves_many_requests(self):
        for _ in range(5):
            assert self.request("/students").code == 200
        assert len(set(self.peers["students"])) == 1 and len(self.peers["students"]) == 5

    def test_access_log_has_one_line_with_the_details(self):
        with self.assertLogs("gateway.access", "INFO") as logs:
            self.request("/grades/G1?x=1", headers={"X-Request-ID": "rid-1"})
        assert len(logs.records) == 1
        line = logs.records[0].getMessage()
        assert line.startswith("GET /grades/G1 200 grades ") and line.endswith("ms rid-1")


class BodyLimitTest(GatewayCase):
    max_body = 1024

    def test_declared_body_over_the_limit_is_413_json(self):
        response = self.request("/students", "POST", body="x" * 1025)
        assert response.code == 413
        assert json_body(response)["error"].startswith("request body larger than 1024")
        assert self.peers["students"] == []

    def test_chunked_body_over_the_limit_is_413_json(self):
        def produce(write):
            for _ in range(3):
                write(b"x" * 600)

        response = self.request("/students", "POST", body_producer=produce)
        assert response.code == 413 and self.peers["students"] == []

    def test_body_at_the_limit_passes(self):
        assert json_body(self.request("/students", "POST", body="x" * 1024))["body"] == "x" * 1024


class UpstreamDownTest(GatewayCase):
    def upstream_urls(self) -> dict[str, str]:
        urls = super().upstream_urls()
        urls["grades"] = closed_port_url()
        return urls

    def test_closed_port_is_502_json_naming_the_upstream(self):
        response = self.request("/grades")
        assert response.code == 502
        body = json_body(response)
        assert body["upstream"] == "grades" and body["error"].startswith("upstream unavailable")
        assert response.headers["X-Request-ID"]

    def test_head_error_has_the_status_and_no_body(self):
        response = self.request("/grades", "HEAD")
        assert response.code == 502 and response.body == b""

    def test_other_routes_still_work(self):
        assert self.request("/students").code == 200


class SlowUpstreamTest(GatewayCase):
    request_timeout = 0.3

    def test_slow_upstream_is_504_json(self):
        response = self.request("/grades/slow?s=1")
        assert response.code == 504
        assert json_body(response) == {"error": "upstream timed out: no response in time", "upstream": "grades"}
        assert len(self.peers["grades"]) == 1  # timeouts are not retried

    def test_fast_requests_are_fine(self):
        assert self.request("/grades/slow?s=0").code == 200


class RetryTest(GatewayCase):
    def upstream_urls(self) -> dict[str, str]:
        urls = super().upstream_urls()
        self.flaky = ScriptedServer([None, OK])  # drops the first connection without an answer
        urls["students"] = self.flaky.start()
        self.servers.append(self.flaky)
        return urls

    def test_get_is_retried_once_on_a_dropped_connection(self):
        assert self.request("/students").code == 200
        assert self.flaky.connections == 2

    def test_post_is_not_retried(self):
        response = self.request("/students", "POST", body="name=Ada")
        assert response.code == 502 and json_body(response)["upstream"] == "students"
        assert self.flaky.connections == 1
