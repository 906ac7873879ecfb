"""The delivery log's write path: group commits of task rows and attempts.

A write joins the batch being gathered and its caller awaits that batch's
commit. Under load one transaction carries hundreds of rows; at rest a write
commits at once.

Rows are upserts keyed by the delivery id and ordered by ``version`` (see
:func:`version`): replicas may commit the writes of one task out of order,
and an older write never overwrites a newer one.

The statements are driver-level SQL with many rows each, not ORM calls:
SQLAlchemy's per-row parameter processing costs several times the driver's
own work, ``executemany`` hands the GIL back and forth for every row, and
these writes run for every delivery.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hubwire.common.db import Database

log = logging.getLogger(__name__)

# Stages within one attempt number, in the order they happen.
QUEUED, ATTEMPTED, ENDED = 0, 1, 3
_ROUND = 1_000_000
_FLUSH_TRIES = 3
_CHUNK = 500  # 16 columns x 500 rows stays under SQLite's 32766 parameters

DELIVERY_COLUMNS = (
    "id", "account_id", "hub_name", "event_id", "event_type", "session_id",
    "destination_id", "url", "status", "reason", "attempts", "round", "version",
    "body", "created_at", "updated_at",
)  # fmt: skip
ATTEMPT_COLUMNS = (
    "delivery_id", "number", "at", "status_code", "latency_ms", "error",
    "response_body",
)  # fmt: skip
_UPDATED = ("url", "status", "reason", "attempts", "round", "version", "updated_at")
_TIMES = ("created_at", "updated_at", "at")

Row = dict[str, Any]


def version(round: int, attempts: int, stage: int) -> int:
    """Later round first, then more attempts, then the later stage."""
    return round * _ROUND + attempts * 4 + stage


@dataclass
class Batch:
    rows: dict[str, Row] = field(default_factory=dict)
    attempts: list[Row] = field(default_factory=list)
    done: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    def add_row(self, row: Row) -> None:
        held = self.rows.get(row["id"])
        if held is None or row["version"] >= held["version"]:
            self.rows[row["id"]] = row


class Journal:
    def __init__(self, db: Database, *, defer_pending: float = 1.0) -> None:
        self.db = db
        self.defer_pending = defer_pending
        self._batch: Batch | None = None
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._sql: _Statements | None = None
        # Rows of new tasks, held back briefly (see ``add_later``).
        self._later: dict[str, Row] = {}
        self._later_timer: asyncio.TimerHandle | None = None

    def add_later(self, row: Row) -> None:
        """Add a new task's row after ``defer_pending`` seconds, unless a
        write of the same task comes first and makes it moot. Most tasks are
        attempted within that time, so their "pending" row is never written:
        a third fewer rows on the hot path, and a pending task still shows
        in the log within about a second."""
        self._later[row["id"]] = row
        if self._later_timer is None:
            self._later_timer = asyncio.get_running_loop().call_later(
                self.defer_pending, self._add_held_back
            )

    def _add_held_back(self) -> None:
        self._later_timer = None
        held, self._later = self._later, {}
        for row in held.values():
            self.add(row)

    def add(self, row: Row, attempt: Row | None = None) -> Batch:
        """Add to the batch being gathered; await ``.done`` for its commit."""
        if self._batch is None:
            self._batch = Batch()
        self._later.pop(row["id"], None)
        self._batch.add_row(row)
        if attempt is not None:
            self._batch.attempts.append(attempt)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_loop())
        self._wake.set()
        return self._batch

    async def drain(self) -> None:
        """Wait until every write so far has committed; stop the writer."""
        if self._later_timer is not None:
            self._later_timer.cancel()
            self._add_held_back()
        if self._batch is not None:
            await asyncio.shield(self._batch.done)
        if self._writer is not None:
            self._writer.cancel()
            self._writer = None

    async def _write_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            batch, self._batch = self._batch, None
            if batch is None:
                continue
            await self._flush(batch)
            batch.done.set_result(None)

    async def _flush(self, batch: Batch) -> None:
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

    async def _commit(self, batch: Batch) -> None:
        rows = list(batch.rows.values())
        async with self.db.engine.begin() as conn:
            if self._sql is None:
                self._sql = _Statements(conn.dialect)
            for statement, values in self._sql.batch(rows, batch.attempts):
                await conn.exec_driver_sql(statement, values)


class _Statements:
    """Multi-row ``INSERT … VALUES (…), (…)`` for the dialect at hand. Times
    are bound as SQLAlchemy stores them (UTC text on SQLite, aware datetimes
    elsewhere), so the ORM reads them back unchanged."""

    def __init__(self, dialect: Any) -> None:
        self.text_times = dialect.name == "sqlite"
        self._mark = _placeholder(dialect.paramstyle)
        self._cache: dict[tuple[str, int], str] = {}

    def batch(
        self, rows: list[Row], attempts: list[Row]
    ) -> list[tuple[str, tuple[Any, ...]]]:
        """Statements and values, task rows first (attempts refer to them)."""
        return [
            (self._upsert(len(chunk)), self._values(chunk, DELIVERY_COLUMNS))
            for chunk in _chunks(rows)
        ] + [
            (self._insert_attempts(len(chunk)), self._values(chunk, ATTEMPT_COLUMNS))
            for chunk in _chunks(attempts)
        ]

    def _upsert(self, count: int) -> str:
        key = ("deliveries", count)
        if key not in self._cache:
            updates = ", ".join(f"{c} = excluded.{c}" for c in _UPDATED)
            self._cache[key] = (
                self._insert("deliveries", DELIVERY_COLUMNS, count)
                + f" ON CONFLICT (id) DO UPDATE SET {updates}"
                " WHERE excluded.version >= deliveries.version"
            )
        return self._cache[key]

    def _insert_attempts(self, count: int) -> str:
        key = ("attempts", count)
        if key not in self._cache:
            self._cache[key] = self._insert("attempts", ATTEMPT_COLUMNS, count)
        return self._cache[key]

    def _insert(self, table: str, columns: tuple[str, ...], count: int) -> str:
        width = len(columns)
        rows = ", ".join(
            "(" + ", ".join(self._mark(r * width + i + 1) for i in range(width)) + ")"
            for r in range(count)
        )
        return f"INSERT INTO {table} ({', '.join(columns)}) VALUES {rows}"

    def _values(self, rows: list[Row], columns: tuple[str, ...]) -> tuple[Any, ...]:
        return tuple(
            self._time(row[c]) if c in _TIMES else row[c]
            for row in rows
            for c in columns
        )

    def _time(self, value: datetime) -> object:
        utc = value.astimezone(UTC)
        return utc.strftime("%Y-%m-%d %H:%M:%S.%f") if self.text_times else utc


def _chunks(rows: list[Row]) -> list[list[Row]]:
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
