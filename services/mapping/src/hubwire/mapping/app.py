"""Wiring of the mapping process: database, gRPC, write-back consumers."""

from __future__ import annotations

import logging

import grpc

from hubwire.common import bus, grpcutil
from hubwire.common.db import Database
from hubwire.mapping.appclient import AppClient
from hubwire.mapping.connectivity import ConnectivitySource, RegistryConnectivity
from hubwire.mapping.imported import ImportedCatalogue
from hubwire.mapping.importer import Importer
from hubwire.mapping.models import Table
from hubwire.mapping.service import MappingServicer
from hubwire.mapping.settings import MappingSettings
from hubwire.mapping.sources import SourceRules
from hubwire.mapping.store import MappingStore
from hubwire.mapping.writeback import Writeback
from hubwire.rpc.mapping.v1 import mapping_pb2_grpc

log = logging.getLogger(__name__)


async def build_store(settings: MappingSettings) -> MappingStore:
    db = Database(settings.database_url(), Table.metadata)
    await db.create_all()
    return MappingStore(db)


def build_importer(
    store: MappingStore, *, connectivity: ConnectivitySource, client: AppClient
) -> Importer:
    catalogue = ImportedCatalogue(store)
    return Importer(connectivity=connectivity, client=client, catalogue=catalogue)


async def run(settings: MappingSettings) -> None:
    store = await build_store(settings)
    connectivity = RegistryConnectivity(settings.registry_target)
    client = AppClient(settings.app_client_config())
    importer = build_importer(store, connectivity=connectivity, client=client)

    nc = await bus.connect(settings.nats_url, name="mapping")
    js = nc.jetstream()
    await bus.ensure_streams(js, replicas=settings.stream_replicas)
    writeback = Writeback(
        js,
        sources=SourceRules(store),
        connectivity=connectivity,
        client=client,
        config=settings.writeback_config(),
    )
    await writeback.start()

    async def stop() -> None:
        await writeback.stop()
        await nc.close()
        await client.close()
        await connectivity.close()
        await store.db.dispose()

    def register(server: grpc.aio.Server) -> None:
        servicer = MappingServicer(store, importer=importer)
        mapping_pb2_grpc.add_MappingServiceServicer_to_server(servicer, server)

    await grpcutil.serve(
        name="mapping",
        host=settings.mapping_host,
        port=settings.mapping_port,
        register=[register],
        service_names=["hubwire.rpc.mapping.v1.MappingService"],
        on_stop=stop,
    )
