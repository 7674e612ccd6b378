"""Slow and stalled clients (slowloris) against the gateway's real server, on 127.0.0.1 and ephemeral ports.

Bounded: a few hundred connections at most, each test well under ten seconds.
"""

from __future__ import annotations

import asyncio
import time

from tornado.testing import gen_test

from .gateway_case import GatewayCase

STALLED = 300
# A request head that never ends, and a whole head whose body never completes.
PARTIAL_HEAD = b"GET /students HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
PARTIAL_BODY = b"POST /students HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n" + b"x" * 10


class Stalled:
    """One raw client connection that sent `data` and then waits."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, opened: float) -> None:
        self.reader, self.writer, self.opened = reader, writer, opened

    @property
    def closed(self) -> bool:
        return self.reader.at_eof() or self.reader.exception() is not None

    async def wait_closed(self) -> tuple[float, bytes]:
        """(seconds from opening to the server's close, what the server sent before it)."""
        try:
            data = await self.reader.read()
        except ConnectionError:
            data = b""
        return time.monotonic() - self.opened, data


class SlowClientCase(GatewayCase):
    def setUp(self) -> None:
        super().setUp()
        self.clients: list[Stalled] = []

    def tearDown(self) -> None:
        for client in self.clients:
            client.writer.close()
        super().tearDown()

    async def stall(self, data: bytes) -> Stalled:
        opened = time.monotonic()
        reader, writer = await asyncio.open_connection("127.0.0.1", self.get_http_port())
        writer.write(data)
        await writer.drain()
        client = Stalled(reader, writer, opened)
        self.clients.append(client)
        return client

    async def stall_many(self, count: int) -> list[Stalled]:
        return [await self.stall(PARTIAL_HEAD if n % 2 else PARTIAL_BODY) for n in range(count)]

    async def get(self, path: str):
        started = time.monotonic()
        response = await self.http_client.fetch(self.get_url(path), request_timeout=5, raise_error=False)
        return response, time.monotonic() - started


class StalledClientsTest(SlowClientCase):
    limits = {"idle_timeout": 1.0, "body_timeout": 1.0}

    @gen_test(timeout=15)
    async def test_stalled_requests_neither_keep_a_new_client_out_nor_stay_open(self):
        stalled = await self.stall_many(STALLED)

        response, seconds = await self.get("/students")
        assert response.code == 200 and seconds < 1.0
        assert not any(client.closed for client in stalled[-10:])  # answered while the stalled were still open

        closes = await asyncio.wait_for(asyncio.gather(*(client.wait_closed() for client in stalled)), 10)
        assert all(data == b"" for _, data in closes)  # closed without an answer
        assert all(0.8 <= seconds <= 4.0 for seconds, _ in closes), sorted(seconds for seconds, _ in closes)[::50]
        assert len(self.peers["students"]) == 1  # no half-sent request reached the upstream
        assert self.http_server.open_connections == 0

    @gen_test(timeout=15)
    async def test_a_head_sent_a_byte_at_a_time_is_cut_off_at_the_idle_timeout(self):
        client = await self.stall(b"GET /students HTTP/1.1\r\n")
        sent = 0
        while sent < 100:  # 10 s of trickling unless the server closes first
            try:
                client.writer.write(b"X")
                await client.writer.drain()
            except ConnectionError:
                break
            sent += 1
            await asyncio.sleep(0.1)
            if client.closed:
                break
        seconds = time.monotonic() - client.opened
        assert 0.8 <= seconds <= 4.0 and sent >= 5  # it kept sending, and was closed anyway

    @gen_test(timeout=10)
    async def test_an_idle_keep_alive_connection_is_closed_after_the_idle_timeout(self):
        client = await self.stall(b"GET /students HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        seconds, data = await asyncio.wait_for(client.wait_closed(), 5)
        assert data.startswith(b"HTTP/1.1 200 OK\r\n")
        assert 0.8 <= seconds <= 4.0


class ConnectionCapTest(SlowClientCase):
    # Timeouts longer than the test: only the cap acts here.
    limits = {"idle_timeout": 30.0, "body_timeout": 30.0, "max_connections": 50}

    @gen_test(timeout=15)
    async def test_at_the_cap_the_oldest_stalled_connection_makes_room_for_a_new_client(self):
        stalled = await self.stall_many(STALLED)
        await asyncio.sleep(0.1)  # the closes reach the clients
        still_open = [client for client in stalled if not client.closed]
        assert len(still_open) == 50
        assert still_open == stalled[-50:]  # the oldest went first

        response, seconds = await self.get("/students")
        assert response.code == 200 and seconds < 1.0
        await asyncio.sleep(0.1)
        assert sum(not client.closed for client in stalled) == 49  # one more made room for it
        assert self.http_server.open_connections <= 50
        assert self.http_server.evicted == STALLED - 50 + 1 and self.http_server.refused == 0


class BusyCapTest(SlowClientCase):
    limits = {"max_connections": 2}

    @gen_test(timeout=10)
    async def test_a_newcomer_is_refused_only_when_every_connection_is_being_answered(self):
        slow = [asyncio.ensure_future(self.get("/grades/slow?s=0.5")) for _ in range(2)]
        await asyncio.sleep(0.2)  # both requests are in and waiting for the upstream
        newcomer = await self.stall(b"GET /students HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        _, data = await asyncio.wait_for(newcomer.wait_closed(), 2)
        assert data == b"" and self.http_server.refused == 1
        assert [response.code for response, _ in await asyncio.gather(*slow)] == [200, 200]
        assert (await self.get("/students"))[0].code == 200  # room again once they are answered


class HeadAndBodyLimitTest(SlowClientCase):
    limits = {"max_header": 1024}

    @gen_test(timeout=10)
    async def test_a_head_over_max_header_is_closed_unanswered(self):
        client = await self.stall(b"GET /students HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"x" * 2048 + b"\r\n\r\n")
        _, data = await asyncio.wait_for(client.wait_closed(), 2)
        assert data == b"" and self.peers["students"] == []
        assert (await self.get("/students"))[0].code == 200

    @gen_test(timeout=10)
    async def test_a_declared_body_beyond_what_the_server_reads_is_refused_before_it_is_sent(self):
        declared = self.config.body_read_limit + 1
        client = await self.stall(f"POST /students HTTP/1.1\r\nHost: x\r\nContent-Length: {declared}\r\n\r\n".encode())
        _, data = await asyncio.wait_for(client.wait_closed(), 2)
        assert data.startswith(b"HTTP/1.1 400 ") and self.peers["students"] == []
