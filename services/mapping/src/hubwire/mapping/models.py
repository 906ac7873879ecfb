"""The mapping service's tables. All names are stored NFC-normalised."""

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
    """Base of the mapping tables, with a metadata of its own."""


class Attribute(Table, table=True):
    __tablename__ = "attributes"
    __table_args__ = (UniqueConstraint("account_id", "name"),)

    id: str = Field(default_factory=lambda: new_id("att"), primary_key=True)
    account_id: str = Field(index=True)
    name: str
    type: str
    label: str = ""
    description: str = ""


class SchemaObject(Table, table=True):
    __tablename__ = "schema_objects"
    __table_args__ = (UniqueConstraint("account_id", "hub_name", "name"),)

    id: str = Field(default_factory=lambda: new_id("sob"), primary_key=True)
    account_id: str = Field(index=True)
    hub_name: str
    name: str
    position: int = 0


class SchemaKey(Table, table=True):
    __tablename__ = "schema_keys"
    # One key per name in an object; one key per Attribute in a hub (NULLs,
    # unmapped keys, do not collide in SQLite or PostgreSQL).
    __table_args__ = (
        UniqueConstraint("object_id", "name"),
        UniqueConstraint("account_id", "hub_name", "attribute"),
    )

    id: str = Field(default_factory=lambda: new_id("sky"), primary_key=True)
    object_id: str = Field(
        foreign_key="schema_objects.id", index=True, ondelete="CASCADE"
    )
    account_id: str = Field(index=True)
    hub_name: str
    name: str
    attribute: str | None = None
    position: int = 0


class ImportedObject(Table, table=True):
    """An object of the customer's app as the last "Import now" saw it."""

    __tablename__ = "imported_objects"
    __table_args__ = (UniqueConstraint("account_id", "hub_name", "name"),)

    id: str = Field(default_factory=lambda: new_id("iob"), primary_key=True)
    account_id: str = Field(index=True)
    hub_name: str
    name: str
    label: str = ""
    imported_at: datetime = Field(default_factory=utcnow)


class ImportedField(Table, table=True):
    __tablename__ = "imported_fields"
    __table_args__ = (UniqueConstraint("object_id", "name"),)

    id: str = Field(default_factory=lambda: new_id("ifd"), primary_key=True)
    object_id: str = Field(
        foreign_key="imported_objects.id", index=True, ondelete="CASCADE"
    )
    name: str
    type: str
    label: str = ""
    writable: bool = False


class AttributeSource(Table, table=True):
    """Dynamic mapping: an Attribute fed by one field of one hub's app."""

    __tablename__ = "attribute_sources"
    __table_args__ = (
        UniqueConstraint("account_id", "attribute", "hub_name"),
        UniqueConstraint("account_id", "hub_name", "object", "field"),
    )

    id: str = Field(default_factory=lambda: new_id("src"), primary_key=True)
    account_id: str = Field(index=True)
    attribute: str
    hub_name: str
    object: str
    field: str
    updatable: bool = False
    # Set when a re-import no longer finds the field.
    broken: bool = False
