from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hubwire.common.catalog import EventCatalog, EventType, load_catalog
from hubwire.common.errors import InvalidInput

ARCHITECTURE_EVENTS = [
    "session.created",
    "session.opened",
    "session.completed",
    "session.closed",
    "session.expired",
    "attributes.updated",
    "workflow.added",
    "workflow.completed",
    "esign.completed",
    "form.submitted",
    "file.uploaded",
    "payment.completed",
    "document_analysis.started",
    "document_validation.completed",
    "document_analysis.summary",
    "document_analysis.completed",
]

VALID_DATA: dict[str, dict[str, Any]] = {
    "session.created": {"workflow_template_id": "wt_1", "customer": {"name": "Ada"}},
    "session.opened": {},
    "session.completed": {"workflow_template_id": "wt_1"},
    "session.closed": {"reason": "agent"},
    "session.expired": {},
    "attributes.updated": {"changed": {"customer_email": "a@b.c"}, "source": "crm"},
    "workflow.added": {"workflow_template_id": "wt_2"},
    "workflow.completed": {"workflow_template_id": "wt_2"},
    "esign.completed": {"document_id": "doc_1"},
    "form.submitted": {"form_id": "form_1"},
    "file.uploaded": {"file_name": "id.pdf", "size": 1024, "content_type": "x/y"},
    "payment.completed": {"amount": 12.5, "currency": "EUR"},
    "document_analysis.started": {"analysis_id": "an_1"},
    "document_validation.completed": {"analysis_id": "an_1", "valid": True},
    "document_analysis.summary": {"analysis_id": "an_1", "summary": {}},
    "document_analysis.completed": {"analysis_id": "an_1"},
    "hub.test": {"message": "ping"},
}


@pytest.fixture(scope="module")
def catalog() -> EventCatalog:
    return load_catalog()


def write_catalog(tmp_path: Path, events: list[dict[str, Any]]) -> Path:
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps({"version": 1, "events": events}), encoding="utf-8")
    return path


