"""Schema migrations of the registry (Alembic), run when the service starts.

``upgrade`` brings a database to the newest revision, on SQLite and on
PostgreSQL alike. On PostgreSQL a transaction-scoped advisory lock makes
replicas that start together migrate one after the other. A database created
before migrations existed (tables but no ``alembic_version``) is adopted:
stamped at the initial revision, whose schema is what it has, then upgraded.

On SQLite, DDL is not transactional here: a migration that fails half-way
must be repaired by hand (restore the file from a backup). Take one before
upgrading an installation.

A new revision, after a change to ``models.py``::

    python -m hubwire.registry.migrate revision "add a column"

writes ``migrations/versions/<number>_<slug>.py`` by comparing the models with a
scratch database at the current head; read and edit it before committing.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from hubwire.common.db import make_engine

MIGRATIONS = Path(__file__).parent / "migrations"
INITIAL = "0001"
# Any constant works; it only has to be the same for every registry replica.
_LOCK_KEY = 0x68756277  # "hubw"


def config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


async def upgrade(engine: AsyncEngine) -> None:
    """Migrate the database behind ``engine`` to the newest revision."""
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade)


def _upgrade(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY}
        )
    cfg = config(connection)
    tables = set(inspect(connection).get_table_names())
    if "hubs" in tables and "alembic_version" not in tables:
        command.stamp(cfg, INITIAL)
    command.upgrade(cfg, "head")


async def current(engine: AsyncEngine) -> str | None:
    """The revision the database is at (``None`` before any migration)."""

    def read(connection: Connection) -> str | None:
        if not inspect(connection).has_table("alembic_version"):
            return None
        row = connection.execute(text("SELECT version_num FROM alembic_version"))
        return row.scalar_one_or_none()

    async with engine.connect() as conn:
        return await conn.run_sync(read)


async def _autogenerate(message: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(f"sqlite+aiosqlite:///{scratch}/head.db")
        try:
            await upgrade(engine)
            async with engine.begin() as conn:
                await conn.run_sync(
                    lambda c: command.revision(
                        config(c), message, autogenerate=True, rev_id=_next_rev_id()
                    )
                )
        finally:
            await engine.dispose()


def _next_rev_id() -> str:
    """Revisions are numbered 0001, 0002, ... so they sort as they apply."""
    numbers = [
        int(p.name[:4])
        for p in (MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py")
    ]
    return f"{max(numbers, default=0) + 1:04d}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hubwire.registry.migrate")
    sub = parser.add_subparsers(dest="command", required=True)
    revision = sub.add_parser("revision", help="autogenerate a new revision")
    revision.add_argument("message")
    args = parser.parse_args(argv)
    asyncio.run(_autogenerate(args.message))
    return 0


if __name__ == "__main__":
    sys.exit(main())
