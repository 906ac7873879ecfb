"""Fixtures of the router tests: a real nats-server per test, routers built
in-process on it, and real HTTP endpoints on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.router.endpoints import Answer, Endpoint, ResettingEndpoint, answer_204
from tests.router.harness import RouterHarness, settings_for
from tests.support.natsserver import NatsServer

MakeRouter = Callable[..., Awaitable[RouterHarness]]
MakeEndpoint = Callable[..., Awaitable[Endpoint]]


@pytest.fixture
async def make_router(
    nats_server: NatsServer, tmp_path: Path
) -> AsyncIterator[MakeRouter]:
    """``await make_router(fields_of=…, disable=…, **settings)``."""
    started: list[RouterHarness] = []

    async def make(
        *, fields_of: Any = None, disable: Any = None, **overrides: Any
    ) -> RouterHarness:
        var_dir = tmp_path / f"router{len(started)}"
        settings = settings_for(nats_server.url, var_dir, **overrides)
        harness = RouterHarness(settings, fields_of=fields_of, disable=disable)
        started.append(harness)
        return await harness.start()

    yield make
    for harness in reversed(started):
        await harness.stop()


@pytest.fixture
async def router(make_router: MakeRouter) -> RouterHarness:
    return await make_router()


@pytest.fixture
async def make_endpoint() -> AsyncIterator[MakeEndpoint]:
    """``await make_endpoint(answer)``: a started endpoint, stopped afterwards."""
    started: list[Endpoint | ResettingEndpoint] = []

    async def make(answer: Answer = answer_204) -> Endpoint:
        endpoint = await Endpoint(answer=answer).start()
        started.append(endpoint)
        return endpoint

    yield make
    for endpoint in started:
        await endpoint.stop()


@pytest.fixture
async def resetting_endpoint() -> AsyncIterator[ResettingEndpoint]:
    endpoint = await ResettingEndpoint().start()
    yield endpoint
    await endpoint.stop()
