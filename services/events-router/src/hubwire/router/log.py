"""The delivery log: every task and every attempt, and the dead letters.

Writes go through one writer per process that commits in groups: a write
joins the batch being gathered, and the caller awaits the commit of its
batch. Under load one transaction carries hundreds of tasks; at rest a write
commits at once. A delivery is acknowledged on the bus only after its log
write has committed, so the log never misses an attempt that JetStream
considers done.

Rows are upserts keyed by the delivery id, ordered by ``version`` (see
:func:`version`): replicas may commit the writes of one task out of order,
and an older write never overwrites a newer one.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import col, select

from hubwire.common.db import Database
from hubwire.common.times import utcnow
from hubwire.router.models import Attempt, DeadLetter, Delivery
from hubwire.router.sender import Outcome
from hubwire.router.tasks import Task

log = logging.getLogger(__name__)

# Stages within one attempt number, in the order they happen.
QUEUED, ATTEMPTED, ENDED = 0, 1, 3
_ROUND = 1_000_000
_FLUSH_TRIES = 3
REPLAY_LIMIT = 10_000
_CHUNK = 500


def version(round: int, attempts: int, stage: int) -> int:
    """Later round first, then more attempts, then the later stage."""
    return round * _ROUND + attempts * 4 + stage


@dataclass
class _Batch:
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    attempts: list[dict[str, Any]] = field(default_factory=list)
    done: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    def add_row(self, row: dict[str, Any]) -> None:
        held = self.rows.get(row["id"])
        if held is None or row["version"] >= held["version"]:
            self.rows[row["id"]] = row


class DeliveryLog:
    def __init__(self, db: Database, *, body_limit: int, enabled: bool = True) -> None:
        self.db = db
        self.body_limit = body_limit
        # Off: task rows are still kept (status, replay), attempts are not.
        self.enabled = enabled
        self._batch: _Batch | None = None
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._statements: _Statements | None = None

    # -- writes ---------------------------------------------------------------

    def queued(self, task: Task) -> None:
        """Record a new task without waiting: the task message carries the
        row, so a later write of the same task creates it if this one is lost."""
        self._add(_row(task, status="pending", reason="", stage=QUEUED))

    async def attempted(
        self, task: Task, outcome: Outcome, *, status: str, reason: str
    ) -> None:
        """Record an attempt and the task's new status; returns once committed."""
        batch = self._add(_row(task, status=status, reason=reason, stage=ATTEMPTED))
        if self.enabled:
            batch.attempts.append(self._attempt_row(task, outcome))
        await asyncio.shield(batch.done)

    async def ended(self, task: Task, *, status: str, reason: str) -> None:
        """Record an end reached without an attempt (destination gone)."""
        batch = self._add(_row(task, status=status, reason=reason, stage=ENDED))
        await asyncio.shield(batch.done)

    async def replayed(self, task: Task) -> None:
        """Record a replay: pending again, in the task's new round."""
        batch = self._add(_row(task, status="pending", reason="", stage=QUEUED))
        await asyncio.shield(batch.done)

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

    def _add(self, row: dict[str, Any]) -> _Batch:
        if self._batch is None:
            self._batch = _Batch()
        self._batch.add_row(row)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_loop())
        self._wake.set()
        return self._batch

    async def _write_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            batch, self._batch = self._batch, None
            if batch is None:
                continue
            await self._flush(batch)
            batch.done.set_result(None)

    async def _flush(self, batch: _Batch) -> None:
        for attempt in range(1, _FLUSH_TRIES + 1):
            try:
                await self._commit(batch)
                return
            except Exception:  # noqa: BLE001 - the log must not stop delivery
                if attempt == _FLUSH_TRIES:
                    log.exception(
                        "delivery log write lost tasks=%d attempts=%d",
                        len(batch.rows),
                        len(batch.attempts),
                    )
                    return
                await asyncio.sleep(0.1 * attempt)

    async def _commit(self, batch: _Batch) -> None:
        async with self.db.engine.begin() as conn:
            sql = self._statements or _Statements(conn.dialect)
            self._statements = sql
            rows = list(batch.rows.values())
            for chunk in _chunks(rows):
                await conn.exec_driver_sql(
                    sql.upsert(len(chunk)), sql.values(chunk, _DELIVERY_COLUMNS)
                )
            for chunk in _chunks(batch.attempts):
                await conn.exec_driver_sql(
                    sql.insert_attempts(len(chunk)), sql.values(chunk, _ATTEMPT_COLUMNS)
                )

    async def drain(self) -> None:
        """Wait until every write so far has committed; stop the writer."""
        if self._batch is not None:
            await asyncio.shield(self._batch.done)
        if self._writer is not None:
            self._writer.cancel()
            self._writer = None

    async def dead_letter(
        self, subject: str, payload: bytes, reason: str, *, event_id: str = ""
    ) -> None:
        account_id = subject.split(".")[2] if subject.count(".") >= 2 else ""
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


