"""Real webhook endpoints for the router tests: aiohttp servers on loopback
that record every request and answer as scripted (well-behaved, slow,
hanging, redirecting, 410, 429 with Retry-After, non-UTF-8 bodies), and a raw
TCP server that resets every connection."""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import struct
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

from hubwire.common import webhooks
from hubwire.common.errors import InvalidInput


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.time() on arrival

    @property
    def webhook_id(self) -> str:
        return self.headers.get("webhook-id", "")

    @property
    def basic(self) -> tuple[str, str] | None:
        auth = self.headers.get("Authorization", "")
        if not auth.lower().startswith("basic "):
            return None
        user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
        return user, password

    def json(self) -> dict[str, object]:
        return json.loads(self.body)  # type: ignore[no-any-return]

    def verifies(self, secret: str) -> bool:
        try:
            webhooks.verify(secret, self.headers, self.body)
        except InvalidInput:
            return False
        return True


Answer = Callable[[Request, int], Awaitable[web.StreamResponse]]


async def answer_204(request: Request, n: int) -> web.StreamResponse:
    return web.Response(status=204)


def answer_status(
    status: int, *, body: bytes = b"", headers: dict[str, str] | None = None
) -> Answer:
    async def answer(request: Request, n: int) -> web.StreamResponse:
        return web.Response(status=status, body=body, headers=headers)

    return answer


def answer_after(seconds: float, then: Answer = answer_204) -> Answer:
    async def answer(request: Request, n: int) -> web.StreamResponse:
        await asyncio.sleep(seconds)
        return await then(request, n)

    return answer


def answer_in_turn(*answers: Answer) -> Answer:
    """The n-th request gets the n-th answer; the last one repeats."""

    async def answer(request: Request, n: int) -> web.StreamResponse:
        return await answers[min(n, len(answers) - 1)](request, n)

    return answer


async def answer_never(request: Request, n: int) -> web.StreamResponse:
    await asyncio.Event().wait()  # hangs until the server shuts down
    raise AssertionError("unreachable")


@dataclass
class Endpoint:
    """An HTTP server on loopback answering every POST with ``answer``."""

    answer: Answer = answer_204
    requests: list[Request] = field(default_factory=list)
    _arrived: asyncio.Condition = field(default_factory=asyncio.Condition)
    _runner: web.AppRunner | None = None
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def start(self) -> Endpoint:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, http: web.Request) -> web.StreamResponse:
        request = Request(http.path, dict(http.headers), await http.read(), time.time())
        async with self._arrived:
            n = len(self.requests)
            self.requests.append(request)
            self._arrived.notify_all()
        return await self.answer(request, n)

    async def wait_for(self, count: int, timeout: float = 10) -> list[Request]:
        """The requests so far, once there are at least ``count``."""
        async with self._arrived:
            await asyncio.wait_for(
                self._arrived.wait_for(lambda: len(self.requests) >= count), timeout
            )
        return list(self.requests)

    def ids(self) -> list[str]:
        return [r.webhook_id for r in self.requests]


@dataclass
class ResettingEndpoint:
    """A TCP server that reads the request, then resets the connection."""

    connections: int = 0
    _server: asyncio.Server | None = None
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def start(self) -> ResettingEndpoint:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def _handle(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.connections += 1
        await reader.read(1024)
        sock = writer.get_extra_info("socket")
        # Linger 0: close sends RST instead of FIN.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()


def closed_port() -> int:
    """A loopback port with nothing listening: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
