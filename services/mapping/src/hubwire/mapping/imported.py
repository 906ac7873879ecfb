"""The objects and fields a hub's app answered at its last Import now.

An import replaces the hub's catalogue whole, in one transaction, and reports
what changed since the previous one. Sources that point at a field that is
gone are flagged ``broken`` (and un-flagged when the field comes back), so
nothing breaks silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from hubwire.common.times import aware, iso, utcnow
from hubwire.mapping.contract import AppField, AppObject
from hubwire.mapping.models import AttributeSource, ImportedField, ImportedObject

if TYPE_CHECKING:
    from hubwire.mapping.store import MappingStore

Place = dict[str, str]


@dataclass
class ImportDiff:
    """Changes from one catalogue to the next. A new or vanished object is
    listed once as ``{"object"}``; its fields are not listed one by one."""

    added: list[Place] = field(default_factory=list)
    removed: list[Place] = field(default_factory=list)
    type_changed: list[dict[str, str]] = field(default_factory=list)
    writable_changed: list[dict[str, object]] = field(default_factory=list)


@dataclass
class Catalogue:
    hub_name: str
    objects: list[AppObject]
    imported_at: datetime | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "hub": self.hub_name,
            "imported_at": _iso(self.imported_at),
            "objects": [o.to_json() for o in self.objects],
        }


@dataclass(kw_only=True)
class ImportReport:
    catalogue: Catalogue
    first_import: bool
    changes: ImportDiff
    # broken_sources, repaired_sources, readonly_sources
    sources: dict[str, list[dict[str, object]]]

    def to_json(self) -> dict[str, object]:
        return (
            self.catalogue.to_json()
            | {"first_import": self.first_import}
            | _as_json(self.changes)
            | self.sources
        )


def diff(old: list[AppObject], new: list[AppObject]) -> ImportDiff:
    before = {o.name: o for o in old}
    after = {o.name: o for o in new}
    result = ImportDiff()
    result.added = [{"object": n} for n in after if n not in before]
    result.removed = [{"object": n} for n in before if n not in after]
    for name in after.keys() & before.keys():
        _diff_fields(name, before[name].fields, after[name].fields, result)
    for places in (result.added, result.removed):
        places.sort(key=lambda p: (p["object"], p.get("field", "")))
    return result


def _diff_fields(
    obj: str, old: tuple[AppField, ...], new: tuple[AppField, ...], result: ImportDiff
) -> None:
    before = {f.name: f for f in old}
    after = {f.name: f for f in new}
    result.added += [{"object": obj, "field": n} for n in after if n not in before]
    result.removed += [{"object": obj, "field": n} for n in before if n not in after]
    for name in sorted(after.keys() & before.keys()):
        was, now = before[name], after[name]
        place = {"object": obj, "field": name}
        if was.type != now.type:
            result.type_changed.append({**place, "from": was.type, "to": now.type})
        if was.writable != now.writable:
            result.writable_changed.append({**place, "writable": now.writable})


class ImportedCatalogue:
    """Imported objects and fields of each hub, account scoped."""

    def __init__(self, store: MappingStore) -> None:
        self.store = store

    async def get(self, account_id: str, hub_name: str) -> Catalogue:
        async with self.store.db.session() as s:
            return await load(s, account_id, hub_name)

    async def replace(
        self, account_id: str, hub_name: str, objects: list[AppObject]
    ) -> ImportReport:
        """Store a new import and report what changed since the last one."""
        async with self.store.db.session() as s:
            previous = await load(s, account_id, hub_name)
            changes = diff(previous.objects, objects)
            now = utcnow()
            await _replace_rows(s, account_id, hub_name, objects, now)
            flags = await _flag_sources(s, account_id, hub_name, objects)
            await s.commit()
        self.store.invalidate(account_id, hub_name)
        return ImportReport(
            catalogue=Catalogue(hub_name, sorted_by_name(objects), now),
            first_import=previous.imported_at is None,
            changes=changes,
            sources=flags,
        )


async def load(s: AsyncSession, account_id: str, hub_name: str) -> Catalogue:
    rows = (
        await s.exec(
            select(ImportedObject)
            .where(ImportedObject.account_id == account_id)
            .where(ImportedObject.hub_name == hub_name)
        )
    ).all()
    if not rows:
        return Catalogue(hub_name, [])
    fields = (
        await s.exec(
            select(ImportedField).where(
                col(ImportedField.object_id).in_([r.id for r in rows])
            )
        )
    ).all()
    by_object: dict[str, list[AppField]] = {}
    for f in fields:
        by_object.setdefault(f.object_id, []).append(
            AppField(f.name, f.type, f.label, f.writable)
        )
    objects = [AppObject(r.name, r.label, tuple(by_object.get(r.id, []))) for r in rows]
    imported_at = aware(min(r.imported_at for r in rows))
    return Catalogue(hub_name, sorted_by_name(objects), imported_at)


def sorted_by_name(objects: list[AppObject]) -> list[AppObject]:
    """Objects and their fields in code-point order of their names, the
    same on every database whatever its collation."""
    return sorted(
        (replace(o, fields=tuple(sorted(o.fields, key=_name))) for o in objects),
        key=_name,
    )


def _name(item: AppObject | AppField) -> str:
    return item.name


async def _replace_rows(
    s: AsyncSession,
    account_id: str,
    hub_name: str,
    objects: list[AppObject],
    now: datetime,
) -> None:
    await delete_rows(s, account_id, hub_name)
    rows = [
        ImportedObject(
            account_id=account_id,
            hub_name=hub_name,
            name=obj.name,
            label=obj.label,
            imported_at=now,
        )
        for obj in objects
    ]
    s.add_all(rows)
    # The tables have no ORM relationship, so the flush order is ours to set:
    # objects first, for the fields' foreign key.
    await s.flush()
    s.add_all(
        ImportedField(
            object_id=row.id,
            name=f.name,
            type=f.type,
            label=f.label,
            writable=f.writable,
        )
        for row, obj in zip(rows, objects, strict=True)
        for f in obj.fields
    )


async def delete_rows(s: AsyncSession, account_id: str, hub_name: str) -> None:
    """Remove a hub's imported objects and their fields (no commit)."""
    ids = select(ImportedObject.id).where(
        ImportedObject.account_id == account_id, ImportedObject.hub_name == hub_name
    )
    await s.exec(delete(ImportedField).where(col(ImportedField.object_id).in_(ids)))
    await s.exec(
        delete(ImportedObject).where(
            col(ImportedObject.account_id) == account_id,
            col(ImportedObject.hub_name) == hub_name,
        )
    )


