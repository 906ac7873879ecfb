"""Real things for the mapping tests: nats-server with JetStream (the shared
``nats_server`` fixture), a gRPC registry serving connectivity, customer apps
over HTTP (the example app under uvicorn, scripted aiohttp apps), SQLite."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import grpc
import pytest
import uvicorn
from aiohttp import web

from examples.customer_app.app import CustomerStore, create_app
from hubwire.mapping.app import build_importer, build_store
from hubwire.mapping.appclient import AppClient
from hubwire.mapping.connectivity import RegistryConnectivity
from hubwire.mapping.importer import Importer
from hubwire.mapping.settings import MappingSettings
from hubwire.mapping.store import MappingStore
from hubwire.rpc.registry.v1 import registry_pb2_grpc
from tests.mapping.support import (
    APP_PASSWORD,
    APP_USER,
    WAIT,
    ExampleApp,
    FakeRegistry,
    Handler,
    make_settings,
    wait_for,
)


@pytest.fixture
async def registry() -> AsyncIterator[tuple[FakeRegistry, str]]:
    fake = FakeRegistry()
    server = grpc.aio.server()
    registry_pb2_grpc.add_RegistryServiceServicer_to_server(fake, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    yield fake, f"127.0.0.1:{port}"
    await server.stop(grace=None)


@pytest.fixture
def fake_registry(registry: tuple[FakeRegistry, str]) -> FakeRegistry:
    return registry[0]


@pytest.fixture
async def example_app() -> AsyncIterator[ExampleApp]:
    """The example customer app, served by uvicorn on a free port."""
    store = CustomerStore()
    app = create_app(store, username=APP_USER, password=APP_PASSWORD)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    await wait_for(lambda: server.started, what="uvicorn to start")
    port = server.servers[0].sockets[0].getsockname()[1]
    yield ExampleApp(store, f"http://127.0.0.1:{port}")
    server.should_exit = True
    await asyncio.wait_for(task, WAIT)


@pytest.fixture
async def http_app() -> AsyncIterator[Callable[[Handler], Awaitable[str]]]:
    """Start a one-route aiohttp app answering every path with ``handler``;
    returns its base URL."""
    runners: list[web.AppRunner] = []

    async def start(handler: Handler) -> str:
        async def route(request: web.Request) -> web.StreamResponse:
            return await handler(request)

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", route)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        port = runner.addresses[0][1]
        return f"http://127.0.0.1:{port}"

    yield start
    for runner in runners:
        await runner.cleanup()


# -- the mapping service's parts -----------------------------------------------------


@pytest.fixture
def settings(tmp_path: Path, registry: tuple[FakeRegistry, str]) -> MappingSettings:
    return make_settings(tmp_path, registry[1])


@pytest.fixture
async def store(settings: MappingSettings) -> AsyncIterator[MappingStore]:
    store = await build_store(settings)
    yield store
    await store.db.dispose()


@pytest.fixture
async def parts(
    settings: MappingSettings, store: MappingStore
) -> AsyncIterator[tuple[Importer, AppClient, RegistryConnectivity]]:
    connectivity = RegistryConnectivity(settings.registry_target)
    client = AppClient(settings.app_client_config())
    yield (
        build_importer(store, connectivity=connectivity, client=client),
        client,
        connectivity,
    )
    await client.close()
    await connectivity.close()


@pytest.fixture
def importer(parts: tuple[Importer, AppClient, RegistryConnectivity]) -> Importer:
    return parts[0]
