"""A re-import reports what changed and flags sources whose field is gone."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web

from hubwire.mapping.importer import Importer
from hubwire.mapping.sources import SourceRules, SourceSpec
from hubwire.mapping.store import MappingStore
from tests.mapping.support import ACCOUNT, FakeRegistry, Handler, add_attribute


def contact(*fields: tuple[str, str, bool]) -> dict[str, object]:
    return {
        "name": "Contact",
        "fields": [{"name": n, "type": t, "writable": w} for n, t, w in fields],
    }


V1 = {
    "objects": [
        contact(
            ("Email", "email", True), ("Age", "string", True), ("Fax", "phone", True)
        ),
        {"name": "Lead", "fields": [{"name": "Source", "type": "string"}]},
    ]
}
# Fax gone, Age now an integer and read-only, Phone added, Lead gone, Deal added.
V2 = {
    "objects": [
        contact(
            ("Email", "email", True),
            ("Age", "integer", False),
            ("Phone", "phone", True),
        ),
        {"name": "Deal", "fields": [{"name": "Amount", "type": "number"}]},
    ]
}


@pytest.fixture
async def versions(
    http_app: Callable[[Handler], Awaitable[str]], fake_registry: FakeRegistry
) -> list[dict[str, object]]:
    """The app answers the last document of the returned list."""
    served: list[dict[str, object]] = [V1]

    async def handler(request: web.Request) -> web.StreamResponse:
        return web.json_response(served[-1])

    fake_registry.connect("crm", await http_app(handler) + "/hubwire/objects")
    return served


@pytest.fixture
async def sources(store: MappingStore) -> SourceRules:
    for name, kind in [("email", "email"), ("age", "string"), ("fax", "phone")]:
        await add_attribute(store, name, kind)
    return SourceRules(store)


async def add(rules: SourceRules, attribute: str, field: str, updatable: bool) -> None:
    spec = SourceSpec(
        attribute=attribute,
        hub_name="crm",
        object="Contact",
        field=field,
        updatable=updatable,
    )
    await rules.add(ACCOUNT, spec)


async def test_a_reimport_reports_added_removed_and_changed_and_flags_sources(
    importer: Importer, sources: SourceRules, versions: list[dict[str, object]]
) -> None:
    await importer.import_now(ACCOUNT, "crm")
    await add(sources, "email", "Email", True)
    await add(sources, "age", "Age", True)
    await add(sources, "fax", "Fax", True)

    versions.append(V2)
    report = (await importer.import_now(ACCOUNT, "crm")).to_json()

    assert report["first_import"] is False
    assert report["added"] == [
        {"object": "Contact", "field": "Phone"},
        {"object": "Deal"},
    ]
    assert report["removed"] == [
        {"object": "Contact", "field": "Fax"},
        {"object": "Lead"},
    ]
    assert report["type_changed"] == [
        {"object": "Contact", "field": "Age", "from": "string", "to": "integer"}
    ]
    assert report["writable_changed"] == [
        {"object": "Contact", "field": "Age", "writable": False}
    ]
    fax = {"attribute": "fax", "object": "Contact", "field": "Fax", "updatable": True}
    assert report["broken_sources"] == [fax | {"new": True}]
    assert report["readonly_sources"] == [
        {"attribute": "age", "object": "Contact", "field": "Age", "updatable": True}
    ]
    flags = {s.attribute: s.broken for s in await sources.find(ACCOUNT)}
    assert flags == {"age": False, "email": False, "fax": True}


async def test_a_source_stays_broken_until_its_field_returns(
    importer: Importer, sources: SourceRules, versions: list[dict[str, object]]
) -> None:
    await importer.import_now(ACCOUNT, "crm")
    await add(sources, "fax", "Fax", False)
    versions.append(V2)
    await importer.import_now(ACCOUNT, "crm")

    again = (await importer.import_now(ACCOUNT, "crm")).to_json()
    assert again["broken_sources"] == [
        {
            "attribute": "fax",
            "object": "Contact",
            "field": "Fax",
            "updatable": False,
            "new": False,
        }
    ]
    assert again["added"] == again["removed"] == again["type_changed"] == []

    versions.append(V1)
    back = (await importer.import_now(ACCOUNT, "crm")).to_json()
    assert back["broken_sources"] == []
    assert back["repaired_sources"] == [
        {"attribute": "fax", "object": "Contact", "field": "Fax", "updatable": False}
    ]
    [fax] = await sources.find(ACCOUNT, attribute="fax")
    assert fax.broken is False


async def test_broken_and_readonly_sources_are_never_used_for_write_back(
    importer: Importer, sources: SourceRules, versions: list[dict[str, object]]
) -> None:
    await importer.import_now(ACCOUNT, "crm")
    await add(sources, "email", "Email", True)
    await add(sources, "age", "Age", True)
    await add(sources, "fax", "Fax", True)
    before = {s.attribute for s in await sources.writable(ACCOUNT)}

    versions.append(V2)
    await importer.import_now(ACCOUNT, "crm")

    after = {s.attribute for s in await sources.writable(ACCOUNT)}
    assert before == {"email", "age", "fax"}
    assert after == {"email"}
