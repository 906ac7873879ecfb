"""gRPC clients of the internal services, one channel each per process."""

from __future__ import annotations

from dataclasses import dataclass

import grpc

from hubwire.common import grpcutil
from hubwire.common.settings import ServiceSettings
from hubwire.rpc.mapping.v1 import mapping_pb2_grpc
from hubwire.rpc.registry.v1 import registry_pb2_grpc
from hubwire.rpc.router.v1 import router_pb2_grpc


@dataclass
class Clients:
    registry: registry_pb2_grpc.RegistryServiceStub
    mapping: mapping_pb2_grpc.MappingServiceStub
    router: router_pb2_grpc.RouterServiceStub
    channels: list[grpc.aio.Channel]

    @classmethod
    def connect(cls, settings: ServiceSettings) -> Clients:
        channels = [
            grpcutil.channel(t)
            for t in (
                settings.registry_target,
                settings.mapping_target,
                settings.router_target,
            )
        ]
        return cls(
            registry=registry_pb2_grpc.RegistryServiceStub(channels[0]),
            mapping=mapping_pb2_grpc.MappingServiceStub(channels[1]),
            router=router_pb2_grpc.RouterServiceStub(channels[2]),
            channels=channels,
        )

    async def close(self) -> None:
        for channel in self.channels:
            await channel.close()
