"""Fan-out and delivery.

Two durable JetStream consumers, shared by every router replica:

* events (``hubwire.events.>``): validate, pick destinations, publish one task
  per (event, destination) to ``hubwire.deliveries.tasks.<account>`` with
  ``Nats-Msg-Id = <event id>:<destination id>``, then ack the event. A crash
  before the ack replays the event; the message id and the task id derived
  from the pair make the replay a no-op.
* tasks: one HTTP attempt per task message. A failure publishes the task's
  successor (one more try, not before the schedule's delay) and acks the
  current message, so the task waits in JetStream, not in memory; a router
  killed mid-attempt leaves the message unacknowledged and another replica
  gets it after ``ack_wait``.

Every end of an attempt is also an outcome event on
``hubwire.deliveries.outcomes.<account>.<succeeded|failed|dead>``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from nats.aio.client import Client
from nats.aio.msg import Msg
from opentelemetry.trace import SpanKind
from prometheus_client import Counter, Histogram

from hubwire.common import subjects, telemetry
from hubwire.common.catalog import EventCatalog
from hubwire.common.errors import HubwireError, InvalidInput, NotFound
from hubwire.common.times import iso, utcnow
from hubwire.router.configs import ConfigCache, DestinationConfig, HubConfig
from hubwire.router.events import PlatformEvent, parse_event, webhook_body
from hubwire.router.gates import Gates
from hubwire.router.log import DeliveryLog
from hubwire.router.models import Delivery
from hubwire.router.retry import RetryPolicy
from hubwire.router.sender import Outcome, Sender
from hubwire.router.settings import RouterSettings
from hubwire.router.tasks import Task, delivery_id

log = logging.getLogger(__name__)

FieldsOf = Callable[[str, str, dict[str, object]], Awaitable[dict[str, object]]]
Disable = Callable[[str, str, str], Awaitable[None]]

tracer = telemetry.tracer(__name__)
DELIVERIES = Counter(
    "hubwire_deliveries", "Webhook delivery attempts by outcome", ["outcome"]
)
ATTEMPT_SECONDS = Histogram(
    "hubwire_delivery_attempt_seconds", "Webhook attempt latency", ["outcome"]
)

TEST_EVENT_TYPE = "hub.test"
# A task whose not_before is this close is attempted now, not put back.
_EARLY = 0.01


@dataclass(frozen=True, kw_only=True)
class PingResult:
    destination: DestinationConfig
    outcome: Outcome


class Router:
    def __init__(
        self,
        *,
        settings: RouterSettings,
        nc: Client,
        cache: ConfigCache,
        sender: Sender,
        catalog: EventCatalog,
        deliveries: DeliveryLog,
        fields_of: FieldsOf | None = None,
        disable: Disable | None = None,
    ) -> None:
        self.nc = nc
        self.js = nc.jetstream()
        self.cache = cache
        self.sender = sender
        self.catalog = catalog
        self.log = deliveries
        # fields_of(account, hub, attributes) -> fields: the mapping service.
        self.fields_of = fields_of
        # disable(account, destination id, reason): the registry, on a 410.
        self.disable = disable
        self.retry = RetryPolicy(
            settings.schedule(),
            jitter=settings.retry_jitter,
            retry_after_cap=settings.retry_after_cap,
        )
        self.gates = Gates(
            cap=settings.per_destination_in_flight,
            hold=settings.max_in_flight // 2,
        )

    # -- fan-out ------------------------------------------------------------

    async def on_event(self, msg: Msg) -> None:
        with tracer.start_as_current_span(
            "hubwire.events process",
            context=telemetry.context_from(msg.headers),
            kind=SpanKind.CONSUMER,
            attributes={
                "messaging.system": "nats",
                "messaging.destination.name": msg.subject,
            },
        ):
            await self._on_event(msg)

    async def _on_event(self, msg: Msg) -> None:
        try:
            event = parse_event(msg.subject, msg.data, self.catalog)
        except (InvalidInput, ValueError) as exc:
            await self._set_aside(msg, exc)
            return
        try:
            await self.fan_out(event)
        except HubwireError as exc:
            log.warning("fan-out deferred event=%s: %s", event.id, exc.detail)
            await msg.nak(delay=2)
            return
        await msg.ack()

    async def _set_aside(self, msg: Msg, exc: Exception) -> None:
        reason = exc.detail if isinstance(exc, HubwireError) else str(exc)
        pointer = getattr(exc, "pointer", None)
        if pointer and pointer not in reason:
            reason += f" at {pointer}"
        await self.log.dead_letter(msg.subject, msg.data, f"invalid event: {reason}")
        log.warning("event set aside subject=%s reason=%s", msg.subject, reason)
        await msg.ack()

    def _hubs_for(self, event: PlatformEvent) -> list[HubConfig] | str:
        if event.target_hub:
            hub = self.cache.get(event.account_id, event.target_hub)
            if hub is None:
                return f"target hub {event.target_hub!r} is unknown"
            if not hub.active:
                return f"target hub {event.target_hub!r} is inactive"
            return [hub]
        return [h for h in self.cache.account_hubs(event.account_id) if h.active]

    async def fan_out(self, event: PlatformEvent) -> int:
        """Publish one task per destination of the event; the count."""
        hubs = self._hubs_for(event)
        if isinstance(hubs, str):
            await self.log.dead_letter(
                subjects.event_subject(event.account_id, event.type),
                json.dumps({"id": event.id, "type": event.type}).encode(),
                f"undeliverable: {hubs}",
                event_id=event.id,
            )
            log.warning("event undeliverable event=%s: %s", event.id, hubs)
            return 0
        tasks = []
        for hub in hubs:
            dest = hub.destination_for(event.type)
            if dest is not None:
                tasks.append(await self._task_for(event, hub, dest))
        for task in tasks:
            self.log.queued(task)
        if len(tasks) == 1:  # the usual case: no gather, no extra asyncio task
            await self.enqueue(tasks[0])
        else:
            await asyncio.gather(*(self.enqueue(task) for task in tasks))
        log.debug("event fanned out event=%s tasks=%d", event.id, len(tasks))
        return len(tasks)

    async def _task_for(
        self, event: PlatformEvent, hub: HubConfig, dest: DestinationConfig
    ) -> Task:
        fields = None
        if event.attributes and self.fields_of is not None:
            fields = await self.fields_of(event.account_id, hub.hub, event.attributes)
        return Task(
            delivery_id=delivery_id(event.account_id, event.id, dest.id),
            account_id=event.account_id,
            hub=hub.hub,
            destination_id=dest.id,
            event_id=event.id,
            event_type=event.type,
            session_id=event.session_id,
            url=dest.url,
            body=webhook_body(event, hub.hub, fields).decode(),
            created_at=iso(utcnow()),
            traceparent=telemetry.traceparent(),
        )

    async def enqueue(self, task: Task) -> None:
        await self.js.publish(
            subjects.task_subject(task.account_id),
            task.encode(),
            stream=subjects.DELIVERIES_STREAM,
            headers={"Nats-Msg-Id": task.msg_id()},
        )

    # -- delivery -----------------------------------------------------------

    async def on_task(self, msg: Msg) -> None:
        try:
            task = Task.decode(msg.data)
        except (ValueError, KeyError, TypeError) as exc:
            await self.log.dead_letter(msg.subject, msg.data, f"malformed task: {exc}")
            await msg.term()
            return
        if not subjects.addressed_to(
            msg.subject, subjects.task_subject, task.account_id
        ):
            # NATS permissions restrict subjects, not bodies: a task naming
            # another account than its subject is a forgery, never signed.
            await self.log.dead_letter(
                msg.subject, msg.data[:512], "task account does not match its subject"
            )
            await msg.term()
            return
        wait = task.not_before - time.time()
        if wait > _EARLY:
            await msg.nak(delay=wait)
            return

        found = self.cache.destination(task.account_id, task.hub, task.destination_id)
        problem = _unusable(found)
        if problem:
            await self._end(msg, task, problem)
            return
        if task.tries and await self._superseded(task):
            await msg.ack()
            return

        hub, dest = found  # type: ignore[misc]
        if task.url != dest.url:  # changed since the fan-out: log where it goes
            task = replace(task, url=dest.url)
        gate, token = self.gates.of(dest.id), id(msg)
        if not await gate.enter(token):
            # This destination holds its share of the replica and is slow or
            # hanging: the task waits on the server, healthy ones go first.
            await msg.nak(delay=gate.backoff())
            return
        try:
            outcome = await self._traced_attempt(task, hub, dest)
        finally:
            gate.leave(token)
        await self._settle(msg, task, dest, outcome)

    async def _superseded(self, task: Task) -> bool:
        """A retry of a round that a replay has replaced stops here."""
        current = await self.log.current_round(task.delivery_id)
        return current is not None and current > task.round

    async def _traced_attempt(
        self, task: Task, hub: HubConfig, dest: DestinationConfig
    ) -> Outcome:
        with tracer.start_as_current_span(
            "webhook delivery attempt",
            context=telemetry.context_of(task.traceparent),
            kind=SpanKind.CLIENT,
            attributes={
                "hubwire.delivery_id": task.delivery_id,
                "hubwire.attempt": task.attempt,
                "hubwire.account": task.account_id,
                "hubwire.hub": task.hub,
                "hubwire.event_type": task.event_type,
            },
        ) as span:
            outcome = await self._attempt(task, hub, dest)
            span.set_attribute("http.response.status_code", outcome.status_code)
            return outcome

    async def _attempt(
        self, task: Task, hub: HubConfig, dest: DestinationConfig
    ) -> Outcome:
        return await self.sender.send(
            url=dest.url,
            body=task.body.encode(),
            msg_id=task.delivery_id,
            secrets=hub.signing_secrets,
            username=dest.username,
            password=dest.password,
        )

    async def _settle(
        self, msg: Msg, task: Task, dest: DestinationConfig, outcome: Outcome
    ) -> None:
        if outcome.ok:
            _count("succeeded", outcome)
            await self.log.attempted(task, outcome, status="succeeded", reason="")
            await msg.ack()
            await self._announce(task, "succeeded", outcome)
            return
        if outcome.gone:
            reason = f"{outcome.error}: the endpoint is gone; destination disabled"
            await self._disable(task, dest, reason)
            await self._dead(msg, task, outcome, reason)
            return
        if outcome.refused:
            # A refused address is a decision, not a glitch: retrying cannot
            # change it, so the task ends now with the refusal as its reason.
            await self._dead(msg, task, outcome, outcome.error)
            return
        delay = self.retry.delay(task.tries + 1, retry_after=outcome.retry_after)
        if delay is None:
            reason = f"{outcome.error} (attempt {task.tries + 1}, the last)"
            await self._dead(msg, task, outcome, reason)
            return
        await self._retry(msg, task, outcome, delay)

    async def _retry(
        self, msg: Msg, task: Task, outcome: Outcome, delay: float
    ) -> None:
        _count("retrying", outcome)
        successor = task.retry(not_before=time.time() + delay)
        await self.log.attempted(task, outcome, status="failed", reason=outcome.error)
        # The successor is on the bus before this message is acked: a crash in
        # between repeats the attempt, never loses the task.
        await self.enqueue(successor)
        await msg.ack()
        await self._announce(
            task, "failed", outcome, reason=outcome.error, next_attempt_in=delay
        )
        log.debug(
            "delivery failed delivery=%s attempt=%d retry_in=%.1fs: %s",
            task.delivery_id,
            task.attempt,
            delay,
            outcome.error,
        )

    async def _dead(self, msg: Msg, task: Task, outcome: Outcome, reason: str) -> None:
        _count("dead", outcome)
        await self.log.attempted(task, outcome, status="dead", reason=reason)
        await msg.ack()
        await self._announce(task, "dead", outcome, reason=reason)
        log.info(
            "delivery dead delivery=%s account=%s hub=%s attempt=%d: %s",
            task.delivery_id,
            task.account_id,
            task.hub,
            task.attempt,
            reason,
        )

    async def _end(self, msg: Msg, task: Task, reason: str) -> None:
        await self.log.ended(task, status="dead", reason=reason)
        await msg.ack()
        await self._announce(task, "dead", None, reason=reason)

    async def _disable(self, task: Task, dest: DestinationConfig, reason: str) -> None:
        if self.disable is None:
            return
        try:
            await self.disable(task.account_id, dest.id, reason)
        except HubwireError as exc:
            log.warning("could not disable destination=%s: %s", dest.id, exc.detail)

    async def _announce(
        self,
        task: Task,
        outcome: str,
        result: Outcome | None,
        *,
        reason: str = "",
        next_attempt_in: float | None = None,
    ) -> None:
        """Publish the outcome event, best effort: a core publish with no
        wait for the stream's ack. The outcomes are a notice for other teams;
        the delivery log is the record."""
        doc: dict[str, object] = {
            "delivery_id": task.delivery_id,
            "account": task.account_id,
            "hub": task.hub,
            "event_id": task.event_id,
            "event_type": task.event_type,
            "session_id": task.session_id,
            "destination_id": task.destination_id,
            "outcome": outcome,
            "attempt": task.attempt if result is not None else task.attempt - 1,
            "status_code": result.status_code if result else 0,
            "error": result.error if result else "",
            "reason": reason,
            "at": iso(utcnow()),
        }
        if next_attempt_in is not None:
            when = datetime.fromtimestamp(time.time() + next_attempt_in, tz=UTC)
            doc["next_attempt_at"] = iso(when)
        msg_id = f"{task.delivery_id}:{task.round}:{task.tries}:{outcome}"
        try:
            await self.nc.publish(
                subjects.outcome_subject(task.account_id, outcome),
                json.dumps(doc).encode(),
                headers={"Nats-Msg-Id": msg_id},
            )
        except Exception as exc:  # noqa: BLE001 - an outcome notice is best effort
            log.warning("outcome publish failed delivery=%s: %s", task.delivery_id, exc)

    # -- operating it ---------------------------------------------------------

    async def replay(
        self,
        account_id: str,
        *,
        delivery_id: str = "",
        hub: str = "",
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> int:
        """Deliver again: one task, every dead task of a hub, or every task
        created in a time range (of one hub if named). Each replay is a new
        round with a fresh message id, so replaying again delivers again; the
        ``webhook-id`` stays the task's id."""
        rows = await self._to_replay(
            account_id, delivery_id=delivery_id, hub=hub, since=since, until=until
        )
        tasks = [self._replay_task(row) for row in rows]
        await asyncio.gather(*(self.log.replayed(task) for task in tasks))
        await asyncio.gather(*(self.enqueue(task) for task in tasks))
        log.info("replayed account=%s tasks=%d", account_id, len(tasks))
        return len(tasks)

    async def _to_replay(
        self,
        account_id: str,
        *,
        delivery_id: str,
        hub: str,
        since: datetime | None,
        until: datetime | None,
    ) -> list[Delivery]:
        if delivery_id:
            found = await self.log.get(account_id, delivery_id)
            if found is None:
                raise NotFound(f"delivery {delivery_id!r} not found")
            return [found[0]]
        if since or until:
            return await self.log.to_replay(
                account_id, hub=hub, since=since, until=until
            )
        if hub:
            return await self.log.to_replay(account_id, hub=hub, status="dead")
        raise InvalidInput(
            "name a delivery, a hub (its dead tasks) or a time range", pointer=""
        )

    def _replay_task(self, row: Delivery) -> Task:
        found = self.cache.destination(row.account_id, row.hub_name, row.destination_id)
        return Task(
            delivery_id=row.id,
            account_id=row.account_id,
            hub=row.hub_name,
            destination_id=row.destination_id,
            event_id=row.event_id,
            event_type=row.event_type,
            session_id=row.session_id,
            url=found[1].url if found else row.url,
            body=row.body,
            created_at=iso(row.created_at),
            round=row.round + 1,
            base=row.attempts,
        )

    async def test_connectivity(
        self, account_id: str, hub_name: str, *, event_type: str = ""
    ) -> list[PingResult]:
        """A signed ``hub.test`` ping to each destination of the hub (or the
        one for ``event_type``), disabled ones included, all at once."""
        hub = self.cache.get(account_id, hub_name)
        if hub is None:
            raise NotFound(f"hub {hub_name!r} not found")
        dests = [
            d for d in hub.destinations if not event_type or d.event_type == event_type
        ]
        if event_type and not dests:
            raise NotFound(f"hub {hub_name!r} has no destination for {event_type!r}")
        outcomes = await asyncio.gather(*(self._ping(hub, d) for d in dests))
        return [
            PingResult(destination=d, outcome=o)
            for d, o in zip(dests, outcomes, strict=True)
        ]

    async def _ping(self, hub: HubConfig, dest: DestinationConfig) -> Outcome:
        data = {"message": f"Test of the {dest.event_type} destination of {hub.hub}"}
        self.catalog.validate(TEST_EVENT_TYPE, data)
        event = PlatformEvent(
            id=f"evt_test_{uuid.uuid4().hex}",
            type=TEST_EVENT_TYPE,
            time=iso(utcnow()),
            account_id=hub.account_id,
            data=data,  # type: ignore[arg-type]
        )
        return await self.sender.send(
            url=dest.url,
            body=webhook_body(event, hub.hub, None),
            msg_id=f"msg_test_{uuid.uuid4().hex}",
            secrets=hub.signing_secrets,
            username=dest.username,
            password=dest.password,
        )


def _unusable(found: tuple[HubConfig, DestinationConfig] | None) -> str:
    if found is None:
        return "the destination or its hub no longer exists"
    hub, dest = found
    if not hub.active:
        return f"hub {hub.hub!r} is inactive"
    if dest.disabled:
        return "the destination is disabled"
    if not hub.signing_secrets:
        return f"hub {hub.hub!r} has no signing secret"
    return ""


def _count(outcome: str, result: Outcome) -> None:
    DELIVERIES.labels(outcome=outcome).inc()
    ATTEMPT_SECONDS.labels(outcome=outcome).observe(result.latency_ms / 1000)