def entry(name: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    schema = schema or {"type": "object"}
    return {"name": name, "description": f"{name} happened", "schema": schema}


def test_the_packaged_catalog_offers_every_architecture_event_sorted(
    catalog: EventCatalog,
) -> None:
    assert catalog.names() == sorted(ARCHITECTURE_EVENTS)


def test_the_test_ping_is_catalogued_but_not_offered(catalog: EventCatalog) -> None:
    ping = catalog.get("hub.test")

    assert ping.internal is True
    assert "hub.test" in catalog
    assert "hub.test" not in catalog.names()
    assert "hub.test" in [event.name for event in catalog]


def test_every_event_type_has_a_description_and_an_object_schema(
    catalog: EventCatalog,
) -> None:
    for event in catalog:
        assert event.description
        assert event.schema["type"] == "object"


@pytest.mark.parametrize("name", sorted(VALID_DATA))
def test_realistic_data_of_each_event_type_is_valid(
    catalog: EventCatalog, name: str
) -> None:
    catalog.validate(name, VALID_DATA[name])


def test_every_catalogued_type_has_a_valid_example_here(catalog: EventCatalog) -> None:
    assert sorted(event.name for event in catalog) == sorted(VALID_DATA)


def test_extra_properties_are_allowed_so_producers_can_add_fields(
    catalog: EventCatalog,
) -> None:
    catalog.validate("payment.completed", {"amount": 1, "currency": "USD", "x": 1})


def test_an_unknown_event_type_is_invalid_input(catalog: EventCatalog) -> None:
    with pytest.raises(InvalidInput, match="unknown event type 'session.exploded'"):
        catalog.get("session.exploded")


def test_validating_an_unknown_type_points_at_the_type(catalog: EventCatalog) -> None:
    with pytest.raises(InvalidInput, match="unknown event type") as caught:
        catalog.validate("nope.never", {})

    assert caught.value.pointer == "/type"


def test_a_wrongly_typed_value_is_pointed_at_and_explained(
    catalog: EventCatalog,
) -> None:
    data = {"amount": "ten", "currency": "EUR"}

    with pytest.raises(InvalidInput, match="'ten' is not of type 'number'") as caught:
        catalog.validate("payment.completed", data)

    assert caught.value.pointer == "/data/amount"
    assert "payment.completed" in caught.value.detail


def test_a_missing_required_property_is_pointed_at_where_it_belongs(
    catalog: EventCatalog,
) -> None:
    with pytest.raises(InvalidInput, match="'currency' is a required") as caught:
        catalog.validate("payment.completed", {"amount": 3})

    assert caught.value.pointer == "/data/currency"


def test_the_first_of_several_errors_is_reported_in_schema_order(
    catalog: EventCatalog,
) -> None:
    with pytest.raises(InvalidInput, match="not of type 'number'") as caught:
        catalog.validate("payment.completed", {"amount": "x", "currency": "eur"})

    assert caught.value.pointer == "/data/amount"


def test_a_currency_must_be_three_upper_case_letters(catalog: EventCatalog) -> None:
    with pytest.raises(InvalidInput, match="does not match") as caught:
        catalog.validate("payment.completed", {"amount": 3, "currency": "eur"})

    assert caught.value.pointer == "/data/currency"


def test_an_attributes_update_must_change_something(catalog: EventCatalog) -> None:
    with pytest.raises(InvalidInput, match="should be non-empty") as caught:
        catalog.validate("attributes.updated", {"changed": {}})

    assert caught.value.pointer == "/data/changed"


def test_data_that_is_not_an_object_points_at_data(catalog: EventCatalog) -> None:
    with pytest.raises(InvalidInput, match="is not of type 'object'") as caught:
        catalog.validate("file.uploaded", ["id.pdf"])

    assert caught.value.pointer == "/data"


def test_an_error_inside_an_array_points_at_its_index(catalog: EventCatalog) -> None:
    data = {"analysis_id": "an_1", "errors": ["blurred", 7]}

    with pytest.raises(InvalidInput, match="7 is not of type 'string'") as caught:
        catalog.validate("document_validation.completed", data)

    assert caught.value.pointer == "/data/errors/1"


def test_the_packaged_catalog_is_loaded_once() -> None:
    assert load_catalog() is load_catalog()


def test_a_catalog_file_is_loaded_from_a_path(tmp_path: Path) -> None:
    path = write_catalog(tmp_path, [entry("thing.done"), entry("thing.undone")])

    assert load_catalog(path).names() == ["thing.done", "thing.undone"]


def test_pointer_tokens_are_escaped(tmp_path: Path) -> None:
    schema = {"type": "object", "properties": {"a/b~c": {"type": "string"}}}
    catalog = load_catalog(write_catalog(tmp_path, [entry("thing.done", schema)]))

    with pytest.raises(InvalidInput, match="not of type 'string'") as caught:
        catalog.validate("thing.done", {"a/b~c": 1})

    assert caught.value.pointer == "/data/a~1b~0c"


def test_a_catalog_naming_an_event_twice_is_refused(tmp_path: Path) -> None:
    path = write_catalog(tmp_path, [entry("thing.done"), entry("thing.done")])

    with pytest.raises(InvalidInput, match="'thing.done' is catalogued twice"):
        load_catalog(path)


def test_a_catalog_with_an_invalid_schema_is_refused(tmp_path: Path) -> None:
    bad = {"type": "object", "properties": {"x": {"type": "nonsense"}}}
    path = write_catalog(tmp_path, [entry("thing.done"), entry("thing.bad", bad)])

    with pytest.raises(InvalidInput, match="invalid schema of thing.bad") as caught:
        load_catalog(path)

    assert caught.value.pointer == "/events/1/schema"


def test_a_catalog_schema_of_another_draft_is_refused(tmp_path: Path) -> None:
    schema = {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object"}
    path = write_catalog(tmp_path, [entry("thing.done", schema)])

    with pytest.raises(InvalidInput, match="not draft 2020-12"):
        load_catalog(path)


def test_a_catalog_entry_without_a_description_is_refused(tmp_path: Path) -> None:
    event = {"name": "thing.done", "schema": {"type": "object"}}
    path = write_catalog(tmp_path, [event])

    with pytest.raises(InvalidInput, match="'description' is a required") as caught:
        load_catalog(path)

    assert caught.value.pointer == "/events/0"


def test_a_catalog_event_name_must_be_dotted_lower_case(tmp_path: Path) -> None:
    path = write_catalog(tmp_path, [entry("ThingDone")])

    with pytest.raises(InvalidInput, match="does not match") as caught:
        load_catalog(path)

    assert caught.value.pointer == "/events/0/name"


def test_a_catalog_file_that_is_not_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "catalog.json"
    path.write_text("{version: 1", encoding="utf-8")

    with pytest.raises(InvalidInput, match="is not JSON"):
        load_catalog(path)


def test_event_types_are_hashable_values() -> None:
    one = EventType("a.b", "d", {"type": "object"})
    same = EventType("a.b", "d", {"type": "object"})
    other = EventType("a.b", "d", {"type": "object", "required": ["x"]})

    assert one == same
    assert one != other
    assert len({one, same}) == 1
