"""Wiring of the hub-registry process: database, NATS config publisher, gRPC."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import timedelta

from nats.aio.client import Client
from nats.js.errors import NoKeysError
from nats.js.kv import KeyValue

from hubwire.common import bus, grpcutil, subjects
from hubwire.common.catalog import load_catalog
from hubwire.common.db import Database
from hubwire.common.times import utcnow
from hubwire.registry import migrate
from hubwire.registry.models import Table
from hubwire.registry.service import RegistryServicer
from hubwire.registry.settings import RegistrySettings
from hubwire.registry.store import Registry
from hubwire.rpc.registry.v1 import registry_pb2_grpc

log = logging.getLogger(__name__)
RESYNC_SECONDS = 30.0


class ConfigPublisher:
    """Puts each hub's delivery config in the KV bucket routers watch.

    A failed put (NATS away) is not lost: the periodic resync writes every
    hub again, so routers converge once the broker is back.
    """

    def __init__(self, kv: KeyValue | None = None) -> None:
        self.kv = kv

    async def __call__(
        self, account_id: str, hub_name: str, config: dict[str, object] | None
    ) -> None:
        if self.kv is None:
            return
        key = subjects.config_key(account_id, hub_name)
        try:
            if config is None:
                await self.kv.delete(key)
            else:
                await self.kv.put(key, json.dumps(config).encode())
        except Exception as exc:  # noqa: BLE001 - resync repairs any failure
            log.warning("config publish failed key=%s: %s", key, exc)

    async def prune(self, keep: set[str]) -> int:
        """Delete keys of hubs that no longer exist (a put that raced a
        delete, or a delete lost while NATS was away)."""
        if self.kv is None:
            return 0
        try:
            keys = await self.kv.keys()
        except NoKeysError:
            return 0
        stale = [key for key in keys if key not in keep]
        for key in stale:
            await self.kv.delete(key)
        return len(stale)


async def open_database(settings: RegistrySettings) -> Database:
    """The registry's database, migrated to the newest schema."""
    db = Database(settings.database_url(), Table.metadata)
    await migrate.upgrade(db.engine)
    return db


async def build_registry(
    settings: RegistrySettings, publisher: ConfigPublisher | None = None
) -> Registry:
    return Registry(
        await open_database(settings),
        settings=settings,
        catalog=load_catalog(),
        policy=settings.outbound_policy(),
        publish=publisher,
    )


async def resync_once(registry: Registry, publisher: ConfigPublisher) -> None:
    """One round of upkeep: apply a hand-edited blocked list, publish every
    hub's config, delete stale keys, purge expired tokens."""
    await registry.reload_blocked_services()
    keys = await registry.all_hub_keys()
    for account_id, hub_name in keys:
        await registry.publish_hub(account_id, hub_name)
    await publisher.prune({subjects.config_key(a, h) for a, h in keys})
    await registry.purge_expired_tokens()


async def resync(
    registry: Registry, publisher: ConfigPublisher, *, every: float = RESYNC_SECONDS
) -> None:
    """Upkeep forever: every ``every`` seconds, and right when a rotated
    signing secret's grace period ends, so the old secret leaves the routers'
    config on time."""
    while True:
        try:
            await resync_once(registry, publisher)
            delay = await _until_next_round(registry, every)
        except Exception:  # noqa: BLE001 - the loop must outlive any one failure
            log.exception("registry resync failed; retrying")
            delay = every
        await asyncio.sleep(delay)


async def _until_next_round(registry: Registry, every: float) -> float:
    expiry = await registry.next_secret_expiry()
    if expiry is None:
        return every
    # A little past the expiry, so the secret is no longer live when read.
    due = (expiry - utcnow() + timedelta(milliseconds=50)).total_seconds()
    return max(0.05, min(every, due))


async def run(settings: RegistrySettings) -> None:
    publisher = ConfigPublisher()
    registry = await build_registry(settings, publisher)
    nc: Client = await bus.connect(settings.nats_url, name="hub-registry")
    js = nc.jetstream()
    await bus.ensure_streams(js, replicas=settings.stream_replicas)
    publisher.kv = await bus.config_bucket(js, replicas=settings.stream_replicas)
    # The list file may have grown while the registry was down.
    await registry.remove_blocked_destinations(
        registry.policy.blocked_domains, actor="operator"
    )
    syncer = asyncio.create_task(resync(registry, publisher))

    async def stop() -> None:
        syncer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await syncer
        await nc.close()
        await registry.db.dispose()

    await grpcutil.serve(
        name="hub-registry",
        host=settings.registry_host,
        port=settings.registry_port,
        register=[
            lambda server: registry_pb2_grpc.add_RegistryServiceServicer_to_server(
                RegistryServicer(registry), server
            )
        ],
        service_names=["hubwire.rpc.registry.v1.RegistryService"],
        on_stop=stop,
    )
