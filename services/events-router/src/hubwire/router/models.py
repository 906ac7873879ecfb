"""The router's tables: delivery tasks, their attempts, dead letters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Text
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from hubwire.common.times import utcnow

# What a task's ``status`` can be: waiting for its first attempt (or replayed),
# last attempt failed with another to come, delivered, or ended undelivered
# (out of attempts, 410 Gone, refused address, destination removed).
STATUSES = ("pending", "failed", "succeeded", "dead")


class Table(SQLModel, registry=registry()):
    """Base of the router's tables, with a metadata of its own."""


class Delivery(Table, table=True):
    """One task: one event to one destination."""

    __tablename__ = "deliveries"

    # Derived from (account, event, destination): one row per pair, and the
    # webhook-id, stable across retries, replays and re-fanned events.
    id: str = Field(primary_key=True)
    account_id: str = Field(index=True)
    hub_name: str = Field(index=True)
    event_id: str = Field(index=True)
    event_type: str = Field(index=True)
    session_id: str = Field(default="", index=True)
    destination_id: str
    url: str
    status: str = Field(default="pending", index=True)
    reason: str = ""
    # Attempts made over every round; the number of the latest one.
    attempts: int = 0
    # 0 for the fan-out, n after the n-th replay.
    round: int = 0
    # Orders the writes of replicas that may reach the log out of order: a
    # write applies only if its version is not older than the row's.
    version: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)


class Attempt(Table, table=True):
    __tablename__ = "attempts"

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: str = Field(
        foreign_key="deliveries.id", index=True, ondelete="CASCADE"
    )
    number: int
    at: datetime = Field(default_factory=utcnow)
    status_code: int = 0
    latency_ms: int = 0
    error: str = ""
    response_body: str = ""


class DeadLetter(Table, table=True):
    """An event that could not be routed at all (invalid, or undeliverable)."""

    __tablename__ = "dead_letters"

    id: int | None = Field(default=None, primary_key=True)
    account_id: str = Field(index=True)
    at: datetime = Field(default_factory=utcnow)
    subject: str
    event_id: str = ""
    reason: str
    payload: str = Field(sa_column=Column(Text, nullable=False))
