"""Alembic environment of the registry: run only through
``hubwire.registry.migrate``, which hands over an open connection.

To write a new revision after changing ``models.py``::

    python -m hubwire.registry.migrate revision "what changed"
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

from hubwire.registry.models import Table


def render_item(kind: str, obj: Any, _context: Any) -> str | bool:
    """Write SQLModel's column types as plain SQLAlchemy ones, so a revision
    does not depend on SQLModel's internals."""
    if kind == "type" and isinstance(obj, AutoString):
        length = obj.impl.length  # type: ignore[attr-defined]
        return f"sa.String({length})" if length else "sa.String()"
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("registry migrations run through hubwire.registry.migrate")

context.configure(
    connection=connection,
    target_metadata=Table.metadata,
    # SQLite cannot ALTER most things; batch mode copies the table instead.
    render_as_batch=True,
    compare_type=True,
    render_item=render_item,
)
with context.begin_transaction():
    context.run_migrations()
