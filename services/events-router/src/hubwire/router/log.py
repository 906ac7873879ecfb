"""The delivery log: every task and every attempt, and the dead letters.

Task and attempt writes are group commits (:mod:`hubwire.router.journal`).
A delivery is acknowledged on the bus only after its log write has
committed, so the log never misses an attempt that JetStream considers done.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import col, select

from hubwire.common.db import Database
from hubwire.common.times import utcnow
from hubwire.router.journal import ATTEMPTED, ENDED, QUEUED, Journal, version
from hubwire.router.models import Attempt, DeadLetter, Delivery
from hubwire.router.sender import Outcome
from hubwire.router.tasks import Task

log = logging.getLogger(__name__)

REPLAY_LIMIT = 10_000


class DeliveryLog:
    def __init__(self, db: Database, *, body_limit: int, enabled: bool = True) -> None:
        self.db = db
        self.body_limit = body_limit
        # Off: task rows are still kept (status, replay), attempts are not.
        self.enabled = enabled
        self.journal = Journal(db)

    # -- writes ---------------------------------------------------------------

    def queued(self, task: Task) -> None:
        """Record a new task, without waiting and only if it is not attempted
        within a second. The task message carries the row, so a later write of
        the same task creates it if this one is lost."""
        self.journal.add_later(_row(task, status="pending", reason="", stage=QUEUED))

    async def attempted(
        self, task: Task, outcome: Outcome, *, status: str, reason: str
    ) -> None:
        """Record an attempt and the task's new status; returns once committed."""
        row = _row(task, status=status, reason=reason, stage=ATTEMPTED)
        attempt = self._attempt_row(task, outcome) if self.enabled else None
        await asyncio.shield(self.journal.add(row, attempt).done)

    async def ended(self, task: Task, *, status: str, reason: str) -> None:
        """Record an end reached without an attempt (destination gone)."""
        row = _row(task, status=status, reason=reason, stage=ENDED)
        await asyncio.shield(self.journal.add(row).done)

    async def replayed(self, task: Task) -> None:
        """Record a replay: pending again, in the task's new round."""
        row = _row(task, status="pending", reason="", stage=QUEUED)
        await asyncio.shield(self.journal.add(row).done)

    def _attempt_row(self, task: Task, outcome: Outcome) -> dict[str, Any]:
        return {
            "delivery_id": task.delivery_id,
            "number": task.attempt,
            "at": utcnow() - timedelta(milliseconds=outcome.latency_ms),
            "status_code": outcome.status_code,
            "latency_ms": outcome.latency_ms,
            "error": outcome.error[:1000],
            "response_body": outcome.response_body[: self.body_limit],
        }

    async def drain(self) -> None:
        """Wait until every write so far has committed (at shutdown)."""
        await self.journal.drain()

    async def dead_letter(
        self, subject: str, payload: bytes, reason: str, *, event_id: str = ""
    ) -> None:
        account_id = _account_of(subject)
        async with self.db.session() as s:
            s.add(
                DeadLetter(
                    account_id=account_id,
                    subject=subject,
                    event_id=event_id,
                    reason=reason[:2000],
                    payload=payload[:65536].decode("utf-8", errors="backslashreplace"),
                )
            )
            await s.commit()

    # -- reads ----------------------------------------------------------------

    async def list(
        self,
        account_id: str,
        *,
        hub: str = "",
        event_type: str = "",
        session_id: str = "",
        status: str = "",
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
    ) -> list[tuple[Delivery, list[Attempt]]]:
        query = _filtered(
            account_id,
            hub=hub,
            event_type=event_type,
            session_id=session_id,
            status=status,
            since=since,
            until=until,
        )
        query = query.order_by(col(Delivery.created_at).desc()).limit(
            max(1, min(limit, 1000))
        )
        async with self.db.session() as s:
            rows = list((await s.exec(query)).all())
            attempts = await self._attempts_of(s, [r.id for r in rows])
        return [(r, attempts.get(r.id, [])) for r in rows]

    async def _attempts_of(self, s: Any, ids: list[str]) -> dict[str, list[Attempt]]:
        if not ids:
            return {}
        found = await s.exec(
            select(Attempt)
            .where(col(Attempt.delivery_id).in_(ids))
            .order_by(col(Attempt.number), col(Attempt.id))
        )
        by_id: dict[str, list[Attempt]] = {}
        for a in found.all():
            by_id.setdefault(a.delivery_id, []).append(a)
        return by_id

    async def get(
        self, account_id: str, delivery_id: str
    ) -> tuple[Delivery, list[Attempt]] | None:
        async with self.db.session() as s:
            row = await s.get(Delivery, delivery_id)
            if row is None or row.account_id != account_id:
                return None
            attempts = await self._attempts_of(s, [row.id])
        return row, attempts.get(row.id, [])

    async def current_round(self, delivery_id: str) -> int | None:
        async with self.db.session() as s:
            row = await s.get(Delivery, delivery_id)
            return None if row is None else row.round

    async def to_replay(
        self,
        account_id: str,
        *,
        hub: str = "",
        status: str = "",
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[Delivery]:
        """The tasks a replay selects, oldest first, at most ``REPLAY_LIMIT``."""
        query = _filtered(
            account_id, hub=hub, status=status, since=since, until=until
        ).order_by(col(Delivery.created_at))
        async with self.db.session() as s:
            return list((await s.exec(query.limit(REPLAY_LIMIT))).all())

    async def dead_letters(self, account_id: str, limit: int = 100) -> list[DeadLetter]:
        async with self.db.session() as s:
            rows = await s.exec(
                select(DeadLetter)
                .where(DeadLetter.account_id == account_id)
                .order_by(col(DeadLetter.at).desc())
                .limit(max(1, min(limit, 1000)))
            )
            return list(rows.all())


def _filtered(
    account_id: str,
    *,
    hub: str = "",
    event_type: str = "",
    session_id: str = "",
    status: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> Any:
    query = select(Delivery).where(Delivery.account_id == account_id)
    for column, value in (
        (Delivery.hub_name, hub),
        (Delivery.event_type, event_type),
        (Delivery.session_id, session_id),
        (Delivery.status, status),
    ):
        if value:
            query = query.where(column == value)
    if since:
        query = query.where(Delivery.created_at >= since)
    if until:
        query = query.where(Delivery.created_at < until)
    return query


def _row(task: Task, *, status: str, reason: str, stage: int) -> dict[str, Any]:
    attempts = task.base + task.tries + (1 if stage == ATTEMPTED else 0)
    return {
        "id": task.delivery_id,
        "account_id": task.account_id,
        "hub_name": task.hub,
        "event_id": task.event_id,
        "event_type": task.event_type,
        "session_id": task.session_id,
        "destination_id": task.destination_id,
        "url": task.url,
        "status": status,
        "reason": reason[:1000],
        "attempts": attempts,
        "round": task.round,
        "version": version(task.round, attempts, stage),
        "body": task.body,
        "created_at": _parse_time(task.created_at),
        "updated_at": utcnow(),
    }


def _parse_time(text: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return utcnow()
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _account_of(subject: str) -> str:
    """The account a subject belongs to: ``hubwire.events.<account>.…`` or
    ``hubwire.deliveries.tasks.<account>``."""
    parts = subject.split(".")
    if parts[:3] == ["hubwire", "deliveries", "tasks"] and len(parts) > 3:
        return parts[3]
    return parts[2] if len(parts) > 2 else ""
