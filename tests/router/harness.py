"""An events-router built in-process on a real nats-server, with its gRPC API
on a free port, plus what tests need around it: hub configs written straight
into the KV bucket (as the registry writes them) and events published as any
producer would."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import nats
from nats.aio.client import Client
from nats.js.kv import KeyValue

from hubwire.common import bus, subjects, webhooks
from hubwire.common.catalog import load_catalog
from hubwire.common.db import Database
from hubwire.router.app import build_consumers, build_sender
from hubwire.router.configs import ConfigCache
from hubwire.router.consumer import PullConsumer
from hubwire.router.engine import Disable, FieldsOf, Router
from hubwire.router.log import DeliveryLog
from hubwire.router.models import Table
from hubwire.router.service import RouterServicer
from hubwire.router.settings import RouterSettings
from hubwire.router.tasks import delivery_id
from hubwire.rpc.router.v1 import router_pb2 as pb
from hubwire.rpc.router.v1 import router_pb2_grpc
from tests.support.waiting import wait_until

ACCOUNT = "acc1"


def settings_for(nats_url: str, var_dir: Path, **overrides: Any) -> RouterSettings:
    values: dict[str, Any] = {
        "nats_url": nats_url,
        "var_dir": var_dir,
        "allow_private_urls": True,
        "allow_http_urls": True,
        "retry_schedule": "0,0.2,0.4",
        "retry_jitter": 0.0,
        "request_timeout": 5.0,
        "connect_timeout": 2.0,
    }
    values.update(overrides)
    return RouterSettings(**values)


@dataclass
class Destination:
    event_type: str
    url: str
    username: str = ""
    password: str | None = None
    disabled: bool = False
    id: str = field(default_factory=lambda: f"dst_{uuid.uuid4().hex[:12]}")


class Bus:
    """A client of the bus that writes hub configs as the registry does and
    publishes events as any producer does."""

    def __init__(self, settings: RouterSettings) -> None:
        self.settings = settings
        self.box = settings.secret_box()
        self.secret = webhooks.generate_secret()
        self.nc: Client
        self.kv: KeyValue

    async def connect(self) -> Bus:
        self.nc = await nats.connect(self.settings.nats_url)
        js = self.nc.jetstream()
        await bus.ensure_streams(js)
        self.kv = await bus.config_bucket(js)
        return self

    # -- config, as the registry writes it ------------------------------------

    async def put_hub(
        self,
        hub: str,
        destinations: list[Destination],
        *,
        account: str = ACCOUNT,
        active: bool = True,
        secrets: list[str] | None = None,
    ) -> None:
        doc = {
            "account_id": account,
            "hub": hub,
            "active": active,
            "signing_secrets_enc": [
                self.box.encrypt(s) for s in (secrets or [self.secret])
            ],
            "previous_expires_at": None,
            "destinations": [
                {
                    "id": d.id,
                    "event_type": d.event_type,
                    "url": d.url,
                    "username": d.username,
                    "password_enc": self.box.encrypt(d.password) if d.password else "",
                    "disabled": d.disabled,
                }
                for d in destinations
            ],
        }
        await self.kv.put(subjects.config_key(account, hub), json.dumps(doc).encode())

    # -- events, as any producer publishes them -------------------------------

    async def publish(
        self,
        event_type: str = "session.created",
        *,
        data: dict[str, object] | None = None,
        account: str = ACCOUNT,
        event_id: str | None = None,
        target_hub: str = "",
        session_id: str = "ses_1",
        attributes: dict[str, object] | None = None,
        raw: bytes | None = None,
    ) -> str:
        event_id = event_id or f"evt_{uuid.uuid4().hex}"
        doc: dict[str, object] = {
            "specversion": "1.0",
            "id": event_id,
            "source": "/tests",
            "type": event_type,
            "time": "2026-01-01T00:00:00Z",
            "data": data if data is not None else {"customer": {"name": "Ada"}},
            "hubwiresessionid": session_id,
        }
        if target_hub:
            doc[subjects.TARGET_HUB_EXTENSION] = target_hub
        if attributes:
            doc["hubwireattributes"] = attributes
        await self.nc.jetstream().publish(
            subjects.event_subject(account, event_type),
            raw if raw is not None else json.dumps(doc).encode(),
            headers={"Nats-Msg-Id": event_id},
        )
        return event_id


class RouterHarness(Bus):
    def __init__(
        self,
        settings: RouterSettings,
        *,
        fields_of: FieldsOf | None = None,
        disable: Disable | None = None,
    ) -> None:
        super().__init__(settings)
        self.fields_of = fields_of
        self.disable = disable
        self.router: Router
        self.deliveries: DeliveryLog
        self._db: Database
        self._consumers: list[PullConsumer] = []
        self._watcher: asyncio.Task[None] | None = None
        self._server: grpc.aio.Server | None = None
        self._channel: grpc.aio.Channel | None = None
        self.rpc: router_pb2_grpc.RouterServiceStub

    async def start(self) -> RouterHarness:
        self._db = Database(self.settings.database_url(), Table.metadata)
        await self._db.create_all()
        self.deliveries = DeliveryLog(
            self._db, body_limit=self.settings.response_body_limit
        )
        await self.connect()
        cache = ConfigCache(self.box)
        self._watcher = asyncio.create_task(cache.watch(self.kv))
        await asyncio.wait_for(cache.ready.wait(), 10)
        sender = build_sender(self.settings)
        await sender.start()
        self.router = Router(
            settings=self.settings,
            nc=self.nc,
            cache=cache,
            sender=sender,
            catalog=load_catalog(),
            deliveries=self.deliveries,
            fields_of=self.fields_of,
            disable=self.disable,
        )
        self._consumers = build_consumers(self.router, self.settings)
        for consumer in self._consumers:
            await consumer.start()
        await self._serve_grpc()
        return self

    async def _serve_grpc(self) -> None:
        self._server = grpc.aio.server()
        router_pb2_grpc.add_RouterServiceServicer_to_server(
            RouterServicer(self.router), self._server
        )
        port = self._server.add_insecure_port("127.0.0.1:0")
        await self._server.start()
        self._channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
        self.rpc = router_pb2_grpc.RouterServiceStub(self._channel)

    async def stop(self) -> None:
        await asyncio.gather(*(c.stop(timeout=2) for c in self._consumers))
        await self.deliveries.drain()
        if self._channel is not None:
            await self._channel.close()
        if self._server is not None:
            await self._server.stop(grace=0)
        if self._watcher is not None:
            self._watcher.cancel()
        await self.router.sender.close()
        await self.nc.close()
        await self._db.dispose()

    async def put_hub_and_wait(
        self, hub: str, destinations: list[Destination], **kw: Any
    ) -> None:
        """Write the config and wait until the router's cache has it."""
        account = kw.get("account", ACCOUNT)
        await self.put_hub(hub, destinations, **kw)
        ids = {d.id for d in destinations}

        def applied() -> bool:
            config = self.router.cache.get(account, hub)
            return config is not None and {d.id for d in config.destinations} == ids

        await wait_until(applied, timeout=5, what=f"config of {hub}")

    # -- reading the log ------------------------------------------------------

    async def delivery(
        self, event_id: str, dest: Destination, account: str = ACCOUNT
    ) -> pb.Delivery:
        reply = await self.rpc.GetDelivery(
            pb.GetDeliveryRequest(
                account_id=account, delivery_id=delivery_id(account, event_id, dest.id)
            )
        )
        return reply.delivery

    async def wait_status(
        self, event_id: str, dest: Destination, status: str, *, timeout: float = 10
    ) -> pb.Delivery:
        found: list[pb.Delivery] = []

        async def reached() -> bool:
            try:
                row = await self.delivery(event_id, dest)
            except grpc.aio.AioRpcError:
                return False
            found[:] = [row]
            return row.status == status

        await wait_until(reached, timeout=timeout, what=f"status {status}")
        return found[0]
