"""The registry's tables. Secrets are stored encrypted (``*_enc``) or hashed
(``*_hash``, ``*_digest``); nothing here holds a secret in clear.

Every ``datetime`` column is SQLModel's ``UTCDateTime``: ``timestamptz`` on
PostgreSQL, aware UTC values read back on SQLite too. A change here needs a
migration (``python -m hubwire.registry.migrate revision "…"``); a test fails
when the two disagree.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from hubwire.common.times import utcnow


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:20]}"


class Table(SQLModel, registry=registry()):
    """Base of the registry's tables, with a metadata of its own."""


class Account(Table, table=True):
    __tablename__ = "accounts"

    id: str = Field(primary_key=True, max_length=64)
    name: str
    created_at: datetime = Field(default_factory=utcnow)


class Admin(Table, table=True):
    __tablename__ = "admins"
    __table_args__ = (UniqueConstraint("account_id", "username"),)

    id: str = Field(default_factory=lambda: new_id("adm"), primary_key=True)
    account_id: str = Field(foreign_key="accounts.id", index=True)
    username: str
    password_hash: str
    created_at: datetime = Field(default_factory=utcnow)


class AdminToken(Table, table=True):
    __tablename__ = "admin_tokens"

    digest: str = Field(primary_key=True)
    account_id: str = Field(index=True)
    admin_id: str = Field(foreign_key="admins.id", ondelete="CASCADE")
    expires_at: datetime


class Hub(Table, table=True):
    __tablename__ = "hubs"
    __table_args__ = (UniqueConstraint("account_id", "name"),)

    id: str = Field(default_factory=lambda: new_id("hub"), primary_key=True)
    account_id: str = Field(foreign_key="accounts.id", index=True)
    name: str = Field(max_length=64)
    description: str = ""
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    signing_secret_enc: str
    previous_secret_enc: str | None = None
    previous_expires_at: datetime | None = None


class Credential(Table, table=True):
    __tablename__ = "credentials"

    id: str = Field(default_factory=lambda: new_id("crd"), primary_key=True)
    hub_id: str = Field(foreign_key="hubs.id", unique=True, ondelete="CASCADE")
    client_id: str = Field(unique=True, index=True)
    api_key_enc: str
    api_key_digest: str
    api_password_hash: str
    # Bumped on every regeneration; a token of an older generation is dead.
    generation: int = 1
    created_at: datetime = Field(default_factory=utcnow)


class ClientToken(Table, table=True):
    __tablename__ = "client_tokens"

    digest: str = Field(primary_key=True)
    credential_id: str = Field(foreign_key="credentials.id", ondelete="CASCADE")
    generation: int
    expires_at: datetime


class Connectivity(Table, table=True):
    __tablename__ = "connectivity"

    hub_id: str = Field(foreign_key="hubs.id", primary_key=True, ondelete="CASCADE")
    url: str
    username: str = ""
    password_enc: str | None = None
    # JSON list of {"name", "value"}, encrypted as a whole.
    headers_enc: str | None = None


class Destination(Table, table=True):
    __tablename__ = "destinations"
    __table_args__ = (UniqueConstraint("hub_id", "event_type"),)

    id: str = Field(default_factory=lambda: new_id("dst"), primary_key=True)
    hub_id: str = Field(foreign_key="hubs.id", index=True, ondelete="CASCADE")
    event_type: str
    url: str
    username: str = ""
    password_enc: str | None = None
    disabled: bool = False
    disabled_reason: str = ""
    updated_at: datetime = Field(default_factory=utcnow)


class AuditEntry(Table, table=True):
    __tablename__ = "audit_log"

    id: str = Field(default_factory=lambda: new_id("aud"), primary_key=True)
    account_id: str = Field(index=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str
    action: str
    hub_name: str = ""
    detail: str = ""
    success: bool = True
