"""Attribute sources: what may be added, what is refused and why."""

from __future__ import annotations

import json
import re

import pytest

from hubwire.common.errors import Conflict, InvalidInput, NotFound
from hubwire.mapping.importer import Importer
from hubwire.mapping.sources import SourceRules, SourceSpec
from hubwire.mapping.store import MappingStore
from tests.mapping.support import ACCOUNT, ExampleApp, FakeRegistry, add_attribute


def spec(
    attribute: str, obj: str, field: str, *, hub: str = "crm", updatable: bool = False
) -> SourceSpec:
    return SourceSpec(
        attribute=attribute, hub_name=hub, object=obj, field=field, updatable=updatable
    )


@pytest.fixture
async def rules(
    importer: Importer,
    store: MappingStore,
    example_app: ExampleApp,
    fake_registry: FakeRegistry,
) -> SourceRules:
    """Hubs crm and erp imported from the example app; some Attributes."""
    for hub in ("crm", "erp"):
        fake_registry.connect(hub, example_app.import_url)
        await importer.import_now(ACCOUNT, hub)
    for name, kind in [
        ("customer_email", "email"),
        ("first_name", "string"),
        ("credit_score", "integer"),
    ]:
        await add_attribute(store, name, kind)
    return SourceRules(store)


async def test_a_source_on_an_imported_writable_field_can_be_updatable(
    rules: SourceRules,
) -> None:
    row = await rules.add(
        ACCOUNT, spec("customer_email", "Contact", "Email", updatable=True)
    )

    assert (row.attribute, row.hub_name, row.object, row.field) == (
        "customer_email", "crm", "Contact", "Email",
    )  # fmt: skip
    assert row.updatable is True and row.broken is False
    assert [s.id for s in await rules.find(ACCOUNT, attribute="customer_email")] == [
        row.id
    ]


async def test_adding_the_same_source_again_only_changes_updatable(
    rules: SourceRules,
) -> None:
    await rules.add(ACCOUNT, spec("customer_email", "Contact", "Email", updatable=True))
    again = await rules.add(ACCOUNT, spec("customer_email", "Contact", "Email"))

    assert again.updatable is False
    assert len(await rules.find(ACCOUNT)) == 1


@pytest.mark.parametrize(
    ("source", "error", "message"),
    [
        (
            spec("no_such", "Contact", "Email"),
            NotFound,
            "Attribute 'no_such' not found",
        ),
        (
            spec("customer_email", "Contact", "Email", hub="ghost"),
            InvalidInput,
            "hub 'ghost' has not been imported yet; run Import now first",
        ),
        (
            spec("customer_email", "contact", "Email"),
            InvalidInput,
            "object 'contact' was not in the last import of hub 'crm'",
        ),
        (
            spec("customer_email", "Contact", "email"),
            InvalidInput,
            "field Contact.email was not in the last import of hub 'crm'",
        ),
        (
            spec("credit_score", "Contact", "CreditScore", updatable=True),
            InvalidInput,
            "field Contact.CreditScore of hub 'crm' is not writable in the app, so "
            "its source cannot be updatable",
        ),
        (
            spec("customer_email", "", "Email"),
            InvalidInput,
            "object name must not be empty",
        ),
        (spec("Bad Name", "Contact", "Email"), InvalidInput, "invalid Attribute name"),
    ],
)
async def test_a_source_breaking_a_rule_is_refused_and_nothing_is_added(
    rules: SourceRules, source: SourceSpec, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=re.escape(message)):
        await rules.add(ACCOUNT, source)

    assert await rules.find(ACCOUNT) == []


async def test_the_refusal_points_at_the_offending_input(rules: SourceRules) -> None:
    with pytest.raises(InvalidInput) as caught:
        await rules.add(
            ACCOUNT, spec("credit_score", "Contact", "CreditScore", updatable=True)
        )

    assert caught.value.pointer == "/updatable"


async def test_an_attribute_has_at_most_one_source_per_hub(rules: SourceRules) -> None:
    await rules.add(ACCOUNT, spec("customer_email", "Contact", "Email"))

    with pytest.raises(
        Conflict,
        match="Attribute 'customer_email' already has a source on hub 'crm': "
        "Contact.Email",
    ):
        await rules.add(ACCOUNT, spec("customer_email", "Contact", "FirstName"))

    other_hub = await rules.add(
        ACCOUNT, spec("customer_email", "Contact", "Email", hub="erp")
    )
    assert other_hub.hub_name == "erp"


