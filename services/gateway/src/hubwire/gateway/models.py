"""The gateway's tables: sessions, document analyses and the outbox."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Column, Text
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from hubwire.common.times import utcnow


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


class Table(SQLModel, registry=registry()):
    """Base of the gateway's tables, with a metadata of its own."""


class Session(Table, table=True):
    __tablename__ = "sessions"

    id: str = Field(default_factory=lambda: new_id("ses"), primary_key=True)
    account_id: str = Field(index=True)
    kind: str = "standard"  # standard | dynamic
    status: str = "created"
    customer: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))  # type: ignore[type-arg]
    source_hub: str = ""
    # The hub named in "hubs": {"events": ...}; empty: every hub.
    events_hub: str = ""
    workflow_template_ids: list = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )  # type: ignore[type-arg]
    attributes: dict = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )  # type: ignore[type-arg]
    # The app's record id per object, for write-back.
    records: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))  # type: ignore[type-arg]
    created_by: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class DocumentAnalysis(Table, table=True):
    __tablename__ = "document_analyses"

    id: str = Field(default_factory=lambda: new_id("dan"), primary_key=True)
    account_id: str = Field(index=True)
    source_hub: str = ""
    events_hub: str = ""
    documents: list = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )  # type: ignore[type-arg]
    attributes: dict = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )  # type: ignore[type-arg]
    created_at: datetime = Field(default_factory=utcnow)


class OutboxEvent(Table, table=True):
    """An event committed with the change that caused it; the relay
    publishes it with ``Nats-Msg-Id`` = ``id`` and marks it published."""

    __tablename__ = "outbox"

    id: str = Field(primary_key=True)
    subject: str
    payload: str = Field(sa_column=Column(Text, nullable=False))
    traceparent: str = ""
    created_at: datetime = Field(default_factory=utcnow, index=True)
    published_at: datetime | None = Field(default=None, index=True)


class IdempotencyRecord(Table, table=True):
    __tablename__ = "idempotency"

    key: str = Field(primary_key=True)  # account/client scoped key
    request_hash: str
    status_code: int
    response: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
