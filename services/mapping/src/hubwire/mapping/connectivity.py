"""How the mapping service learns where a hub's app lives and how to sign in.

The hub registry owns connectivity settings; mapping asks for them, secrets
included, each time it calls an app, so a changed password or URL takes
effect at the next import or write-back attempt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import grpc

from hubwire.common import grpcutil
from hubwire.common.errors import InvalidInput
from hubwire.rpc.registry.v1 import registry_pb2 as rpb
from hubwire.rpc.registry.v1 import registry_pb2_grpc


@dataclass(frozen=True, kw_only=True)
class AppConnection:
    """Where and how to call one hub's app. ``repr`` shows no secret."""

    url: str
    username: str = ""
    password: str = field(default="", repr=False)
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)


class ConnectivitySource(Protocol):
    async def connection(self, account_id: str, hub_name: str) -> AppConnection:
        """The hub's app connection; ``NotFound`` for an unknown hub,
        ``InvalidInput`` when its connectivity is not set."""
        ...


class RegistryConnectivity:
    """``ConnectivitySource`` over the hub registry's gRPC API."""

    def __init__(self, target: str, *, timeout: float = 10.0) -> None:
        self.target = target
        self.timeout = timeout
        self._channel: grpc.aio.Channel | None = None

    async def connection(self, account_id: str, hub_name: str) -> AppConnection:
        request = rpb.GetConnectivityRequest(
            account_id=account_id, hub_name=hub_name, include_secrets=True
        )
        response = await grpcutil.call(
            self._stub().GetConnectivity, request, timeout=self.timeout
        )
        return from_message(hub_name, response.connectivity)

    def _stub(self) -> registry_pb2_grpc.RegistryServiceStub:
        # Created on first use: a grpc.aio channel binds to the running loop.
        if self._channel is None:
            self._channel = grpcutil.channel(self.target)
        return registry_pb2_grpc.RegistryServiceStub(self._channel)

    async def close(self) -> None:
        if self._channel is not None:
            await self._channel.close()
            self._channel = None


def from_message(hub_name: str, message: rpb.Connectivity) -> AppConnection:
    if not message.configured or not message.url:
        raise InvalidInput(
            f"hub {hub_name!r} has no app connectivity; set the app's URL, "
            "username and password first",
            pointer="/hub_name",
        )
    return AppConnection(
        url=message.url,
        username=message.username,
        password=message.password,
        headers=tuple((h.name, h.value) for h in message.headers),
    )
