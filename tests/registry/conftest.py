"""Registries built directly on a database, for the store tests.

``backend`` runs each store test on SQLite and, when
``HUBWIRE_TEST_POSTGRES_URL`` is set, on PostgreSQL too (skipped, saying so,
otherwise). Each PostgreSQL test gets a schema of its own, dropped afterwards,
so runs side by side do not collide.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import event, text

from hubwire.common import crypto
from hubwire.common.catalog import load_catalog
from hubwire.common.db import Database, make_engine, normalise_url
from hubwire.common.outbound import OutboundPolicy
from hubwire.registry import migrate
from hubwire.registry.models import Table
from hubwire.registry.settings import RegistrySettings
from hubwire.registry.store import Registry
from tests.support.waiting import wait_until

DEFAULT_HASHER = PasswordHasher()
ADMIN = "root"
ADMIN_PASSWORD = "admin-password-0001"
WAIT = 10.0


@dataclass
class Published:
    """Records every config the registry publishes, in order."""

    calls: list[tuple[str, str, dict[str, object] | None]] = field(default_factory=list)

    async def __call__(
        self, account_id: str, hub_name: str, config: dict[str, object] | None
    ) -> None:
        self.calls.append((account_id, hub_name, config))

    def last(self, account_id: str, hub_name: str) -> dict[str, object] | None:
        for account, hub, config in reversed(self.calls):
            if (account, hub) == (account_id, hub_name):
                return config
        raise AssertionError(f"nothing published for {account_id}.{hub_name}")


@dataclass
class Backend:
    """A database URL and how to open it; PostgreSQL ones carry a schema."""

    name: str
    url: str
    schema: str = ""

    def database(self) -> Database:
        db = Database(self.url, Table.metadata)
        if self.schema:
            _use_schema(db, self.schema)
        return db


def _use_schema(db: Database, schema: str) -> None:
    def set_search_path(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f'SET search_path TO "{schema}"')
        cursor.close()

    event.listen(db.engine.sync_engine, "connect", set_search_path)


async def _postgres_schema(url: str, statement: str) -> None:
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
async def backend(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[Backend]:
    if request.param == "sqlite":
        yield Backend("sqlite", f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}")
        return

    url = normalise_url(request.getfixturevalue("postgres_url"))
    schema = f"registry_test_{uuid.uuid4().hex[:12]}"
    await _postgres_schema(url, f'CREATE SCHEMA "{schema}"')
    try:
        yield Backend("postgres", url, schema)
    finally:
        await _postgres_schema(url, f'DROP SCHEMA "{schema}" CASCADE')


def registry_settings(tmp_path: Path, **overrides: Any) -> RegistrySettings:
    values: dict[str, Any] = {
        "var_dir": tmp_path / "var",
        "allow_private_urls": False,
        "allow_http_urls": False,
        "secret_key": "registry-test-secret-key",
    }
    values.update(overrides)
    return RegistrySettings(**values)


def production_policy(settings: RegistrySettings) -> OutboundPolicy:
    """What production runs with: https only, no private addresses."""
    return OutboundPolicy(
        allow_private=False,
        allow_http=False,
        blocked_domains=settings.outbound_policy().blocked_domains,
    )


MakeRegistry = Callable[..., Any]


@pytest.fixture
async def make_registry(
    backend: Backend, tmp_path: Path
) -> AsyncIterator[Callable[..., Any]]:
    """Build a registry on the backend's (migrated) database, with the
    production outbound policy unless ``policy`` is given; ``overrides``
    change settings. Every registry built shares the one database."""
    opened: list[Database] = []

    async def build(
        publish: Any = None, *, policy: OutboundPolicy | None = None, **overrides: Any
    ) -> Registry:
        settings = registry_settings(tmp_path, **overrides)
        db = backend.database()
        opened.append(db)
        await migrate.upgrade(db.engine)
        return Registry(
            db,
            settings=settings,
            catalog=load_catalog(),
            policy=policy or production_policy(settings),
            publish=publish,
        )

    yield build
    for db in opened:
        await db.dispose()


@pytest.fixture(autouse=True)
def cheap_argon2() -> Iterator[None]:
    """Argon2 at its lowest cost for the store tests, which hash hundreds of
    passwords on a small machine. Still argon2id, verified the same way; the
    services under test in the API tests keep the production cost."""
    crypto.configure_password_hashing(time_cost=1, memory_cost_kib=1024)
    yield
    crypto.configure_password_hashing(
        time_cost=DEFAULT_HASHER.time_cost,
        memory_cost_kib=DEFAULT_HASHER.memory_cost,
        parallelism=DEFAULT_HASHER.parallelism,
    )


@pytest.fixture
def published() -> Published:
    return Published()


@pytest.fixture
async def registry(make_registry: MakeRegistry, published: Published) -> Registry:
    """A registry with one account ``acme`` and its admin ``root``."""
    reg: Registry = await make_registry(published)
    await reg.create_account("acme")
    await reg.create_admin("acme", ADMIN, ADMIN_PASSWORD)
    return reg


wait_for = functools.partial(wait_until, timeout=WAIT)
