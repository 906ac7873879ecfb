"""Every case of the shared mapping-cases.json, through import, sources,
translation and the schema; a test fails when the file gains a case that has
no test here."""

from __future__ import annotations

import copy
import json
import unicodedata
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from hubwire.common.errors import Conflict, UpstreamError
from hubwire.mapping.importer import Importer
from hubwire.mapping.sources import SourceRules, SourceSpec
from hubwire.mapping.store import MappingStore
from tests.conftest import shared_cases
from tests.mapping.support import ACCOUNT, FakeRegistry, Handler, add_attribute

CASES_FILE = shared_cases() / "mapping-cases.json"
CASES: dict[str, dict[str, Any]] = {
    c["name"]: c for c in json.loads(CASES_FILE.read_text("utf-8"))["cases"]
}
BY_CASE_OBJECTS = "objects that differ only by case are different objects"
BY_CASE_KEYS = "keys that differ only by case are different keys"
NFC_NFD = "the same name in NFC and NFD form is the same name"
DOT = "a dot inside a key is part of the key, not a path"
HYPHEN = "a hyphen inside a key is an ordinary character"
ONE_TO_ONE = "two keys mapped to one attribute are refused"
NON_ASCII = "non-ASCII field names survive import, mapping, translation and export"
ZEROS = (
    "a string that looks like a number is not silently coerced into a string attribute"
)
MISSING_ATTRIBUTE = (
    "an import that names an attribute this environment lacks drops only that mapping"
)
TESTED = [
    BY_CASE_OBJECTS,
    BY_CASE_KEYS,
    NON_ASCII,
    NFC_NFD,
    DOT,
    HYPHEN,
    ONE_TO_ONE,
    ZEROS,
    MISSING_ATTRIBUTE,
]


def case(name: str) -> dict[str, Any]:
    return copy.deepcopy(CASES[name])


