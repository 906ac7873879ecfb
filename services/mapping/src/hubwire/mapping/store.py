"""The mapping service's rules over its tables; every call is account scoped."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hubwire.common.db import Database
from hubwire.common.errors import Conflict, InvalidInput, NotFound
from hubwire.mapping import imported
from hubwire.mapping import schema as schema_format
from hubwire.mapping.models import (
    Attribute,
    AttributeSource,
    SchemaKey,
    SchemaObject,
)
from hubwire.mapping.names import app_name, attribute_name
from hubwire.mapping.schema import SchemaKeySpec, SchemaObjectSpec
from hubwire.mapping.translate import CompiledMapping, Translation, translate_attributes
from hubwire.mapping.types import attribute_type

log = logging.getLogger(__name__)

# A compiled mapping is rebuilt after a change made through this process at
# once; a change made through another replica is seen within this many
# seconds.
CACHE_SECONDS = 2.0

HubCheck = Callable[[str, str], Awaitable[None]]


class MappingStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._compiled: dict[tuple[str, str], tuple[float, CompiledMapping]] = {}
        self._types: dict[str, tuple[float, dict[str, str]]] = {}

    def invalidate(self, account_id: str, hub_name: str | None = None) -> None:
        self._types.pop(account_id, None)
        for key in list(self._compiled):
            if key[0] == account_id and (hub_name is None or key[1] == hub_name):
                del self._compiled[key]

    # -- attributes ---------------------------------------------------------

    async def create_attribute(
        self, account_id: str, *, name: str, type: str, label: str, description: str
    ) -> Attribute:
        row = Attribute(
            account_id=account_id,
            name=attribute_name(name),
            type=attribute_type(type),
            label=label,
            description=description,
        )
        async with self.db.session() as s:
            s.add(row)
            try:
                await s.commit()
            except IntegrityError as exc:
                raise Conflict(f"Attribute {name!r} already exists") from exc
        self.invalidate(account_id)
        return row

    async def list_attributes(self, account_id: str) -> list[Attribute]:
        async with self.db.session() as s:
            rows = await s.exec(
                select(Attribute)
                .where(Attribute.account_id == account_id)
                .order_by(col(Attribute.name))
            )
            return list(rows.all())

    async def _attribute(
        self, s: AsyncSession, account_id: str, name: str
    ) -> Attribute:
        row = (
            await s.exec(
                select(Attribute).where(
                    Attribute.account_id == account_id, Attribute.name == name
                )
            )
        ).first()
        if row is None:
            raise NotFound(f"Attribute {name!r} not found")
        return row

    async def update_attribute(
        self,
        account_id: str,
        name: str,
        *,
        label: str | None,
        description: str | None,
        type: str | None,
    ) -> Attribute:
        async with self.db.session() as s:
            row = await self._attribute(s, account_id, name)
            if label is not None:
                row.label = label
            if description is not None:
                row.description = description
            if type is not None:
                row.type = attribute_type(type)
            s.add(row)
            await s.commit()
        self.invalidate(account_id)
        return row

    async def delete_attribute(self, account_id: str, name: str) -> None:
        async with self.db.session() as s:
            row = await self._attribute(s, account_id, name)
            uses = await self._uses(s, account_id, name)
            if uses:
                raise Conflict(f"Attribute {name!r} is in use by: {', '.join(uses)}")
            await s.delete(row)
            await s.commit()
        self.invalidate(account_id)

    async def _uses(self, s: AsyncSession, account_id: str, name: str) -> list[str]:
        keys = await s.exec(
            select(SchemaKey, SchemaObject)
            .join(SchemaObject, col(SchemaObject.id) == SchemaKey.object_id)
            .where(SchemaKey.account_id == account_id, SchemaKey.attribute == name)
        )
        sources = await s.exec(
            select(AttributeSource).where(
                AttributeSource.account_id == account_id,
                AttributeSource.attribute == name,
            )
        )
        return [f"schema key {o.hub_name}:{o.name}.{k.name}" for k, o in keys.all()] + [
            f"source {src.hub_name}:{src.object}.{src.field}" for src in sources.all()
        ]

    async def attribute_types(self, account_id: str) -> dict[str, str]:
        cached = self._types.get(account_id)
        if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
            return cached[1]
        types = {a.name: a.type for a in await self.list_attributes(account_id)}
        self._types[account_id] = (time.monotonic(), types)
        return types

    # -- schema -------------------------------------------------------------

    async def schema(self, account_id: str, hub_name: str) -> list[SchemaObjectSpec]:
        async with self.db.session() as s:
            return await self._schema(s, account_id, hub_name)

    async def _schema(
        self, s: AsyncSession, account_id: str, hub_name: str
    ) -> list[SchemaObjectSpec]:
        objects = (
            await s.exec(
                select(SchemaObject)
                .where(
                    SchemaObject.account_id == account_id,
                    SchemaObject.hub_name == hub_name,
                )
                .order_by(col(SchemaObject.position), col(SchemaObject.name))
            )
        ).all()
        keys = (
            await s.exec(
                select(SchemaKey)
                .where(
                    SchemaKey.account_id == account_id, SchemaKey.hub_name == hub_name
                )
                .order_by(col(SchemaKey.position), col(SchemaKey.name))
            )
        ).all()
        by_object: dict[str, list[SchemaKeySpec]] = {}
        for key in keys:
            by_object.setdefault(key.object_id, []).append(
                SchemaKeySpec(key.name, key.attribute)
            )
        return [SchemaObjectSpec(o.name, by_object.get(o.id, [])) for o in objects]

    async def import_schema(
        self, account_id: str, hub_name: str, text: str
    ) -> tuple[list[SchemaObjectSpec], list[dict[str, str]]]:
        """Replace the hub's schema whole. Mappings to Attributes this account
        lacks are dropped (the key stays, unmapped) and reported."""
        specs = schema_format.parse(text)
        schema_format.check_one_to_one(specs)
        known = {a.name for a in await self.list_attributes(account_id)}
        dropped: list[dict[str, str]] = []
        for obj in specs:
            for key in obj.keys:
                if key.attribute is not None and key.attribute not in known:
                    dropped.append(
                        {
                            "object": obj.name,
                            "key": key.name,
                            "attribute": key.attribute,
                            "reason": f"Attribute {key.attribute!r} does not exist "
                            "in this environment",
                        }
                    )
                    key.attribute = None
        async with self.db.session() as s:
            await self._check_against_sources(s, account_id, hub_name, specs)
            await self._replace(s, account_id, hub_name, specs)
            await s.commit()
        self.invalidate(account_id, hub_name)
        return specs, dropped

    async def _replace(
        self,
        s: AsyncSession,
        account_id: str,
        hub_name: str,
        specs: list[SchemaObjectSpec],
    ) -> None:
        await s.exec(
            delete(SchemaKey).where(
                col(SchemaKey.account_id) == account_id,
                col(SchemaKey.hub_name) == hub_name,
            )
        )
        await s.exec(
            delete(SchemaObject).where(
                col(SchemaObject.account_id) == account_id,
                col(SchemaObject.hub_name) == hub_name,
            )
        )
        rows = [
            SchemaObject(
                account_id=account_id, hub_name=hub_name, name=obj.name, position=i
            )
            for i, obj in enumerate(specs)
        ]
        s.add_all(rows)
        # Objects first: without ORM relationships the unit of work does not
        # order the key inserts after their objects.
        await s.flush()
        for row, obj in zip(rows, specs, strict=True):
            for j, key in enumerate(obj.keys):
                s.add(
                    SchemaKey(
                        object_id=row.id,
                        account_id=account_id,
                        hub_name=hub_name,
                        name=key.name,
                        attribute=key.attribute,
                        position=j,
                    )
                )

    async def _check_against_sources(
        self,
        s: AsyncSession,
        account_id: str,
        hub_name: str,
        specs: list[SchemaObjectSpec],
    ) -> None:
        """A field mapped by both the schema and a dynamic source must map to
        the same Attribute; otherwise translation would be ambiguous."""
        sources = (
            await s.exec(
                select(AttributeSource).where(
                    AttributeSource.account_id == account_id,
                    AttributeSource.hub_name == hub_name,
                )
            )
        ).all()
        by_field = {(src.object, src.field): src.attribute for src in sources}
        by_attribute = {src.attribute: (src.object, src.field) for src in sources}
        for obj in specs:
            for key in obj.keys:
                if key.attribute is None:
                    continue
                other = by_field.get((obj.name, key.name))
                if other is not None and other != key.attribute:
                    raise Conflict(
                        f"{obj.name}.{key.name} is already the source of Attribute "
                        f"{other!r}; it cannot also map to {key.attribute!r}"
                    )
                place = by_attribute.get(key.attribute)
                if place is not None and place != (obj.name, key.name):
                    raise Conflict(
                        f"Attribute {key.attribute!r} is already fed by source field "
                        f"{place[0]}.{place[1]} of hub {hub_name!r}"
                    )

    async def edit_schema(
        self, account_id: str, hub_name: str, op: dict[str, object]
    ) -> tuple[list[SchemaObjectSpec], list[str] | None]:
        """Apply one edit. ``delete_object`` without ``confirm: true`` changes
        nothing and answers the keys it would remove."""
        async with self.db.session() as s:
            specs = await self._schema(s, account_id, hub_name)
            pending = await self._apply(s, account_id, specs, op)
            if pending is not None:
                return specs, pending
            schema_format.check_one_to_one(specs)
            await self._check_against_sources(s, account_id, hub_name, specs)
            await self._replace(s, account_id, hub_name, specs)
            await s.commit()
        self.invalidate(account_id, hub_name)
        return specs, None

    async def _apply(
        self,
        s: AsyncSession,
        account_id: str,
        specs: list[SchemaObjectSpec],
        op: dict[str, object],
    ) -> list[str] | None:
        kind = op.get("op")
        objects = {o.name: o for o in specs}

        def obj_named(field: str = "object") -> SchemaObjectSpec:
            name = app_name(op.get(field), pointer=f"/{field}", what="object")
            if name not in objects:
                raise NotFound(f"object {name!r} not found in the schema")
            return objects[name]

        def key_named(obj: SchemaObjectSpec) -> SchemaKeySpec:
            name = app_name(op.get("key"), pointer="/key", what="key")
            for key in obj.keys:
                if key.name == name:
                    return key
            raise NotFound(f"key {obj.name}.{name} not found in the schema")

        if kind == "add_object":
            name = app_name(op.get("object"), pointer="/object", what="object")
            if name in objects:
                raise Conflict(f"object {name!r} already exists")
            specs.append(SchemaObjectSpec(name))
        elif kind == "add_key":
            obj = obj_named()
            name = app_name(op.get("key"), pointer="/key", what="key")
            if any(k.name == name for k in obj.keys):
                raise Conflict(f"key {obj.name}.{name} already exists")
            attr = await self._mappable(
                s, account_id, specs, op.get("attribute"), (obj.name, name)
            )
            obj.keys.append(SchemaKeySpec(name, attr))
        elif kind == "rename_object":
            obj = obj_named()
            new = app_name(op.get("new_name"), pointer="/new_name", what="object")
            if new in objects and new != obj.name:
                raise Conflict(f"object {new!r} already exists")
            obj.name = new
        elif kind == "rename_key":
            obj = obj_named()
            key = key_named(obj)
            new = app_name(op.get("new_name"), pointer="/new_name", what="key")
            if any(k.name == new for k in obj.keys if k is not key):
                raise Conflict(f"key {obj.name}.{new} already exists")
            key.name = new
        elif kind == "map_key":
            obj = obj_named()
            key = key_named(obj)
            if op.get("attribute") is None:
                raise InvalidInput("map_key needs an Attribute", pointer="/attribute")
            key.attribute = await self._mappable(
                s, account_id, specs, op.get("attribute"), (obj.name, key.name)
            )
        elif kind == "unmap_key":
            key_named(obj_named()).attribute = None
        elif kind == "delete_key":
            obj = obj_named()
            obj.keys.remove(key_named(obj))
        elif kind == "delete_object":
            obj = obj_named()
            if op.get("confirm") is not True and obj.keys:
                return [k.name for k in obj.keys]
            specs.remove(obj)
        else:
            raise InvalidInput(
                "op must be one of add_object, add_key, rename_object, rename_key, "
                "map_key, unmap_key, delete_key, delete_object",
                pointer="/op",
            )
        return None

    async def _mappable(
        self,
        s: AsyncSession,
        account_id: str,
        specs: list[SchemaObjectSpec],
        attribute: object,
        place: tuple[str, str],
    ) -> str | None:
        if attribute is None:
            return None
        if not isinstance(attribute, str):
            raise InvalidInput("attribute must be a string", pointer="/attribute")
        await self._attribute(
            s, account_id, attribute_name(attribute, pointer="/attribute")
        )
        for obj in specs:
            for key in obj.keys:
                if key.attribute == attribute and (obj.name, key.name) != place:
                    raise Conflict(
                        f"Attribute {attribute!r} is already mapped to key "
                        f"{obj.name}.{key.name}; an Attribute maps to at most one key"
                    )
        return attribute

    async def delete_hub(self, account_id: str, hub_name: str) -> None:
        """Forget everything of a deleted hub: schema, sources, imports."""
        async with self.db.session() as s:
            await self._replace(s, account_id, hub_name, [])
            await s.exec(
                delete(AttributeSource).where(
                    col(AttributeSource.account_id) == account_id,
                    col(AttributeSource.hub_name) == hub_name,
                )
            )
            await imported.delete_rows(s, account_id, hub_name)
            await s.commit()
        self.invalidate(account_id, hub_name)

    # -- translation --------------------------------------------------------

    async def compiled(self, account_id: str, hub_name: str) -> CompiledMapping:
        cached = self._compiled.get((account_id, hub_name))
        if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
            return cached[1]
        types = await self.attribute_types(account_id)
        links: list[tuple[str, str, str]] = []
        async with self.db.session() as s:
            for obj in await self._schema(s, account_id, hub_name):
                links += [
                    (obj.name, k.name, k.attribute) for k in obj.keys if k.attribute
                ]
            sources = await s.exec(
                select(AttributeSource).where(
                    AttributeSource.account_id == account_id,
                    AttributeSource.hub_name == hub_name,
                )
            )
            links += [(src.object, src.field, src.attribute) for src in sources.all()]
        compiled = CompiledMapping([link for link in links if link[2] in types], types)
        self._compiled[(account_id, hub_name)] = (time.monotonic(), compiled)
        return compiled

    async def translate(
        self, account_id: str, hub_name: str, data: object
    ) -> Translation:
        if not hub_name:
            return translate_attributes(data, await self.attribute_types(account_id))
        return (await self.compiled(account_id, hub_name)).translate(data)

    async def to_fields(
        self, account_id: str, hub_name: str, attributes: dict[str, object]
    ) -> dict[str, dict[str, object]]:
        return (await self.compiled(account_id, hub_name)).to_fields(attributes)
