"""Helpers of the mapping tests: a registry serving connectivity over real
gRPC, the example app's handle, settings for loopback apps, polling."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from aiohttp import web

from examples.customer_app.app import CustomerStore
from hubwire.common.errors import NotFound
from hubwire.common.grpcutil import rpc_errors
from hubwire.mapping.settings import MappingSettings
from hubwire.mapping.store import MappingStore
from hubwire.rpc.registry.v1 import registry_pb2 as rpb
from hubwire.rpc.registry.v1 import registry_pb2_grpc
from tests.support.waiting import wait_until

ACCOUNT = "acc1"
APP_USER = "hubwire"
# Not ASCII on purpose: HTTP Basic is sent as UTF-8 (RFC 7617).
APP_PASSWORD = "s3cret-pässword"
WAIT = 10.0

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


wait_for = functools.partial(wait_until, timeout=WAIT)


@dataclass
class FakeRegistry(registry_pb2_grpc.RegistryServiceServicer):
    """The registry's GetConnectivity, over a real gRPC server. ``hubs``
    maps (account, hub) to its connectivity, None when not set."""

    hubs: dict[tuple[str, str], rpb.Connectivity | None] = field(default_factory=dict)

    def connect(
        self,
        hub: str,
        url: str,
        *,
        account: str = ACCOUNT,
        username: str = APP_USER,
        password: str = APP_PASSWORD,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.hubs[(account, hub)] = rpb.Connectivity(
            url=url,
            username=username,
            password=password,
            configured=True,
            headers=[rpb.Header(name=k, value=v) for k, v in (headers or {}).items()],
        )

    @rpc_errors
    async def GetConnectivity(
        self, request: rpb.GetConnectivityRequest, context: grpc.aio.ServicerContext
    ) -> rpb.GetConnectivityResponse:
        key = (request.account_id, request.hub_name)
        if key not in self.hubs:
            raise NotFound(f"hub {request.hub_name!r} not found")
        assert request.include_secrets
        conn = self.hubs[key] or rpb.Connectivity(configured=False)
        return rpb.GetConnectivityResponse(connectivity=conn)


@dataclass
class ExampleApp:
    store: CustomerStore
    base: str

    @property
    def import_url(self) -> str:
        return f"{self.base}/hubwire/objects"


def make_settings(
    tmp_path: Path, registry_target: str, **overrides: object
) -> MappingSettings:
    values: dict[str, object] = {
        "var_dir": tmp_path / "var",
        "allow_private_urls": True,
        "allow_http_urls": True,
        "registry_target": registry_target,
        "app_connect_timeout": 1.0,
        "app_timeout": 2.0,
        "import_max_bytes": 64 * 1024,
        "writeback_retry_delays": [0.2, 0.3],
        "writeback_ack_wait": 10.0,
        "writeback_workers": 2,
    }
    values.update(overrides)
    return MappingSettings(**values)  # type: ignore[arg-type]


async def add_attribute(store: MappingStore, name: str, type: str = "string") -> None:
    await store.create_attribute(
        ACCOUNT, name=name, type=type, label="", description=""
    )
