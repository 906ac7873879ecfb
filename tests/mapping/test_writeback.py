"""Write-back end to end: an attributes.updated event on a real JetStream, the
write-back consumers, and real customer apps over HTTP."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import nats
import pytest
from aiohttp import web
from nats.aio.client import Client
from nats.aio.subscription import Subscription
from nats.js import JetStreamContext

from hubwire.common import bus, subjects
from hubwire.mapping.appclient import AppClient
from hubwire.mapping.connectivity import RegistryConnectivity
from hubwire.mapping.importer import Importer
from hubwire.mapping.settings import MappingSettings
from hubwire.mapping.sources import SourceRules, SourceSpec
from hubwire.mapping.store import MappingStore
from hubwire.mapping.writeback import Writeback, WritebackTask
from tests.mapping.support import (
    ACCOUNT,
    WAIT,
    ExampleApp,
    FakeRegistry,
    Handler,
    add_attribute,
    wait_for,
)
from tests.support.natsserver import NatsServer

CONTACT = {
    "objects": [
        {
            "name": "Contact",
            "fields": [
                {"name": "Email", "type": "email", "writable": True},
                {"name": "CreditScore", "type": "integer", "writable": False},
            ],
        }
    ]
}


@dataclass
class Bus:
    nc: Client
    js: JetStreamContext
    outcomes: Subscription

    async def next_outcome(self) -> dict[str, object]:
        msg = await self.outcomes.next_msg(timeout=WAIT)
        doc: dict[str, object] = json.loads(msg.data)
        assert msg.subject == subjects.writeback_outcome_subject(
            ACCOUNT, str(doc["outcome"])
        )
        return doc

    async def publish_event(
        self,
        event_id: str,
        changed: dict[str, object],
        *,
        records: dict[str, str] | None = None,
        target: str = "",
        source: str = "",
        msg_id: str = "",
    ) -> None:
        doc: dict[str, object] = {
            "specversion": "1.0",
            "id": event_id,
            "type": "attributes.updated",
            "source": "/tests/writeback",
            "time": "2025-01-01T00:00:00Z",
            "hubwireaccount": ACCOUNT,
            "hubwiresessionid": "ses_1",
            "hubwirerecords": {"Contact": "003A"} if records is None else records,
            "data": {"changed": changed} | ({"source": source} if source else {}),
        }
        if target:
            doc["hubwiretargethub"] = target
        subject = subjects.event_subject(ACCOUNT, "attributes.updated")
        headers = {"Nats-Msg-Id": msg_id or event_id}
        await self.js.publish(subject, json.dumps(doc).encode(), headers=headers)

    async def task_count(self) -> int:
        info = await self.js.stream_info(
            subjects.WRITEBACK_STREAM, subjects_filter="hubwire.writeback.tasks.>"
        )
        return sum((info.state.subjects or {}).values())


@pytest.fixture
async def nats_bus(nats_server: NatsServer) -> AsyncIterator[Bus]:
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    await bus.ensure_streams(js)
    outcomes = await nc.subscribe("hubwire.writeback.outcomes.>")
    yield Bus(nc, js, outcomes)
    await nc.drain()


@pytest.fixture
async def writeback(
    nats_bus: Bus,
    settings: MappingSettings,
    store: MappingStore,
    parts: tuple[Importer, AppClient, RegistryConnectivity],
) -> AsyncIterator[Writeback]:
    _, client, connectivity = parts
    worker = Writeback(
        nats_bus.js,
        sources=SourceRules(store),
        connectivity=connectivity,
        client=client,
        config=settings.writeback_config(),
    )
    await worker.start()
    yield worker
    await worker.stop()


async def add_source(
    store: MappingStore, attribute: str, field: str, *, hub: str, updatable: bool
) -> None:
    spec = SourceSpec(
        attribute=attribute,
        hub_name=hub,
        object="Contact",
        field=field,
        updatable=updatable,
    )
    await SourceRules(store).add(ACCOUNT, spec)


@pytest.fixture
async def crm_and_erp(
    importer: Importer,
    store: MappingStore,
    example_app: ExampleApp,
    fake_registry: FakeRegistry,
) -> ExampleApp:
    """Two hubs on the example app, each with updatable Email and FirstName
    sources and a read-only CreditScore source."""
    for name, kind in [
        ("email", "email"),
        ("first_name", "string"),
        ("score", "integer"),
    ]:
        await add_attribute(store, name, kind)
    for hub in ("crm", "erp"):
        fake_registry.connect(hub, example_app.import_url)
        await importer.import_now(ACCOUNT, hub)
        await add_source(store, "email", "Email", hub=hub, updatable=True)
        await add_source(store, "first_name", "FirstName", hub=hub, updatable=True)
        await add_source(store, "score", "CreditScore", hub=hub, updatable=False)
    return example_app


@pytest.mark.usefixtures("writeback")
async def test_a_change_is_written_back_once_with_only_the_updatable_fields(
    nats_bus: Bus, crm_and_erp: ExampleApp
) -> None:
    changed = {"email": "ada@lovelace.org", "first_name": "Ada", "score": 800}

    await nats_bus.publish_event("ev1", changed, target="crm")

    outcome = await nats_bus.next_outcome()
    assert outcome["outcome"] == "succeeded"
    assert outcome["key"] == "ev1:crm:Contact"
    assert outcome["fields"] == ["Email", "FirstName"]
    [received] = crm_and_erp.store.received
    assert received.key == "ev1:crm:Contact"
    assert received.body == {
        "object": "Contact",
        "record_id": "003A",
        "fields": {"Email": "ada@lovelace.org", "FirstName": "Ada"},
    }
    record = crm_and_erp.store.records["Contact"]["003A"]
    assert record["Email"] == "ada@lovelace.org"
    assert "CreditScore" not in record


@pytest.mark.usefixtures("writeback")
async def test_an_event_planned_twice_is_still_written_once(
    nats_bus: Bus, crm_and_erp: ExampleApp
) -> None:
    await nats_bus.publish_event("ev1", {"email": "a@b.io"}, target="crm")
    assert (await nats_bus.next_outcome())["key"] == "ev1:crm:Contact"

    # The same event again under another message id (a producer's retry
    # after the stream's duplicate window): planned again, deduplicated by
    # the task's Nats-Msg-Id. The events consumer works in order, so once
    # ev2 is written ev1's second planning is done.
    await nats_bus.publish_event("ev1", {"email": "a@b.io"}, target="crm", msg_id="x")
    await nats_bus.publish_event("ev2", {"first_name": "Ada"}, target="crm")
    assert (await nats_bus.next_outcome())["key"] == "ev2:crm:Contact"

    assert [r.key for r in crm_and_erp.store.received] == [
        "ev1:crm:Contact",
        "ev2:crm:Contact",
    ]
    assert await nats_bus.task_count() == 2


@pytest.mark.usefixtures("writeback")
async def test_the_target_hub_alone_is_written_and_never_the_hub_of_the_change(
    nats_bus: Bus, crm_and_erp: ExampleApp
) -> None:
    await nats_bus.publish_event("targeted", {"email": "t@x.io"}, target="erp")
    await nats_bus.publish_event("from_crm", {"email": "c@x.io"}, source="crm")
    await nats_bus.publish_event("everyone", {"email": "e@x.io"})

    keys = {str((await nats_bus.next_outcome())["key"]) for _ in range(4)}

    assert keys == {
        "targeted:erp:Contact",
        "from_crm:erp:Contact",
        "everyone:crm:Contact",
        "everyone:erp:Contact",
    }
    assert sorted(r.key for r in crm_and_erp.store.received) == sorted(keys)


@pytest.mark.usefixtures("writeback")
async def test_no_task_without_an_updatable_field_or_a_record_id(
    nats_bus: Bus, crm_and_erp: ExampleApp
) -> None:
    await nats_bus.publish_event("readonly", {"score": 1}, target="crm")
    await nats_bus.publish_event("unknown", {"nobody_maps_this": 1}, target="crm")
    await nats_bus.publish_event(
        "norecord", {"email": "n@x.io"}, records={}, target="crm"
    )
    await nats_bus.publish_event("sentinel", {"email": "s@x.io"}, target="crm")

    assert (await nats_bus.next_outcome())["key"] == "sentinel:crm:Contact"
    assert [r.key for r in crm_and_erp.store.received] == ["sentinel:crm:Contact"]
    assert await nats_bus.task_count() == 1


# -- failing apps ------------------------------------------------------------------


@dataclass
class FlakyApp:
    """Imports fine; answers updates with the scripted statuses, then 200."""

    statuses: list[int] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)

    async def __call__(self, request: web.Request) -> web.StreamResponse:
        if request.method == "GET":
            return web.json_response(CONTACT)
        self.keys.append(request.headers["Idempotency-Key"])
        status = self.statuses.pop(0) if self.statuses else 200
        body = {"object": "Contact", "record_id": "003A", "record": {}}
        return web.json_response(
            body if status == 200 else {"detail": "no"}, status=status
        )


@pytest.fixture
async def flaky(
    http_app: Callable[[Handler], Awaitable[str]],
    importer: Importer,
    store: MappingStore,
    fake_registry: FakeRegistry,
) -> FlakyApp:
    app = FlakyApp()
    fake_registry.connect("flaky", await http_app(app) + "/hubwire/objects")
    await importer.import_now(ACCOUNT, "flaky")
    await add_attribute(store, "email", "email")
    await add_source(store, "email", "Email", hub="flaky", updatable=True)
    return app


@pytest.mark.usefixtures("writeback")
async def test_a_failing_app_is_retried_then_the_task_is_dead(
    nats_bus: Bus, flaky: FlakyApp
) -> None:
    flaky.statuses = [503, 503, 503, 503]

    await nats_bus.publish_event("ev1", {"email": "a@b.io"})

    seen = [await nats_bus.next_outcome() for _ in range(3)]
    assert [(o["outcome"], o["attempt"]) for o in seen] == [
        ("failed", 1),
        ("failed", 2),
        ("dead", 3),
    ]
    assert [o["retry_in"] for o in seen] == [0.2, 0.3, None]
    dead = seen[-1]
    assert dead["status"] == 503
    assert dead["max_attempts"] == 3
    assert "failed (HTTP 503)" in str(dead["error"])
    assert flaky.keys == ["ev1:flaky:Contact"] * 3


@pytest.mark.usefixtures("writeback")
async def test_an_app_that_recovers_gets_the_same_idempotency_key(
    nats_bus: Bus, flaky: FlakyApp
) -> None:
    flaky.statuses = [500]

    await nats_bus.publish_event("ev1", {"email": "a@b.io"})

    first, second = await nats_bus.next_outcome(), await nats_bus.next_outcome()
    assert (first["outcome"], second["outcome"]) == ("failed", "succeeded")
    assert flaky.keys == ["ev1:flaky:Contact", "ev1:flaky:Contact"]


@pytest.mark.usefixtures("writeback")
async def test_an_apps_refusal_is_dead_at_once(nats_bus: Bus, flaky: FlakyApp) -> None:
    flaky.statuses = [422]

    await nats_bus.publish_event("ev1", {"email": "a@b.io"})

    dead = await nats_bus.next_outcome()
    assert (dead["outcome"], dead["attempt"], dead["status"]) == ("dead", 1, 422)
    assert flaky.keys == ["ev1:flaky:Contact"]


@pytest.mark.usefixtures("writeback")
async def test_a_field_made_not_updatable_before_a_retry_is_not_written(
    nats_bus: Bus, flaky: FlakyApp, store: MappingStore
) -> None:
    flaky.statuses = [503]
    await nats_bus.publish_event("ev1", {"email": "a@b.io"})
    assert (await nats_bus.next_outcome())["outcome"] == "failed"

    await add_source(store, "email", "Email", hub="flaky", updatable=False)

    async def settled() -> bool:
        info = await nats_bus.js.consumer_info(
            subjects.WRITEBACK_STREAM, subjects.MAPPING_WRITEBACK_TASKS_CONSUMER
        )
        return info.num_pending == 0 and info.num_ack_pending == 0

    await wait_for(settled, what="the retry to be settled")
    assert flaky.keys == ["ev1:flaky:Contact"]


@pytest.mark.usefixtures("writeback")
async def test_a_malformed_event_is_dropped_without_blocking_the_next(
    nats_bus: Bus, crm_and_erp: ExampleApp
) -> None:
    subject = subjects.event_subject(ACCOUNT, "attributes.updated")
    await nats_bus.js.publish(subject, b"not json", headers={"Nats-Msg-Id": "bad1"})
    bad = json.dumps({"id": "bad2", "data": {"changed": "nope"}}).encode()
    await nats_bus.js.publish(subject, bad, headers={"Nats-Msg-Id": "bad2"})
    await nats_bus.publish_event("good", {"email": "g@x.io"}, target="crm")

    assert (await nats_bus.next_outcome())["key"] == "good:crm:Contact"
    assert [r.key for r in crm_and_erp.store.received] == ["good:crm:Contact"]


@pytest.mark.usefixtures("writeback")
async def test_a_task_whose_body_names_another_account_than_its_subject_is_never_run(
    nats_bus: Bus, crm_and_erp: ExampleApp
) -> None:
    # Whoever may publish on one account's subject must not act for another:
    # the body names ACCOUNT, the subject belongs to "intruder".
    forged = WritebackTask(
        event_id="forged",
        account=ACCOUNT,
        hub="crm",
        object="Contact",
        record_id="003A",
        fields={"Email": "forged@evil.example"},
    )
    await nats_bus.js.publish(
        subjects.writeback_task_subject("intruder"), forged.to_bytes()
    )
    await nats_bus.publish_event("ev9", {"first_name": "Ada"}, target="crm")

    outcome = await nats_bus.next_outcome()
    assert outcome["key"] == "ev9:crm:Contact"
    assert [r.key for r in crm_and_erp.store.received] == ["ev9:crm:Contact"]
    assert crm_and_erp.store.records["Contact"]["003A"].get("Email") != (
        "forged@evil.example"
    )
