"""Write-back: Attribute changes made during a session flow back to the apps.

Two durable JetStream consumers, each shared by every replica of the service:

1. ``mapping-writeback`` reads ``attributes.updated`` events from
   ``HUBWIRE_EVENTS`` and plans. For each hub with an updatable source of a
   changed Attribute (only the event's target hub when it names one; never
   the hub the change came from, ``data.source``, which already has it), and
   a record id the session carries for the source's object, it publishes one
   task per (event, hub, object) on ``hubwire.writeback.tasks.<account>``
   with ``Nats-Msg-Id`` = the task key, so planning an event twice publishes
   nothing new.
2. ``mapping-writeback-tasks`` executes tasks: it POSTs the record's changes
   to the app's update endpoint with ``Idempotency-Key`` = the task key,
   retries after the configured delays (a nak with delay), and gives up
   (dead) after the last attempt or at once on a refusal that retrying cannot
   cure. Every attempt publishes an outcome on
   ``hubwire.writeback.outcomes.<account>.<succeeded|failed|dead>``.

Delivery is at least once: a worker killed after the app applied a change
but before the ack repeats the call, and the app answers the repeated
``Idempotency-Key`` without applying it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, replace
from dataclasses import fields as dataclass_fields

import nats.errors
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from prometheus_client import Counter

from hubwire.common import subjects
from hubwire.common.errors import (
    HubwireError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    Unauthenticated,
)
from hubwire.common.times import iso, utcnow
from hubwire.mapping.appclient import AppAnswerError, AppClient
from hubwire.mapping.connectivity import ConnectivitySource
from hubwire.mapping.contract import idempotency_key, update_request, update_url
from hubwire.mapping.models import AttributeSource
from hubwire.mapping.sources import SourceRules

log = logging.getLogger(__name__)
WRITEBACKS = Counter(
    "hubwire_writebacks", "Write-back attempts by outcome", ["outcome"]
)

EVENTS_FILTER = "hubwire.events.*.attributes.updated"
TASKS_FILTER = "hubwire.writeback.tasks.*"
# Delays before attempts 2, 3, ...; the task is dead after len + 1 attempts.
DEFAULT_RETRY_DELAYS = (5.0, 30.0, 120.0, 600.0, 1800.0, 7200.0)
# A failure outside the app call (database, broker): try the message again soon.
REDELIVER_DELAY = 1.0

Handler = Callable[[Msg], Awaitable[None]]


@dataclass(frozen=True, kw_only=True)
class WritebackConfig:
    retry_delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS
    workers: int = 4
    # Longer than one app call (connect + total timeout) plus the registry call.
    ack_wait: float = 60.0
    # How long one pull waits for a message; also bounds shutdown latency.
    fetch_timeout: float = 2.0

    @property
    def max_attempts(self) -> int:
        return len(self.retry_delays) + 1


# -- the event and the task ------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class AttributesUpdated:
    """The parts of an ``attributes.updated`` CloudEvent write-back uses."""

    id: str
    account: str
    changed: dict[str, object]
    records: dict[str, str]
    target_hub: str = ""
    source_hub: str = ""


@dataclass(frozen=True, kw_only=True)
class WritebackTask:
    event_id: str
    account: str
    hub: str
    object: str
    record_id: str
    fields: dict[str, object]

    @property
    def key(self) -> str:
        return idempotency_key(self.event_id, self.hub, self.object)

    def to_bytes(self) -> bytes:
        return json.dumps(asdict(self), ensure_ascii=False).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> WritebackTask:
        known = {f.name for f in dataclass_fields(cls)}
        try:
            raw = json.loads(data)
            # Keys a newer replica may add are ignored, not fatal.
            task = cls(**{k: v for k, v in raw.items() if k in known})
        except (ValueError, TypeError, AttributeError) as exc:
            raise ValueError(f"not a write-back task: {exc}") from exc
        if not isinstance(task.fields, dict) or not task.fields:
            raise ValueError("a write-back task needs fields")
        return task


def parse_event(subject: str, data: bytes) -> AttributesUpdated:
    """Raise ``ValueError`` for an event write-back cannot use."""
    account, event_type = subjects.parse_event_subject(subject)
    doc = json.loads(data)
    if not isinstance(doc, dict) or event_type != "attributes.updated":
        raise ValueError("not an attributes.updated event")
    if doc.get("hubwireaccount", account) != account:
        raise ValueError("hubwireaccount differs from the subject's account")
    body = doc.get("data")
    if not isinstance(body, dict) or not isinstance(body.get("changed"), dict):
        raise ValueError("data.changed must be an object")
    event_id = doc.get("id")
    if not isinstance(event_id, str) or not event_id:
        raise ValueError("the event has no id")
    return AttributesUpdated(
        id=event_id,
        account=account,
        changed=body["changed"],
        records=_records(doc.get("hubwirerecords")),
        target_hub=_text(doc.get(subjects.TARGET_HUB_EXTENSION)),
        source_hub=_text(body.get("source")),
    )


def _records(raw: object) -> dict[str, str]:
    """Record ids per app object; names in NFC like every stored name."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ValueError("hubwirerecords must be an object")
    records: dict[str, str] = {}
    for name, record_id in raw.items():
        if isinstance(record_id, bool) or not isinstance(record_id, str | int):
            raise ValueError(f"record id of {name!r} must be a string")
        if str(record_id):
            records[unicodedata.normalize("NFC", name)] = str(record_id)
    return records


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def plan(
    event: AttributesUpdated, sources: list[AttributeSource]
) -> list[WritebackTask]:
    """One task per (hub, object) with the changed fields of that object.
    ``sources`` are the account's writable sources of the changed Attributes."""
    grouped: dict[tuple[str, str], dict[str, object]] = {}
    for src in sorted(sources, key=lambda s: (s.hub_name, s.object, s.field)):
        if src.hub_name == event.source_hub:
            continue
        if event.target_hub and src.hub_name != event.target_hub:
            continue
        if src.object not in event.records or src.attribute not in event.changed:
            continue
        place = (src.hub_name, src.object)
        grouped.setdefault(place, {})[src.field] = event.changed[src.attribute]
    return [
        WritebackTask(
            event_id=event.id,
            account=event.account,
            hub=hub,
            object=obj,
            record_id=event.records[obj],
            fields=fields,
        )
        for (hub, obj), fields in grouped.items()
    ]