async def _flag_sources(
    s: AsyncSession, account_id: str, hub_name: str, objects: list[AppObject]
) -> dict[str, list[dict[str, object]]]:
    """Flag sources whose field is gone, un-flag those whose field is back,
    and list updatable sources whose field is no longer writable (write-back
    skips those until the app marks the field writable again)."""
    fields = {(o.name, f.name): f for o in objects for f in o.fields}
    report: dict[str, list[dict[str, object]]] = {
        "broken_sources": [],
        "repaired_sources": [],
        "readonly_sources": [],
    }
    for src in await _sources(s, account_id, hub_name):
        present = fields.get((src.object, src.field))
        if present is None:
            # "new": flagged by this import, not already broken before it.
            report["broken_sources"].append(_source(src) | {"new": not src.broken})
        else:
            if src.broken:
                report["repaired_sources"].append(_source(src))
            if src.updatable and not present.writable:
                report["readonly_sources"].append(_source(src))
        if src.broken != (present is None):
            src.broken = present is None
            s.add(src)
    return report


async def _sources(
    s: AsyncSession, account_id: str, hub_name: str
) -> list[AttributeSource]:
    rows = await s.exec(
        select(AttributeSource)
        .where(AttributeSource.account_id == account_id)
        .where(AttributeSource.hub_name == hub_name)
        .order_by(col(AttributeSource.attribute))
    )
    return list(rows.all())


def _source(src: AttributeSource) -> dict[str, object]:
    return {
        "attribute": src.attribute,
        "object": src.object,
        "field": src.field,
        "updatable": src.updatable,
    }


def _as_json(changes: ImportDiff) -> dict[str, object]:
    return {
        "added": changes.added,
        "removed": changes.removed,
        "type_changed": changes.type_changed,
        "writable_changed": changes.writable_changed,
    }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else iso(moment)
