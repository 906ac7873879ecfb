"""The app contract: what a customer's app answers to Import now, and what
Hubwire sends to its update endpoint for write-back.

The JSON Schema in ``data/app_contract.schema.json`` is the one source of
truth; ``docs/app-contract.md`` shows it and a test keeps the two equal. On
top of the schema, names are normalised to NFC and must be unique per level
after normalisation, so ``café`` sent once composed and once decomposed is
one duplicated name, not two objects.

Every way an answer can break the contract raises ``UpstreamError``: the app
answered, but wrongly. Its ``pointer`` is a JSON Pointer into the app's
answer, not into the caller's request.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from urllib.parse import quote, urljoin

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from hubwire.common.errors import InvalidInput, UpstreamError
from hubwire.mapping.names import app_name
from hubwire.mapping.schema import loads_strict

SCHEMA_FILE = "data/app_contract.schema.json"
# The update endpoint is this reference resolved against the connectivity URL
# (RFC 3986), i.e. a sibling of the import endpoint: .../hubwire/objects ->
# .../hubwire/records.
UPDATE_REFERENCE = "records"
_MAX_MESSAGE = 200


@dataclass(frozen=True, slots=True)
class AppField:
    name: str
    type: str
    label: str = ""
    writable: bool = False


@dataclass(frozen=True, slots=True)
class AppObject:
    name: str
    label: str = ""
    fields: tuple[AppField, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "label": self.label,
            "fields": [
                {
                    "name": f.name,
                    "type": f.type,
                    "label": f.label,
                    "writable": f.writable,
                }
                for f in self.fields
            ],
        }


@cache
def contract_schema() -> dict[str, object]:
    """The whole contract document (all definitions under ``$defs``)."""
    text = resources.files("hubwire.mapping").joinpath(SCHEMA_FILE).read_text("utf-8")
    schema: dict[str, object] = json.loads(text)
    Draft202012Validator.check_schema(schema)
    return schema


@cache
def validator(definition: str) -> Draft202012Validator:
    """A validator of one definition, e.g. ``import_answer``."""
    schema = dict(contract_schema())
    schema["$ref"] = f"#/$defs/{definition}"
    return Draft202012Validator(schema)


def parse_import_answer(body: bytes) -> list[AppObject]:
    """The objects of an import answer, names in NFC; raise ``UpstreamError``
    for anything that is not JSON or not of the contract."""
    doc = _json(body)

    error = best_match(validator("import_answer").iter_errors(doc))
    if error is not None:
        where = _pointer(error.absolute_path)
        raise _broken(error.message, where)

    raw_objects: list[dict[str, object]] = doc["objects"]  # type: ignore[index]
    return _objects(raw_objects)


def _json(body: bytes) -> object:
    try:
        return loads_strict(body, limit=len(body))
    except InvalidInput as exc:
        raise UpstreamError(
            f"the app's answer is not usable JSON ({exc.detail})"
        ) from exc


def _objects(raw_objects: list[dict[str, object]]) -> list[AppObject]:
    objects: list[AppObject] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(raw_objects):
        name = _name(raw["name"], f"/objects/{i}/name", "object")
        if name in seen:
            raise _broken(
                f"duplicate object name {name!r} (also /objects/{seen[name]}); "
                "names equal after NFC normalisation are the same name",
                f"/objects/{i}/name",
            )
        seen[name] = i
        fields = _fields(raw["fields"], f"/objects/{i}")  # type: ignore[arg-type]
        objects.append(AppObject(name, str(raw.get("label", "")), fields))
    return objects


def _fields(raw_fields: list[dict[str, object]], where: str) -> tuple[AppField, ...]:
    fields: list[AppField] = []
    seen: dict[str, int] = {}
    for j, raw in enumerate(raw_fields):
        at = f"{where}/fields/{j}"
        name = _name(raw["name"], f"{at}/name", "field")
        if name in seen:
            raise _broken(
                f"duplicate field name {name!r} (also {where}/fields/{seen[name]}); "
                "names equal after NFC normalisation are the same name",
                f"{at}/name",
            )
        seen[name] = j
        label, writable = str(raw.get("label", "")), bool(raw.get("writable", False))
        fields.append(AppField(name, str(raw["type"]), label, writable))
    return tuple(fields)


def _name(value: object, where: str, what: str) -> str:
    try:
        return app_name(value, pointer=where, what=what)
    except InvalidInput as exc:
        raise _broken(exc.detail, where) from exc


def _broken(message: str, where: str) -> UpstreamError:
    if len(message) > _MAX_MESSAGE:
        message = message[: _MAX_MESSAGE - 1] + "…"
    return UpstreamError(
        f"the app's answer does not follow the app contract at {where or '/'}: "
        f"{message}",
        pointer=where,
    )


def _pointer(parts: Iterable[object]) -> str:
    escaped = (str(p).replace("~", "~0").replace("/", "~1") for p in parts)
    return "".join("/" + p for p in escaped)


# -- write-back -----------------------------------------------------------------


def update_url(connectivity_url: str) -> str:
    """The app's update endpoint: ``records`` resolved against the
    connectivity URL, so ``https://crm.example/hubwire/objects`` updates at
    ``https://crm.example/hubwire/records``. The query string is not kept."""
    return urljoin(connectivity_url, UPDATE_REFERENCE)


def update_request(
    obj: str, record_id: str, fields: dict[str, object]
) -> dict[str, object]:
    return {"object": obj, "record_id": record_id, "fields": fields}


def idempotency_key(event_id: str, hub_name: str, obj: str) -> str:
    """``<event id>:<hub>:<object>``, each part percent-encoded (RFC 3986
    unreserved characters kept) so that the key is ASCII and a ``:`` inside a
    part cannot shift the others; ``Contact`` and ``a.b-c`` stay as they are."""
    return ":".join(quote(part, safe="") for part in (event_id, hub_name, obj))