async def test_a_field_feeds_at_most_one_attribute(rules: SourceRules) -> None:
    await rules.add(ACCOUNT, spec("first_name", "Contact", "FirstName"))

    with pytest.raises(
        Conflict,
        match="Contact.FirstName of hub 'crm' already feeds Attribute 'first_name'",
    ):
        await rules.add(ACCOUNT, spec("customer_email", "Contact", "FirstName"))


async def test_a_field_the_schema_maps_to_another_attribute_is_refused(
    rules: SourceRules, store: MappingStore
) -> None:
    schema = {"objects": {"Contact": {"Email": "first_name"}}}
    await store.import_schema(ACCOUNT, "crm", json.dumps(schema))

    with pytest.raises(Conflict, match="schema key Contact.Email of hub 'crm' maps to "
                       "Attribute 'first_name'"):  # fmt: skip
        await rules.add(ACCOUNT, spec("customer_email", "Contact", "Email"))
    with pytest.raises(Conflict, match="Attribute 'first_name' is already mapped to "
                       "schema key Contact.Email of hub 'crm'"):  # fmt: skip
        await rules.add(ACCOUNT, spec("first_name", "Contact", "FirstName"))

    same = await rules.add(ACCOUNT, spec("first_name", "Contact", "Email"))
    assert same.field == "Email"


async def test_the_schema_cannot_then_map_a_sourced_field_differently(
    rules: SourceRules, store: MappingStore
) -> None:
    await rules.add(ACCOUNT, spec("customer_email", "Contact", "Email"))

    schema = {"objects": {"Contact": {"Email": "first_name"}}}
    with pytest.raises(Conflict, match="Contact.Email is already the source of"):
        await store.import_schema(ACCOUNT, "crm", json.dumps(schema))


async def test_removing_a_source(rules: SourceRules) -> None:
    await rules.add(ACCOUNT, spec("customer_email", "Contact", "Email"))
    await rules.remove(ACCOUNT, "customer_email", "crm")

    assert await rules.find(ACCOUNT) == []
    with pytest.raises(
        NotFound, match="Attribute 'customer_email' has no source on hub 'crm'"
    ):
        await rules.remove(ACCOUNT, "customer_email", "crm")


async def test_sources_are_listed_per_attribute_and_per_hub(rules: SourceRules) -> None:
    await rules.add(ACCOUNT, spec("customer_email", "Contact", "Email"))
    await rules.add(ACCOUNT, spec("customer_email", "Contact", "Email", hub="erp"))
    await rules.add(ACCOUNT, spec("first_name", "Contact", "FirstName", hub="erp"))

    def places(rows: list) -> list[tuple[str, str]]:  # type: ignore[type-arg]
        return [(r.attribute, r.hub_name) for r in rows]

    assert places(await rules.find(ACCOUNT, hub_name="erp")) == [
        ("customer_email", "erp"), ("first_name", "erp"),
    ]  # fmt: skip
    assert places(await rules.find(ACCOUNT, attribute="customer_email")) == [
        ("customer_email", "crm"), ("customer_email", "erp"),
    ]  # fmt: skip
    assert await rules.find("another_account") == []


async def test_translation_sees_a_source_as_soon_as_it_is_added_or_removed(
    rules: SourceRules, store: MappingStore
) -> None:
    data = {"Contact": {"Email": "ada@example.com"}}
    assert (await store.translate(ACCOUNT, "crm", data)).attributes == {}

    await rules.add(ACCOUNT, spec("customer_email", "Contact", "Email"))
    added = await store.translate(ACCOUNT, "crm", data)
    assert added.attributes == {"customer_email": "ada@example.com"}
    assert added.unmapped == {}

    await rules.remove(ACCOUNT, "customer_email", "crm")
    removed = await store.translate(ACCOUNT, "crm", data)
    assert removed.attributes == {}
    assert removed.unmapped == data


async def test_an_attribute_with_a_source_cannot_be_deleted(
    rules: SourceRules, store: MappingStore
) -> None:
    await rules.add(ACCOUNT, spec("customer_email", "Contact", "Email"))

    with pytest.raises(Conflict, match="source crm:Contact.Email"):
        await store.delete_attribute(ACCOUNT, "customer_email")


async def test_deleting_a_hub_forgets_its_sources_and_imports(
    rules: SourceRules, store: MappingStore, importer: Importer
) -> None:
    await rules.add(ACCOUNT, spec("customer_email", "Contact", "Email"))
    await store.delete_hub(ACCOUNT, "crm")

    assert await rules.find(ACCOUNT, hub_name="crm") == []
    assert (await importer.catalogue.get(ACCOUNT, "crm")).objects == []
    assert (await importer.catalogue.get(ACCOUNT, "erp")).objects != []
