"""Every change a router cares about reaches the KV bucket ``hubwire_config``
within a second, on a real nats-server."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue

from hubwire.common import bus
from hubwire.registry.app import ConfigPublisher, resync, resync_once
from hubwire.registry.store import Registry
from tests.registry.conftest import ADMIN, ADMIN_PASSWORD, Backend, MakeRegistry
from tests.support.natsserver import NatsServer

ACCOUNT = "acme"
KEY = "acme.crm_hub"
HOOK = "https://hooks.example.com/hubwire"
WITHIN = 1.0


@pytest.fixture
async def backend(tmp_path: Path) -> Backend:
    """Publishing does not depend on the database: SQLite only here."""
    return Backend("sqlite", f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}")


@pytest.fixture
async def kv(nats_server: NatsServer) -> AsyncIterator[KeyValue]:
    nc = await nats.connect(nats_server.url)
    try:
        yield await bus.config_bucket(nc.jetstream())
    finally:
        await nc.close()


@pytest.fixture
async def wired(kv: KeyValue, make_registry: MakeRegistry) -> Registry:
    """A registry publishing to the bucket, with account ``acme``."""
    registry: Registry = await make_registry(
        ConfigPublisher(kv), signing_secret_grace_hours=1.5 / 3600
    )
    await registry.create_account(ACCOUNT)
    await registry.create_admin(ACCOUNT, ADMIN, ADMIN_PASSWORD)
    return registry


class Watch:
    """The updates of one key, each awaited with a deadline."""

    def __init__(self, watcher: Any) -> None:
        self.watcher = watcher

    async def next(self, timeout: float = WITHIN) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no update of {KEY} within {timeout}s")
            try:
                entry = await self.watcher.updates(timeout=left)
            except nats.errors.TimeoutError:
                continue
            if entry is not None:  # None marks the end of the initial values
                return entry

    async def config(self, timeout: float = WITHIN) -> dict[str, Any]:
        entry = await self.next(timeout)
        assert entry.operation is None, f"expected a put, got {entry.operation}"
        config: dict[str, Any] = json.loads(entry.value)
        return config


@pytest.fixture
async def watch(kv: KeyValue) -> AsyncIterator[Watch]:
    watcher = await kv.watch(KEY)
    yield Watch(watcher)
    await watcher.stop()


async def test_every_hub_and_destination_change_reaches_the_bucket_within_a_second(
    wired: Registry, watch: Watch
) -> None:
    await wired.create_hub(ACCOUNT, "crm_hub", "", actor=ADMIN)
    created = await watch.config()
    await wired.set_destination(
        ACCOUNT,
        "crm_hub",
        event_type="session.created",
        url=HOOK,
        username="receiver",
        password="destination-password-1",
        actor=ADMIN,
    )
    with_destination = await watch.config()
    await wired.update_hub(
        ACCOUNT, "crm_hub", description=None, active=False, actor=ADMIN
    )
    deactivated = await watch.config()
    await wired.disable_destination(
        ACCOUNT, with_destination["destinations"][0]["id"], "410 Gone"
    )
    disabled = await watch.config()
    await wired.delete_destination(ACCOUNT, "crm_hub", "session.created", actor=ADMIN)
    without_destination = await watch.config()

    assert (created["account_id"], created["hub"], created["active"]) == (
        ACCOUNT,
        "crm_hub",
        True,
    )
    (dest,) = with_destination["destinations"]
    assert (dest["event_type"], dest["url"], dest["username"]) == (
        "session.created",
        HOOK,
        "receiver",
    )
    assert "destination-password-1" not in json.dumps(with_destination)
    assert deactivated["active"] is False
    assert disabled["destinations"][0]["disabled"] is True
    assert without_destination["destinations"] == []


async def test_a_deleted_hubs_key_is_deleted_from_the_bucket_within_a_second(
    wired: Registry, watch: Watch, kv: KeyValue
) -> None:
    await wired.create_hub(ACCOUNT, "crm_hub", "", actor=ADMIN)
    await watch.config()

    await wired.delete_hub(ACCOUNT, "crm_hub", actor=ADMIN)

    entry = await watch.next()
    assert entry.operation == "DEL"
    with pytest.raises(KeyNotFoundError):
        await kv.get(KEY)


async def test_the_config_carries_both_secrets_during_grace_and_one_after(
    wired: Registry, watch: Watch, kv: KeyValue
) -> None:
    await wired.create_hub(ACCOUNT, "crm_hub", "", actor=ADMIN)
    await watch.config()
    new, _ = await wired.rotate_signing_secret(ACCOUNT, "crm_hub", actor=ADMIN)
    during = await watch.config()
    # The upkeep loop runs as in the service, with its 30 s period: only the
    # wake-up at the end of the grace period can drop the old secret in time.
    upkeep = asyncio.create_task(resync(wired, ConfigPublisher(kv)))
    try:
        after = during
        while len(after["signing_secrets_enc"]) == 2:
            after = await watch.config(timeout=5)
    finally:
        upkeep.cancel()
        with pytest.raises(asyncio.CancelledError):
            await upkeep

    assert len(during["signing_secrets_enc"]) == 2
    assert during["previous_expires_at"] is not None
    assert [wired.box.decrypt(s) for s in after["signing_secrets_enc"]] == [new]
    assert after["previous_expires_at"] is None


async def test_a_resync_rewrites_every_hub_and_prunes_keys_of_hubs_that_are_gone(
    wired: Registry, kv: KeyValue
) -> None:
    publisher = ConfigPublisher(kv)
    await wired.create_hub(ACCOUNT, "crm_hub", "", actor=ADMIN)
    await kv.delete(KEY)  # as if the put had been lost
    await kv.put("acme.ghost_hub", b"{}")  # as if a delete had been lost

    await resync_once(wired, publisher)

    assert json.loads((await kv.get(KEY)).value)["hub"] == "crm_hub"
    with pytest.raises(KeyNotFoundError):
        await kv.get("acme.ghost_hub")
    assert await kv.keys() == [KEY]
