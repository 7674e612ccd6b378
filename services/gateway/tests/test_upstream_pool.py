import asyncio
from urllib.parse import urlsplit

from gateway.config import UpstreamConfig
from gateway.upstream import UpstreamPool, UpstreamTimeout, UpstreamUnavailable
from tornado.testing import AsyncTestCase, gen_test

from .gateway_fakes import ScriptedServer, closed_port_url

OK = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"


class PoolTest(AsyncTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.closers: list = []

    def tearDown(self) -> None:
        for close in self.closers:  # before the loop closes every socket it watches
            close()
        super().tearDown()

    def pool(self, url: str, request_timeout: float = 2.0) -> UpstreamPool:
        parts = urlsplit(url)
        pool = UpstreamPool(UpstreamConfig("up", parts.hostname or "", parts.port or 80, 1.0, request_timeout))
        self.closers.append(pool.close)
        return pool

    def server(self, answers: list[bytes | None], close_after: bool = False) -> tuple[ScriptedServer, UpstreamPool]:
        server = ScriptedServer(answers, close_after)
        url = server.start()
        self.closers.append(server.stop)
        return server, self.pool(url)

    @gen_test
    async def test_content_length_body_and_connection_reuse(self):
        server, pool = self.server([OK])
        for _ in range(3):
            response = await pool.fetch("GET", "/a?b=1", [("Host", "x")])
            assert (response.code, response.body) == (200, b"hello")
        assert server.connections == 1 and pool.opened == 1
        assert server.requests[0].startswith(b"GET /a?b=1 HTTP/1.1\r\nHost: x\r\n")

    @gen_test
    async def test_chunked_body_is_joined_and_trailers_dropped(self):
        chunked = (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n"
        )
        server, pool = self.server([chunked, OK])
        first = await pool.fetch("GET", "/", [])
        second = await pool.fetch("GET", "/", [])
        assert (first.body, second.body) == (b"abcde", b"hello")
        assert server.connections == 1

    @gen_test
    async def test_head_204_and_304_have_no_body_and_keep_the_connection(self):
        head = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
        empty = b"HTTP/1.1 204 No Content\r\n\r\n"
        not_modified = b'HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\nETag: "v1"\r\n\r\n'
        server, pool = self.server([head, empty, not_modified, OK])
        responses = [
            await pool.fetch("HEAD", "/", []),
            await pool.fetch("DELETE", "/", []),
            await pool.fetch("GET", "/", []),
            await pool.fetch("GET", "/", []),
        ]
        assert [r.code for r in responses] == [200, 204, 304, 200]
        assert [r.body for r in responses] == [b"", b"", b"", b"hello"]
        assert responses[0].headers["Content-Length"] == "5"
        assert server.connections == 1

    @gen_test
    async def test_body_until_close_and_connection_close_open_a_new_connection(self):
        until_close = b"HTTP/1.0 200 OK\r\n\r\nall of it"
        server, pool = self.server([until_close], close_after=True)
        assert (await pool.fetch("GET", "/", [])).body == b"all of it"
        assert (await pool.fetch("GET", "/", [])).body == b"all of it"
        assert server.connections == 2

    @gen_test
    async def test_connection_closed_by_upstream_while_idle_leaves_the_pool(self):
        server, pool = self.server([OK], close_after=True)  # closes although the answer allows keep-alive
        await pool.fetch("GET", "/", [])
        await asyncio.sleep(0.05)
        assert pool.idle == []  # noticed while idle, so even a POST, never retried, gets a fresh connection
        assert (await pool.fetch("POST", "/", [], b"x")).body == b"hello"
        assert (await pool.fetch("GET", "/", [])).body == b"hello"  # at once: noticed, or retried
        assert server.connections == 3

    @gen_test
    async def test_get_retried_once_after_a_dropped_connection_post_not(self):
        server, pool = self.server([None, OK])
        assert (await pool.fetch("GET", "/", [])).code == 200
        assert server.connections == 2

        server, pool = self.server([None, OK])
        with self.assertRaises(UpstreamUnavailable):
            await pool.fetch("POST", "/", [], b"x")
        assert server.connections == 1

    @gen_test
    async def test_refused_connection_is_unavailable_after_one_retry(self):
        pool = self.pool(closed_port_url())
        with self.assertRaises(UpstreamUnavailable) as caught:
            await pool.fetch("GET", "/", [])
        assert "connect failed" in caught.exception.detail

    @gen_test
    async def test_no_answer_in_time_is_a_timeout_and_not_retried(self):
        server, pool = self.server([b""])  # reads the request, writes nothing
        pool.config = pool.config.__class__("up", pool.config.host, pool.config.port, 1.0, 0.2)
        with self.assertRaises(UpstreamTimeout):
            await pool.fetch("GET", "/", [])
        assert server.connections == 1 and pool.idle == []

    @gen_test
    async def test_garbage_is_unavailable(self):
        for garbage in (
            b"SPDY/9 what\r\n\r\n",
            b"HTTP/1.1 200 OK\r\n folded: header\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nname\r\n\r\n",
        ):
            _, pool = self.server([garbage])
            with self.assertRaises(UpstreamUnavailable):
                await pool.fetch("GET", "/", [])
