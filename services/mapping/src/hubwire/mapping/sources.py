"""Attribute sources: dynamic mapping of one Attribute to one imported field
of one hub's app, optionally ``updatable`` (written back to the app).

Rules, checked in this order so the first refusal names the real problem:
the Attribute exists; the hub has been imported, and the object and field
were in that import; an updatable source needs a writable field; an
Attribute has at most one source per hub; a field of a hub feeds at most one
Attribute; and the hub's schema may not map the same field or the same
Attribute differently (translation would be ambiguous). The table's unique
constraints back the two "at most one" rules against concurrent requests.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hubwire.common.errors import Conflict, InvalidInput, NotFound
from hubwire.mapping.models import (
    Attribute,
    AttributeSource,
    ImportedField,
    ImportedObject,
    SchemaKey,
    SchemaObject,
)
from hubwire.mapping.names import app_name, attribute_name
from hubwire.mapping.store import MappingStore

HUB_NAME_MAX = 64


@dataclass(frozen=True, kw_only=True)
class SourceSpec:
    attribute: str
    hub_name: str
    object: str
    field: str
    updatable: bool = False

    def normalised(self) -> SourceSpec:
        """Names checked, object and field in NFC."""
        if not self.hub_name or len(self.hub_name) > HUB_NAME_MAX:
            raise InvalidInput("a source needs a hub name", pointer="/hub_name")
        return SourceSpec(
            attribute=attribute_name(self.attribute, pointer="/attribute"),
            hub_name=self.hub_name,
            object=app_name(self.object, pointer="/object", what="object"),
            field=app_name(self.field, pointer="/field", what="field"),
            updatable=self.updatable,
        )


class SourceRules:
    """Add, remove and list sources; every call is account scoped."""

    def __init__(self, store: MappingStore) -> None:
        self.store = store

    async def add(self, account_id: str, spec: SourceSpec) -> AttributeSource:
        """Add a source. The same source again (same attribute, hub, object
        and field) only sets ``updatable``; any other clash is a Conflict."""
        spec = spec.normalised()
        async with self.store.db.session() as s:
            await _check_attribute(s, account_id, spec.attribute)
            await _check_imported(s, account_id, spec)
            row = await _held(s, account_id, spec)
            await _check_schema(s, account_id, spec)
            row = row or AttributeSource(account_id=account_id, **_columns(spec))
            row.updatable = spec.updatable
            s.add(row)
            try:
                await s.commit()
            except IntegrityError as exc:
                raise await self._conflict(account_id, spec) from exc
        self.store.invalidate(account_id, spec.hub_name)
        return row

    async def remove(self, account_id: str, attribute: str, hub_name: str) -> None:
        async with self.store.db.session() as s:
            row = await _by_attribute(s, account_id, attribute, hub_name)
            if row is None:
                raise NotFound(
                    f"Attribute {attribute!r} has no source on hub {hub_name!r}"
                )
            await s.delete(row)
            await s.commit()
        self.store.invalidate(account_id, hub_name)

    async def find(
        self, account_id: str, *, attribute: str = "", hub_name: str = ""
    ) -> list[AttributeSource]:
        """The account's sources, optionally of one Attribute and/or one hub."""
        query = select(AttributeSource).where(AttributeSource.account_id == account_id)
        if attribute:
            query = query.where(AttributeSource.attribute == attribute)
        if hub_name:
            query = query.where(AttributeSource.hub_name == hub_name)
        order = (col(AttributeSource.attribute), col(AttributeSource.hub_name))
        async with self.store.db.session() as s:
            return list((await s.exec(query.order_by(*order))).all())

    async def writable(
        self,
        account_id: str,
        *,
        attributes: Collection[str] | None = None,
        hub_name: str = "",
    ) -> list[AttributeSource]:
        """Sources that write-back may use: updatable, not broken, and on a
        field the last import still called writable; optionally only of some
        Attributes and of one hub."""
        query = (
            select(AttributeSource)
            .join(ImportedObject, _imported_object_of_source())
            .join(ImportedField, _imported_field_of_source())
            .where(AttributeSource.account_id == account_id)
            .where(col(AttributeSource.updatable).is_(True))
            .where(col(AttributeSource.broken).is_(False))
            .where(col(ImportedField.writable).is_(True))
        )
        if attributes is not None:
            query = query.where(col(AttributeSource.attribute).in_(list(attributes)))
        if hub_name:
            query = query.where(AttributeSource.hub_name == hub_name)
        async with self.store.db.session() as s:
            return list((await s.exec(query)).all())

    async def _conflict(self, account_id: str, spec: SourceSpec) -> Conflict:
        """Name the holder after a race lost at the unique constraints."""
        async with self.store.db.session() as s:
            try:
                await _held(s, account_id, spec)
            except Conflict as exc:
                return exc
        return Conflict(f"a source for Attribute {spec.attribute!r} changed meanwhile")


