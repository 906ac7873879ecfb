"""The data-schema file format: parsing with exact error places, and export.

Export (and the canonical import form), version 1::

    {"format": "hubwire.schema", "version": 1, "hub": "crm_hub",
     "objects": [{"name": "Contact",
                  "keys": [{"name": "Email", "attribute": "customer_email"},
                           {"name": "Fax", "attribute": null}]}]}

Import also takes the short form ``{"objects": {"Contact": {"Email":
"customer_email", "Fax": null}}}``. Duplicate JSON object keys are refused,
not merged, and names equal after NFC normalisation count as duplicates.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from hubwire.common.errors import InvalidInput
from hubwire.mapping.names import app_name, attribute_name, pointer

FORMAT = "hubwire.schema"
VERSION = 1
MAX_BYTES = 1024 * 1024
MAX_OBJECTS = 1000
MAX_KEYS = 2000


@dataclass
class SchemaKeySpec:
    name: str
    attribute: str | None = None


@dataclass
class SchemaObjectSpec:
    name: str
    keys: list[SchemaKeySpec] = field(default_factory=list)


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    seen: dict[str, object] = {}
    for key, value in pairs:
        if key in seen:
            raise _DuplicateKey(key)
        seen[key] = value
    return seen


def loads_strict(text: str | bytes, *, limit: int = MAX_BYTES) -> object:
    """Parse JSON, refusing oversize input and duplicate object keys."""
    if len(text) > limit:
        raise InvalidInput(f"the file is larger than {limit} bytes", pointer="")
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates)
    except _DuplicateKey as exc:
        raise InvalidInput(f"duplicate JSON key {exc.key!r}", pointer="") from exc
    except RecursionError as exc:
        raise InvalidInput("the file is nested too deeply", pointer="") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"not valid JSON: {exc}", pointer="") from exc


def parse(text: str | bytes) -> list[SchemaObjectSpec]:
    doc = loads_strict(text)
    if not isinstance(doc, dict):
        raise InvalidInput("a schema is a JSON object with 'objects'", pointer="")
    if "format" in doc and doc["format"] != FORMAT:
        raise InvalidInput(f"format must be {FORMAT!r}", pointer="/format")
    if "version" in doc and doc["version"] != VERSION:
        raise InvalidInput(
            f"unsupported schema version {doc['version']!r}; this Hubwire reads "
            f"version {VERSION}",
            pointer="/version",
        )
    objects = doc.get("objects")
    if isinstance(objects, dict):
        return _parse_short(objects)
    if isinstance(objects, list):
        return _parse_long(objects)
    raise InvalidInput("'objects' must be a list or an object", pointer="/objects")


def _parse_long(objects: list[object]) -> list[SchemaObjectSpec]:
    if len(objects) > MAX_OBJECTS:
        raise InvalidInput(f"more than {MAX_OBJECTS} objects", pointer="/objects")
    specs: list[SchemaObjectSpec] = []
    seen: dict[str, int] = {}
    for i, obj in enumerate(objects):
        where = f"/objects/{i}"
        if not isinstance(obj, dict):
            raise InvalidInput("an object entry must be a JSON object", pointer=where)
        name = app_name(obj.get("name"), pointer=f"{where}/name", what="object")
        if name in seen:
            raise InvalidInput(
                f"duplicate object name {name!r} (also at /objects/{seen[name]})",
                pointer=f"{where}/name",
            )
        seen[name] = i
        keys = obj.get("keys", [])
        if not isinstance(keys, list):
            raise InvalidInput("'keys' must be a list", pointer=f"{where}/keys")
        specs.append(SchemaObjectSpec(name, _parse_keys(keys, where)))
    return specs


def _parse_keys(keys: list[object], where: str) -> list[SchemaKeySpec]:
    if len(keys) > MAX_KEYS:
        raise InvalidInput(f"more than {MAX_KEYS} keys", pointer=f"{where}/keys")
    out: list[SchemaKeySpec] = []
    seen: set[str] = set()
    for j, key in enumerate(keys):
        at = f"{where}/keys/{j}"
        if not isinstance(key, dict):
            raise InvalidInput("a key entry must be a JSON object", pointer=at)
        name = app_name(key.get("name"), pointer=f"{at}/name", what="key")
        if name in seen:
            raise InvalidInput(f"duplicate key name {name!r}", pointer=f"{at}/name")
        seen.add(name)
        out.append(
            SchemaKeySpec(name, _attribute(key.get("attribute"), f"{at}/attribute"))
        )
    return out


def _parse_short(objects: dict[str, object]) -> list[SchemaObjectSpec]:
    if len(objects) > MAX_OBJECTS:
        raise InvalidInput(f"more than {MAX_OBJECTS} objects", pointer="/objects")
    specs: list[SchemaObjectSpec] = []
    seen: set[str] = set()
    for raw, keys in objects.items():
        where = pointer("objects", raw)
        name = app_name(raw, pointer=where, what="object")
        if name in seen:
            raise InvalidInput(
                f"duplicate object name {name!r} after NFC normalisation", pointer=where
            )
        seen.add(name)
        if not isinstance(keys, dict):
            raise InvalidInput(
                "an object maps key names to Attribute names", pointer=where
            )
        if len(keys) > MAX_KEYS:
            raise InvalidInput(f"more than {MAX_KEYS} keys", pointer=where)
        spec = SchemaObjectSpec(name)
        key_names: set[str] = set()
        for raw_key, attribute in keys.items():
            at = pointer("objects", raw, raw_key)
            key = app_name(raw_key, pointer=at, what="key")
            if key in key_names:
                raise InvalidInput(
                    f"duplicate key name {key!r} after NFC normalisation", pointer=at
                )
            key_names.add(key)
            spec.keys.append(SchemaKeySpec(key, _attribute(attribute, at)))
        specs.append(spec)
    return specs


def _attribute(value: object, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput("an Attribute name must be a string or null", pointer=where)
    return attribute_name(value, pointer=where)


def check_one_to_one(specs: list[SchemaObjectSpec]) -> None:
    holder: dict[str, str] = {}
    for i, obj in enumerate(specs):
        for j, key in enumerate(obj.keys):
            if key.attribute is None:
                continue
            if key.attribute in holder:
                raise InvalidInput(
                    f"Attribute {key.attribute!r} is already mapped to key "
                    f"{holder[key.attribute]}; an Attribute maps to at most one key",
                    pointer=f"/objects/{i}/keys/{j}/attribute",
                )
            holder[key.attribute] = f"{obj.name}.{key.name}"


def export(hub_name: str, specs: list[SchemaObjectSpec]) -> dict[str, object]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "hub": hub_name,
        "objects": [
            {
                "name": obj.name,
                "keys": [{"name": k.name, "attribute": k.attribute} for k in obj.keys],
            }
            for obj in specs
        ],
    }