class App:
    """A customer app answering whatever import document the test sets."""

    def __init__(self) -> None:
        self.doc: object = {"objects": []}

    async def __call__(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(self.doc)


@pytest.fixture
async def app(
    http_app: Callable[[Handler], Awaitable[str]], fake_registry: FakeRegistry
) -> App:
    app = App()
    fake_registry.connect("crm", await http_app(app) + "/hubwire/objects")
    return app


@pytest.fixture
def rules(store: MappingStore) -> SourceRules:
    return SourceRules(store)


async def source(rules: SourceRules, attribute: str, obj: str, field: str) -> None:
    spec = SourceSpec(attribute=attribute, hub_name="crm", object=obj, field=field)
    await rules.add(ACCOUNT, spec)


def fields(obj: str, *names: str, type: str = "string") -> dict[str, object]:
    return {
        "objects": [{"name": obj, "fields": [{"name": n, "type": type} for n in names]}]
    }


async def test_objects_that_differ_only_by_case_are_different_objects(
    app: App, importer: Importer, store: MappingStore, rules: SourceRules
) -> None:
    app.doc = case(BY_CASE_OBJECTS)["import"]
    await importer.import_now(ACCOUNT, "crm")
    await add_attribute(store, "center_code")
    await source(rules, "center_code", "Center", "Code")

    stored = (await importer.catalogue.get(ACCOUNT, "crm")).objects
    assert sorted(o.name for o in stored) == ["Center", "center"]
    lower = await store.translate(ACCOUNT, "crm", {"center": {"Code": "x"}})
    assert lower.attributes == {}
    assert lower.unmapped == {"center": {"Code": "x"}}
    upper = await store.translate(ACCOUNT, "crm", {"Center": {"Code": "y"}})
    assert upper.attributes == {"center_code": "y"}


async def test_keys_that_differ_only_by_case_are_different_keys(
    app: App, importer: Importer, store: MappingStore, rules: SourceRules
) -> None:
    data = case(BY_CASE_KEYS)["data"]
    app.doc = fields("Contact", "userid", "userId")
    await importer.import_now(ACCOUNT, "crm")
    for attribute, field in [("user_lower", "userid"), ("user_camel", "userId")]:
        await add_attribute(store, attribute)
        await source(rules, attribute, "Contact", field)

    result = await store.translate(ACCOUNT, "crm", data)

    assert result.attributes == {"user_lower": "1", "user_camel": "2"}
    assert result.unmapped == {}


async def test_non_ascii_names_survive_import_mapping_translation_and_export(
    app: App, importer: Importer, store: MappingStore, rules: SourceRules
) -> None:
    doc = case(NON_ASCII)
    app.doc = doc["import"]
    report = (await importer.import_now(ACCOUNT, "crm")).to_json()
    await add_attribute(store, "tax_rate", "number")
    await source(rules, "tax_rate", "Steuer", "税率")

    assert report["objects"][0]["fields"][0]["name"] == "税率"  # type: ignore[index]
    listed = json.dumps(
        (await importer.catalogue.get(ACCOUNT, "crm")).to_json(), ensure_ascii=False
    )
    assert '"name": "税率"' in listed
    translated = await store.translate(ACCOUNT, "crm", {"Steuer": {"税率": 19.5}})
    assert translated.attributes == {"tax_rate": 19.5}
    assert await store.to_fields(ACCOUNT, "crm", {"tax_rate": 7}) == {
        "Steuer": {"税率": 7}
    }
    [row] = await rules.find(ACCOUNT)
    assert row.field.encode() == "税率".encode()


async def test_the_same_name_in_nfc_and_nfd_form_is_the_same_name(
    app: App, importer: Importer, store: MappingStore, rules: SourceRules
) -> None:
    composed, decomposed = case(NFC_NFD)["names"]
    assert composed != decomposed
    assert unicodedata.normalize("NFC", decomposed) == composed
    app.doc = fields("Contact", decomposed)  # the app answers NFD
    await importer.import_now(ACCOUNT, "crm")
    await add_attribute(store, "cafe")
    await source(rules, "cafe", "Contact", decomposed)

    [row] = await rules.find(ACCOUNT)
    assert row.field == composed
    for form in (composed, decomposed):
        result = await store.translate(ACCOUNT, "crm", {"Contact": {form: "x"}})
        assert result.attributes == {"cafe": "x"}

    app.doc = fields("Contact", composed, decomposed)
    with pytest.raises(UpstreamError, match="duplicate field name 'café'"):
        await importer.import_now(ACCOUNT, "crm")


async def test_a_dot_inside_a_key_is_part_of_the_key(
    app: App, importer: Importer, store: MappingStore, rules: SourceRules
) -> None:
    data = case(DOT)["data"]
    app.doc = fields("Contact", "a.b", type="integer")
    await importer.import_now(ACCOUNT, "crm")
    await add_attribute(store, "dotted", "integer")
    await source(rules, "dotted", "Contact", "a.b")

    result = await store.translate(ACCOUNT, "crm", data)

    assert result.attributes == {"dotted": 1}
    assert result.unmapped == {"Contact": {"a": {"b": 2}}}


async def test_a_hyphen_inside_a_key_is_an_ordinary_character(
    app: App, importer: Importer, store: MappingStore, rules: SourceRules
) -> None:
    data = case(HYPHEN)["data"]
    app.doc = fields("Contact", "field-A", "field")
    await importer.import_now(ACCOUNT, "crm")
    await add_attribute(store, "hyphenated")
    await source(rules, "hyphenated", "Contact", "field-A")

    result = await store.translate(ACCOUNT, "crm", data)

    assert result.attributes == {"hyphenated": "x"}


async def test_two_keys_mapped_to_one_attribute_are_refused(
    store: MappingStore,
) -> None:
    ops = case(ONE_TO_ONE)["schema_ops"]
    assert ops == [
        "map Contact.Email -> customer_email",
        "map Lead.Email -> customer_email",
    ]
    await add_attribute(store, "customer_email", "email")
    for obj in ("Contact", "Lead"):
        await store.edit_schema(ACCOUNT, "crm", {"op": "add_object", "object": obj})
        await store.edit_schema(
            ACCOUNT, "crm", {"op": "add_key", "object": obj, "key": "Email"}
        )

    def map_op(obj: str) -> dict[str, object]:
        return {
            "op": "map_key",
            "object": obj,
            "key": "Email",
            "attribute": "customer_email",
        }

    await store.edit_schema(ACCOUNT, "crm", map_op("Contact"))
    with pytest.raises(Conflict, match="already mapped to key Contact.Email"):
        await store.edit_schema(ACCOUNT, "crm", map_op("Lead"))

    schema = {
        o.name: {k.name: k.attribute for k in o.keys}
        for o in await store.schema(ACCOUNT, "crm")
    }
    assert schema == {"Contact": {"Email": "customer_email"}, "Lead": {"Email": None}}


async def test_a_string_that_looks_like_a_number_stays_a_string(
    app: App, importer: Importer, store: MappingStore, rules: SourceRules
) -> None:
    doc = case(ZEROS)
    attribute = doc["attribute"]
    app.doc = fields("Account", "Number")
    await importer.import_now(ACCOUNT, "crm")
    await add_attribute(store, attribute["name"], attribute["type"])
    await source(rules, attribute["name"], "Account", "Number")

    result = await store.translate(
        ACCOUNT, "crm", {"Account": {"Number": doc["data_value"]}}
    )

    assert result.attributes == {"account_number": "00123"}


async def test_an_import_naming_a_missing_attribute_drops_only_that_mapping(
    store: MappingStore,
) -> None:
    doc = case(MISSING_ATTRIBUTE)
    await add_attribute(store, "customer_email", "email")

    specs, dropped = await store.import_schema(
        ACCOUNT, "crm", json.dumps(doc["import_schema"])
    )

    assert {k.name: k.attribute for k in specs[0].keys} == {
        "Email": "customer_email",
        "Fax": None,
    }
    assert [(d["object"], d["key"], d["attribute"]) for d in dropped] == [
        ("Contact", "Fax", "no_such_attribute")
    ]


def test_every_case_of_the_file_has_a_test() -> None:
    assert sorted(CASES) == sorted(TESTED)
