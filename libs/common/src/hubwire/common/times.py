"""Time helpers: every stored time is UTC and timezone-aware."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored as UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def iso(value: datetime) -> str:
    return aware(value).astimezone(UTC).isoformat().replace("+00:00", "Z")