def _columns(spec: SourceSpec) -> dict[str, object]:
    return {
        "attribute": spec.attribute,
        "hub_name": spec.hub_name,
        "object": spec.object,
        "field": spec.field,
    }


def _imported_object_of_source() -> object:
    return (
        (col(ImportedObject.account_id) == col(AttributeSource.account_id))
        & (col(ImportedObject.hub_name) == col(AttributeSource.hub_name))
        & (col(ImportedObject.name) == col(AttributeSource.object))
    )


def _imported_field_of_source() -> object:
    return (col(ImportedField.object_id) == col(ImportedObject.id)) & (
        col(ImportedField.name) == col(AttributeSource.field)
    )


async def _check_attribute(s: AsyncSession, account_id: str, name: str) -> None:
    row = (
        await s.exec(
            select(Attribute.id).where(
                Attribute.account_id == account_id, Attribute.name == name
            )
        )
    ).first()
    if row is None:
        raise NotFound(f"Attribute {name!r} not found")


async def _check_imported(s: AsyncSession, account_id: str, spec: SourceSpec) -> None:
    objects = (
        await s.exec(
            select(ImportedObject).where(
                ImportedObject.account_id == account_id,
                ImportedObject.hub_name == spec.hub_name,
            )
        )
    ).all()
    if not objects:
        raise InvalidInput(
            f"hub {spec.hub_name!r} has not been imported yet; run Import now first",
            pointer="/hub_name",
        )
    obj = next((o for o in objects if o.name == spec.object), None)
    if obj is None:
        raise InvalidInput(
            f"object {spec.object!r} was not in the last import of hub "
            f"{spec.hub_name!r}",
            pointer="/object",
        )
    await _check_field(s, obj, spec)


async def _check_field(s: AsyncSession, obj: ImportedObject, spec: SourceSpec) -> None:
    field = (
        await s.exec(
            select(ImportedField).where(
                ImportedField.object_id == obj.id, ImportedField.name == spec.field
            )
        )
    ).first()
    place = f"{spec.object}.{spec.field}"
    if field is None:
        raise InvalidInput(
            f"field {place} was not in the last import of hub {spec.hub_name!r}",
            pointer="/field",
        )
    if spec.updatable and not field.writable:
        raise InvalidInput(
            f"field {place} of hub {spec.hub_name!r} is not writable in the app, "
            "so its source cannot be updatable",
            pointer="/updatable",
        )


async def _by_attribute(
    s: AsyncSession, account_id: str, attribute: str, hub_name: str
) -> AttributeSource | None:
    query = select(AttributeSource).where(
        AttributeSource.account_id == account_id,
        AttributeSource.attribute == attribute,
        AttributeSource.hub_name == hub_name,
    )
    return (await s.exec(query)).first()


async def _held(
    s: AsyncSession, account_id: str, spec: SourceSpec
) -> AttributeSource | None:
    """The existing row when it is this very source; Conflict naming the
    holder when the Attribute or the field is taken on this hub."""
    mine = await _by_attribute(s, account_id, spec.attribute, spec.hub_name)
    if mine is not None and (mine.object, mine.field) != (spec.object, spec.field):
        raise Conflict(
            f"Attribute {spec.attribute!r} already has a source on hub "
            f"{spec.hub_name!r}: {mine.object}.{mine.field}; an Attribute has at "
            "most one source per hub"
        )
    query = select(AttributeSource).where(
        AttributeSource.account_id == account_id,
        AttributeSource.hub_name == spec.hub_name,
        AttributeSource.object == spec.object,
        AttributeSource.field == spec.field,
    )
    other = (await s.exec(query)).first()
    if other is not None and other.attribute != spec.attribute:
        raise Conflict(
            f"{spec.object}.{spec.field} of hub {spec.hub_name!r} already feeds "
            f"Attribute {other.attribute!r}; a field feeds at most one Attribute"
        )
    return mine


async def _check_schema(s: AsyncSession, account_id: str, spec: SourceSpec) -> None:
    """The mirror of the schema's check against sources: the schema may not
    map this field to another Attribute, nor this Attribute to another key."""
    query = (
        select(SchemaKey, SchemaObject)
        .join(SchemaObject, col(SchemaObject.id) == col(SchemaKey.object_id))
        .where(SchemaKey.account_id == account_id)
        .where(SchemaKey.hub_name == spec.hub_name)
        .where(col(SchemaKey.attribute).is_not(None))
    )
    for key, obj in (await s.exec(query)).all():
        same_place = (obj.name, key.name) == (spec.object, spec.field)
        if same_place and key.attribute != spec.attribute:
            raise Conflict(
                f"schema key {obj.name}.{key.name} of hub {spec.hub_name!r} maps "
                f"to Attribute {key.attribute!r}; it cannot also feed "
                f"{spec.attribute!r}"
            )
        if key.attribute == spec.attribute and not same_place:
            raise Conflict(
                f"Attribute {spec.attribute!r} is already mapped to schema key "
                f"{obj.name}.{key.name} of hub {spec.hub_name!r}"
            )
