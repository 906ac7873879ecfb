"""Wiring of the events-router process."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

from sqlalchemy import inspect
from sqlalchemy.exc import OperationalError

from hubwire.common import bus, grpcutil, subjects
from hubwire.common.catalog import load_catalog
from hubwire.common.db import Database
from hubwire.router.configs import ConfigCache
from hubwire.router.consumer import PullConsumer
from hubwire.router.engine import Disable, FieldsOf, Router
from hubwire.router.log import DeliveryLog
from hubwire.router.models import Table
from hubwire.router.sender import Sender
from hubwire.router.service import RouterServicer
from hubwire.router.settings import RouterSettings
from hubwire.router.tasks import TASKS_FILTER
from hubwire.rpc.mapping.v1 import mapping_pb2, mapping_pb2_grpc
from hubwire.rpc.registry.v1 import registry_pb2, registry_pb2_grpc
from hubwire.rpc.router.v1 import router_pb2_grpc

log = logging.getLogger(__name__)


async def run(settings: RouterSettings) -> None:
    db = Database(settings.database_url(), Table.metadata)
    await create_tables(db)
    deliveries = DeliveryLog(
        db, body_limit=settings.response_body_limit, enabled=settings.delivery_log
    )
    nc = await bus.connect(settings.nats_url, name="events-router")
    js = nc.jetstream()
    await bus.ensure_streams(js, replicas=settings.stream_replicas)
    cache = ConfigCache(settings.secret_box())
    watcher = asyncio.create_task(
        cache.watch(await bus.config_bucket(js, replicas=settings.stream_replicas))
    )
    await asyncio.wait_for(cache.ready.wait(), timeout=30)

    sender = build_sender(settings)
    await sender.start()
    router = Router(
        settings=settings,
        nc=nc,
        cache=cache,
        sender=sender,
        catalog=load_catalog(),
        deliveries=deliveries,
        fields_of=mapping_fields(settings),
        disable=registry_disable(settings),
    )
    consumers = build_consumers(router, settings)
    for consumer in consumers:
        await consumer.start()

    async def on_stop() -> None:
        log.info("waiting for in-flight deliveries")
        await asyncio.gather(*(c.stop(timeout=15) for c in consumers))
        await deliveries.drain()
        log.info("consumers stopped")
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
        await sender.close()
        await nc.close()
        log.info("nats closed")
        await db.dispose()

    await grpcutil.serve(
        name="events-router",
        host=settings.router_host,
        port=settings.router_port,
        register=[
            lambda server: router_pb2_grpc.add_RouterServiceServicer_to_server(
                RouterServicer(router), server
            )
        ],
        service_names=["hubwire.rpc.router.v1.RouterService"],
        on_stop=on_stop,
    )


async def create_tables(db: Database) -> None:
    """Create the tables; replicas starting together on one SQLite file may
    race to create the same table, and the loser simply tries again."""
    for attempt in range(3):
        try:
            await db.create_all()
            await add_missing_columns(db)
            return
        except OperationalError:
            if attempt == 2:
                raise
            await asyncio.sleep(0.2)


# Columns added after the first release, with the DDL that adds them. There
# is no migration tool in the project yet; this keeps a delivery log written
# by an earlier router usable.
_ADDED_COLUMNS = {
    "round": "INTEGER NOT NULL DEFAULT 0",
    "version": "BIGINT NOT NULL DEFAULT 0",
}


async def add_missing_columns(db: Database) -> None:
    async with db.engine.begin() as conn:
        present = await conn.run_sync(
            lambda sync: {c["name"] for c in inspect(sync).get_columns("deliveries")}
        )
        for name, ddl in _ADDED_COLUMNS.items():
            if name not in present:
                await conn.exec_driver_sql(
                    f"ALTER TABLE deliveries ADD COLUMN {name} {ddl}"
                )
                log.info("delivery log: added column deliveries.%s", name)


def build_sender(settings: RouterSettings) -> Sender:
    return Sender(
        settings.outbound_policy(),
        connect_timeout=settings.connect_timeout,
        request_timeout=settings.request_timeout,
        body_limit=settings.response_body_limit,
    )


def build_consumers(router: Router, settings: RouterSettings) -> list[PullConsumer]:
    """The two durable consumers every replica shares: events and tasks."""
    return [
        PullConsumer(
            router.nc,
            stream=subjects.EVENTS_STREAM,
            durable=subjects.ROUTER_EVENTS_CONSUMER,
            subject=subjects.EVENTS_SUBJECTS,
            handler=router.on_event,
            limit=settings.events_in_flight,
            ack_wait=settings.ack_wait_seconds,
        ),
        PullConsumer(
            router.nc,
            stream=subjects.DELIVERIES_STREAM,
            durable=subjects.ROUTER_TASKS_CONSUMER,
            subject=TASKS_FILTER,
            handler=router.on_task,
            limit=settings.max_in_flight,
            ack_wait=settings.ack_wait_seconds,
        ),
    ]


def mapping_fields(settings: RouterSettings) -> FieldsOf:
    """The session's values in the hub's own names, from the mapping service."""
    mapping = mapping_pb2_grpc.MappingServiceStub(
        grpcutil.channel(settings.mapping_target)
    )

    async def fields_of(
        account_id: str, hub: str, attributes: dict[str, object]
    ) -> dict[str, object]:
        reply = await grpcutil.call(
            mapping.ToFields,
            mapping_pb2.ToFieldsRequest(
                account_id=account_id,
                hub_name=hub,
                attributes_json=json.dumps(attributes),
            ),
        )
        fields = json.loads(reply.fields_json)
        return fields if isinstance(fields, dict) else {}

    return fields_of


def registry_disable(settings: RouterSettings) -> Disable:
    """Disabling a destination (after a 410) is the registry's job."""
    registry = registry_pb2_grpc.RegistryServiceStub(
        grpcutil.channel(settings.registry_target)
    )

    async def disable(account_id: str, destination_id: str, reason: str) -> None:
        await grpcutil.call(
            registry.DisableDestination,
            registry_pb2.DisableDestinationRequest(
                account_id=account_id, destination_id=destination_id, reason=reason
            ),
        )

    return disable