_DELIVERY_COLUMNS = (
    "id", "account_id", "hub_name", "event_id", "event_type", "session_id",
    "destination_id", "url", "status", "reason", "attempts", "round", "version",
    "body", "created_at", "updated_at",
)  # fmt: skip
_UPDATED = ("url", "status", "reason", "attempts", "round", "version", "updated_at")
_ATTEMPT_COLUMNS = (
    "delivery_id", "number", "at", "status_code", "latency_ms", "error",
    "response_body",
)  # fmt: skip
_TIMES = ("created_at", "updated_at", "at")


class _Statements:
    """Driver-level SQL for the two hot writes, many rows per statement.

    SQLAlchemy's per-row parameter processing costs several times what the
    driver does, and ``executemany`` hands the GIL back and forth for every
    row, which under a busy event loop waits a switch interval (5 ms) each
    time. So each batch goes as multi-row ``INSERT … VALUES (…), (…)``
    statements. The SQL is plain enough for SQLite and PostgreSQL; times are
    bound the way SQLAlchemy stores them (UTC text on SQLite, aware datetimes
    elsewhere), so the ORM reads them back unchanged.
    """

    def __init__(self, dialect: Any) -> None:
        self.text_times = dialect.name == "sqlite"
        self._mark = _placeholder(dialect.paramstyle)
        self._cache: dict[tuple[str, int], str] = {}

    def upsert(self, count: int) -> str:
        key = ("deliveries", count)
        if key not in self._cache:
            updates = ", ".join(f"{c} = excluded.{c}" for c in _UPDATED)
            self._cache[key] = (
                self._insert("deliveries", _DELIVERY_COLUMNS, count)
                + f" ON CONFLICT (id) DO UPDATE SET {updates}"
                " WHERE excluded.version >= deliveries.version"
            )
        return self._cache[key]

    def insert_attempts(self, count: int) -> str:
        key = ("attempts", count)
        if key not in self._cache:
            self._cache[key] = self._insert("attempts", _ATTEMPT_COLUMNS, count)
        return self._cache[key]

    def _insert(self, table: str, columns: tuple[str, ...], count: int) -> str:
        width = len(columns)
        rows = ", ".join(
            "(" + ", ".join(self._mark(r * width + i + 1) for i in range(width)) + ")"
            for r in range(count)
        )
        return f"INSERT INTO {table} ({', '.join(columns)}) VALUES {rows}"

    def values(
        self, rows: list[dict[str, Any]], columns: tuple[str, ...]
    ) -> tuple[Any, ...]:
        return tuple(
            self._time(row[c]) if c in _TIMES else row[c]
            for row in rows
            for c in columns
        )

    def _time(self, value: datetime) -> object:
        utc = value.astimezone(UTC)
        return utc.strftime("%Y-%m-%d %H:%M:%S.%f") if self.text_times else utc


def _chunks(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    # 16 columns x 500 rows stays under SQLite's 32766 bound parameters.
    return [rows[i : i + _CHUNK] for i in range(0, len(rows), _CHUNK)]


def _placeholder(paramstyle: str) -> Any:
    if paramstyle == "qmark":
        return lambda i: "?"
    if paramstyle in ("numeric", "numeric_dollar"):
        sign = "$" if paramstyle == "numeric_dollar" else ":"
        return lambda i: f"{sign}{i}"
    if paramstyle in ("format", "pyformat"):
        return lambda i: "%s"
    raise ValueError(f"unsupported paramstyle {paramstyle!r}")
