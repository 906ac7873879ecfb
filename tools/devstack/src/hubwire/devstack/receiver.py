"""A small webhook receiver for the demo and the tests: a real aiohttp server
on loopback that records each POST and verifies Basic auth and the Standard
Webhooks signature."""

from __future__ import annotations

import asyncio
import base64
import json
from dataclasses import dataclass, field

from aiohttp import web

from hubwire.common import webhooks
from hubwire.common.errors import InvalidInput


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    basic: tuple[str, str] | None

    def json(self) -> dict[str, object]:
        return json.loads(self.body)  # type: ignore[no-any-return]

    def verify(self, secret: str) -> bool:
        try:
            webhooks.verify(secret, self.headers, self.body)
        except InvalidInput:
            return False
        return True


@dataclass
class Receiver:
    """Answers ``status`` (default 204) to every POST; ``delay`` seconds first."""

    status: int = 204
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    arrived: asyncio.Condition = field(default_factory=asyncio.Condition)
    _runner: web.AppRunner | None = None
    port: int = 0

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        auth = request.headers.get("authorization", "")
        basic = None
        if auth.lower().startswith("basic "):
            user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            basic = (user, password)
        if self.delay:
            await asyncio.sleep(self.delay)
        async with self.arrived:
            self.received.append(
                Received(request.path, dict(request.headers), body, basic)
            )
            self.arrived.notify_all()
        return web.Response(status=self.status)

    async def start(self, host: str = "127.0.0.1") -> str:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return f"http://{host}:{self.port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def wait_for(self, count: int, timeout: float) -> list[Received]:
        async with self.arrived:
            await asyncio.wait_for(
                self.arrived.wait_for(lambda: len(self.received) >= count), timeout
            )
        return list(self.received)
