"""Transactional outbox: events are rows committed with the session change;
the relay publishes them to JetStream with ``Nats-Msg-Id`` = event id, so a
re-publish after a crash is dropped by the stream's duplicate window.

With NATS away the API keeps answering: rows wait, and the relay publishes
each once the broker is back.

Each row keeps the ``traceparent`` of the request that staged it; the relay
publishes under a producer span of that trace and sends its ``traceparent``
header, so consumers continue the client's trace.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from datetime import UTC, datetime

from nats.js import JetStreamContext
from opentelemetry.trace import SpanKind
from sqlalchemy import func
from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from hubwire.common import subjects, telemetry
from hubwire.common.db import Database
from hubwire.common.times import aware
from hubwire.gateway.metrics import GatewayMetrics
from hubwire.gateway.models import OutboxEvent, Session, utcnow

log = logging.getLogger(__name__)
tracer = telemetry.tracer(__name__)
BATCH = 200


def cloud_event(
    *,
    account_id: str,
    event_type: str,
    data: dict[str, object],
    session: Session | None = None,
    events_hub: str = "",
    attributes: dict[str, object] | None = None,
) -> tuple[str, dict[str, object]]:
    event_id = f"evt_{uuid.uuid4().hex}"
    doc: dict[str, object] = {
        "specversion": "1.0",
        "id": event_id,
        "source": "hubwire/gateway",
        "type": event_type,
        "time": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "datacontenttype": "application/json",
        "hubwireaccount": account_id,
        "data": data,
    }
    if session is not None:
        doc["subject"] = session.id
        doc["hubwiresessionid"] = session.id
        doc["hubwireattributes"] = (
            session.attributes if attributes is None else attributes
        )
        doc["hubwirerecords"] = session.records
        events_hub = events_hub or session.events_hub
    if events_hub:
        doc[subjects.TARGET_HUB_EXTENSION] = events_hub
    return event_id, doc


def add_event(
    s: AsyncSession,
    *,
    account_id: str,
    event_type: str,
    doc_id: str,
    doc: dict[str, object],
) -> None:
    """Stage an event in the caller's transaction: it is committed with the
    change or not at all. The current trace context goes with it."""
    s.add(
        OutboxEvent(
            id=doc_id,
            subject=subjects.event_subject(account_id, event_type),
            payload=json.dumps(doc, ensure_ascii=False),
            traceparent=telemetry.traceparent(),
        )
    )


class Relay:
    def __init__(
        self, db: Database, *, poll_seconds: float, metrics: GatewayMetrics
    ) -> None:
        self.db = db
        self.poll_seconds = poll_seconds
        self.metrics = metrics
        self.js: JetStreamContext | None = None
        self.wake = asyncio.Event()

    async def run(self) -> None:
        while True:
            try:
                sent = await self.publish_pending()
            except Exception as exc:  # noqa: BLE001 - broker or db away: retry
                log.warning("outbox relay paused: %s", exc)
                sent = 0
                await asyncio.sleep(1)
            if sent < BATCH:
                self.wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), self.poll_seconds)

    async def publish_pending(self) -> int:
        if self.js is None:
            return 0
        async with self.db.session() as s:
            rows = (
                await s.exec(
                    select(OutboxEvent)
                    .where(col(OutboxEvent.published_at).is_(None))
                    .order_by(col(OutboxEvent.created_at))
                    .limit(BATCH)
                )
            ).all()
        done: list[OutboxEvent] = []
        try:
            for row in rows:
                await self._publish(self.js, row)
                done.append(row)
        finally:
            if done:
                await self._mark(done)
        return len(done)

    async def _publish(self, js: JetStreamContext, row: OutboxEvent) -> None:
        with tracer.start_as_current_span(
            "hubwire.events publish",
            context=telemetry.context_of(row.traceparent),
            kind=SpanKind.PRODUCER,
            attributes={
                "messaging.system": "nats",
                "messaging.destination.name": row.subject,
                "messaging.message.id": row.id,
            },
        ):
            headers = {"Nats-Msg-Id": row.id}
            telemetry.inject(headers)
            await js.publish(
                row.subject,
                row.payload.encode(),
                headers=headers,
                stream=subjects.EVENTS_STREAM,
                timeout=5,
            )

    async def _mark(self, rows: list[OutboxEvent]) -> None:
        async with self.db.session() as s:
            await s.exec(
                update(OutboxEvent)
                .where(col(OutboxEvent.id).in_([row.id for row in rows]))
                .values(published_at=utcnow())
            )
            await s.commit()
        for row in rows:
            _, event_type = subjects.parse_event_subject(row.subject)
            self.metrics.events_published.labels(event_type=event_type).inc()
        log.debug("outbox published %d events", len(rows))

    async def pending(self) -> tuple[int, float]:
        """How many events wait, and the age in seconds of the oldest."""
        async with self.db.session() as s:
            count, oldest = (
                await s.exec(
                    select(
                        func.count(col(OutboxEvent.id)),
                        func.min(col(OutboxEvent.created_at)),
                    ).where(col(OutboxEvent.published_at).is_(None))
                )
            ).one()
        if not count or oldest is None:
            return 0, 0.0
        return int(count), (utcnow() - aware(oldest)).total_seconds()