def retryable(error: HubwireError) -> bool:
    """Whether trying again later may succeed: not for a refused URL, a
    missing hub or connectivity, or an app's own 4xx "no"."""
    if isinstance(error, AppAnswerError):
        return error.retryable
    permanent = (InvalidInput, NotFound, PermissionDenied, Unauthenticated)
    return not isinstance(error, permanent)


# -- the consumers -----------------------------------------------------------------


class Writeback:
    """The two consumers; ``start`` binds them, ``stop`` ends them."""

    def __init__(
        self,
        js: JetStreamContext,
        *,
        sources: SourceRules,
        connectivity: ConnectivitySource,
        client: AppClient,
        config: WritebackConfig,
    ) -> None:
        self.js = js
        self.sources = sources
        self.connectivity = connectivity
        self.client = client
        self.config = config
        self._loops: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        await self._ensure_consumers()
        self._loops = [
            self._spawn(
                subjects.MAPPING_WRITEBACK_CONSUMER,
                subjects.EVENTS_STREAM,
                self.handle_event,
            )
        ]
        self._loops += [
            self._spawn(
                subjects.MAPPING_WRITEBACK_TASKS_CONSUMER,
                subjects.WRITEBACK_STREAM,
                self.handle_task,
            )
            for _ in range(self.config.workers)
        ]
        log.info("write-back started workers=%d", self.config.workers)

    async def stop(self) -> None:
        for loop in self._loops:
            loop.cancel()
        await asyncio.gather(*self._loops, return_exceptions=True)
        self._loops = []
        log.info("write-back stopped")

    # -- planning ------------------------------------------------------------

    async def handle_event(self, msg: Msg) -> None:
        try:
            event = parse_event(msg.subject, msg.data)
        except ValueError as exc:
            log.warning("write-back ignores event subject=%s: %s", msg.subject, exc)
            await msg.term()
            return

        sources = await self.sources.writable(
            event.account, attributes=event.changed.keys(), hub_name=event.target_hub
        )
        for task in plan(event, sources):
            subject = subjects.writeback_task_subject(task.account)
            headers = {"Nats-Msg-Id": task.key}
            await self.js.publish(subject, task.to_bytes(), headers=headers)
            log.debug("write-back task key=%s", task.key)
        await msg.ack()

    # -- execution -----------------------------------------------------------

    async def handle_task(self, msg: Msg) -> None:
        try:
            task = WritebackTask.from_bytes(msg.data)
        except ValueError as exc:
            log.warning("write-back drops a task seq=%s: %s", _seq(msg), exc)
            await msg.term()
            return
        if not subjects.addressed_to(
            msg.subject, subjects.writeback_task_subject, task.account
        ):
            # The subject is what NATS permissions can restrict; a body naming
            # another account is a forgery and is never acted on.
            log.warning(
                "write-back drops a task seq=%s: account %r does not match subject %s",
                _seq(msg),
                task.account,
                msg.subject,
            )
            await msg.term()
            return

        task = await self._still_updatable(task)
        if task is None:
            await msg.ack()
            return

        attempt = msg.metadata.num_delivered or 1
        error = await self._attempt(task)
        await self._settle(msg, task, attempt, error)

    async def _still_updatable(self, task: WritebackTask) -> WritebackTask | None:
        """The task without fields whose source stopped being updatable since
        it was planned; None when none is left. A field not updatable is
        never written."""
        sources = await self.sources.writable(task.account, hub_name=task.hub)
        allowed = {s.field for s in sources if s.object == task.object}
        fields = {k: v for k, v in task.fields.items() if k in allowed}
        if not fields:
            log.info("write-back skipped key=%s: no field is updatable now", task.key)
            return None
        return task if fields == task.fields else replace(task, fields=fields)

    async def _attempt(self, task: WritebackTask) -> HubwireError | None:
        try:
            conn = await self.connectivity.connection(task.account, task.hub)
            body = update_request(task.object, task.record_id, task.fields)
            await self.client.update(
                conn, update_url(conn.url), body=body, key=task.key
            )
        except HubwireError as exc:
            return exc
        except Exception as exc:  # a bug must not stop the worker; retry
            log.exception("write-back attempt crashed key=%s", task.key)
            return HubwireError(f"internal error: {type(exc).__name__}")
        return None

    async def _settle(
        self, msg: Msg, task: WritebackTask, attempt: int, error: HubwireError | None
    ) -> None:
        if error is None:
            await self._outcome(task, "succeeded", attempt)
            await msg.ack()
            return

        delays = self.config.retry_delays
        if retryable(error) and attempt <= len(delays):
            delay = delays[attempt - 1]
            await self._outcome(task, "failed", attempt, error=error, retry_in=delay)
            await msg.nak(delay=delay)
            return

        await self._outcome(task, "dead", attempt, error=error)
        await msg.term()

    async def _outcome(
        self,
        task: WritebackTask,
        outcome: str,
        attempt: int,
        *,
        error: HubwireError | None = None,
        retry_in: float | None = None,
    ) -> None:
        WRITEBACKS.labels(outcome=outcome).inc()
        doc = outcome_document(
            task, outcome, attempt, self.config.max_attempts, error, retry_in
        )
        subject = subjects.writeback_outcome_subject(task.account, outcome)
        headers = {"Nats-Msg-Id": f"{task.key}:{outcome}:{attempt}"}
        await self.js.publish(subject, json.dumps(doc).encode(), headers=headers)
        level = logging.INFO if outcome == "succeeded" else logging.WARNING
        log.log(
            level,
            "write-back %s account=%s hub=%s key=%s attempt=%d%s",
            outcome,
            task.account,
            task.hub,
            task.key,
            attempt,
            f" error={error.detail}" if error else "",
        )

    # -- plumbing ------------------------------------------------------------

    async def _ensure_consumers(self) -> None:
        # Replicas create the same config: creating it again is a no-op.
        events = ConsumerConfig(
            durable_name=subjects.MAPPING_WRITEBACK_CONSUMER,
            filter_subject=EVENTS_FILTER,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=self.config.ack_wait,
            max_deliver=-1,
            # A first start must not write back a week of history.
            deliver_policy=DeliverPolicy.NEW,
        )
        tasks = ConsumerConfig(
            durable_name=subjects.MAPPING_WRITEBACK_TASKS_CONSUMER,
            filter_subject=TASKS_FILTER,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=self.config.ack_wait,
            max_deliver=-1,
            deliver_policy=DeliverPolicy.ALL,
        )
        await self.js.add_consumer(subjects.EVENTS_STREAM, events)
        await self.js.add_consumer(subjects.WRITEBACK_STREAM, tasks)

    def _spawn(self, durable: str, stream: str, handler: Handler) -> asyncio.Task[None]:
        return asyncio.create_task(self._consume(durable, stream, handler))

    async def _consume(self, durable: str, stream: str, handler: Handler) -> None:
        sub = await self.js.pull_subscribe_bind(durable=durable, stream=stream)
        try:
            while True:
                for msg in await self._fetch(sub):
                    await _handle(handler, msg)
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    async def _fetch(self, sub: JetStreamContext.PullSubscription) -> list[Msg]:
        try:
            return await sub.fetch(1, timeout=self.config.fetch_timeout)
        except nats.errors.TimeoutError:
            return []
        except nats.errors.Error as exc:
            # Broker away or reconnecting: pause instead of spinning.
            log.warning("write-back fetch failed: %s", exc)
            await asyncio.sleep(REDELIVER_DELAY)
            return []


async def _handle(handler: Handler, msg: Msg) -> None:
    """Run a handler; an unexpected failure (database, broker) leaves the
    message to be delivered again shortly instead of ending the worker."""
    try:
        await handler(msg)
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("write-back handler failed subject=%s", msg.subject)
        with contextlib.suppress(Exception):
            await msg.nak(delay=REDELIVER_DELAY)


def outcome_document(
    task: WritebackTask,
    outcome: str,
    attempt: int,
    max_attempts: int,
    error: HubwireError | None,
    retry_in: float | None,
) -> dict[str, object]:
    """What an outcome event carries: field names, never their values."""
    return {
        "key": task.key,
        "outcome": outcome,
        "event_id": task.event_id,
        "account": task.account,
        "hub": task.hub,
        "object": task.object,
        "record_id": task.record_id,
        "fields": sorted(task.fields),
        "attempt": attempt,
        "max_attempts": max_attempts,
        "retry_in": retry_in,
        "status": error.status if isinstance(error, AppAnswerError) else None,
        "error": error.detail if error else None,
        "time": iso(utcnow()),
    }


def _seq(msg: Msg) -> object:
    with contextlib.suppress(Exception):
        return msg.metadata.sequence.stream
    return None
