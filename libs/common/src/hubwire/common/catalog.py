"""The event catalog: every event type Hubwire carries, with the schema of its data.

One data file, ``data/event_catalog.json``, drives validation of published
events, the admin Events tab, the AsyncAPI document and the docs, so they cannot
disagree. Its shape::

    {"version": 1,
     "events": [{"name": "payment.completed", "description": "...",
                 "schema": {<JSON Schema draft 2020-12 of the event's data>},
                 "internal": false}, ...]}

``internal`` events (the ``hub.test`` ping) are known and validated, but not
offered as destination event types. Schemas allow additional properties, so
producers may add fields without a catalog change.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import (
    STRONG_MATCHES,
    WEAK_MATCHES,
    SchemaError,
    ValidationError,
    best_match,
)

from hubwire.common.errors import InvalidInput

_DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
_MAX_MESSAGE = 200

# The shape of the catalog file itself; event schemas are checked separately
# against the draft 2020-12 meta-schema.
_CATALOG_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["version", "events"],
    "properties": {
        "version": {"const": 1},
        "events": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "description", "schema"],
                "additionalProperties": False,
                "properties": {
                    "name": {
                        "type": "string",
                        "pattern": r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$",
                    },
                    "description": {"type": "string", "minLength": 1},
                    "internal": {"type": "boolean"},
                    "schema": {
                        "type": "object",
                        "required": ["type"],
                        "properties": {"type": {"const": "object"}},
                    },
                },
            },
        },
    },
}


@dataclass(frozen=True)
class EventType:
    """One catalogued event type. Treat ``schema`` as read-only.

    Hashable although ``schema`` is a dict: the hash leaves it out.
    """

    name: str
    description: str
    schema: Mapping[str, Any] = field(hash=False)
    internal: bool = False


class EventCatalog:
    """The event types, with their data validators compiled once."""

    def __init__(self, events: Iterable[EventType]) -> None:
        self._events: dict[str, EventType] = {}
        self._validators: dict[str, Draft202012Validator] = {}
        for event in events:
            if event.name in self._events:
                raise InvalidInput(f"event type {event.name!r} is catalogued twice")
            self._events[event.name] = event
            self._validators[event.name] = Draft202012Validator(event.schema)

    def names(self) -> list[str]:
        """Public event type names, sorted: what a destination may subscribe to."""
        return sorted(
            name for name, event in self._events.items() if not event.internal
        )

    def get(self, name: str) -> EventType:
        """The event type called ``name``; ``InvalidInput`` if there is none."""
        try:
            return self._events[name]
        except KeyError:
            raise InvalidInput(
                f"unknown event type {name!r}", pointer="/type"
            ) from None

    def validate(self, name: str, data: object) -> None:
        """Check an event's ``data`` against its type's schema.

        Raises ``InvalidInput`` for an unknown type (pointer ``/type``) or for
        invalid data; then ``pointer`` locates the offending value inside the
        event, e.g. ``/data/amount`` (for a missing property, where it belongs),
        and ``detail`` says what is wrong and which rule wants otherwise. Of
        several errors the shallowest is reported, the first found among equals
        (schema order: ``amount`` before ``currency`` if both are wrong).
        """
        self.get(name)
        errors = self._validators[name].iter_errors(data)
        error = best_match(errors, key=_first_shallowest)
        if error is None:
            return

        pointer = _pointer(("data", *error.absolute_path, *_missing(error)))
        message = error.message
        if len(message) > _MAX_MESSAGE:
            message = message[: _MAX_MESSAGE - 3] + "..."
        detail = f"{name} data: {message} (rule {error.validator!r} at {pointer})"
        raise InvalidInput(detail, pointer=pointer)

    def __contains__(self, name: object) -> bool:
        return name in self._events

    def __iter__(self) -> Iterator[EventType]:
        """Every event type, internal ones included, sorted by name."""
        return iter(sorted(self._events.values(), key=lambda event: event.name))


def load_catalog(path: Path | None = None) -> EventCatalog:
    """Read and check a catalog file; ``None`` means the packaged one (cached).

    The file is checked as a whole before use: its shape, each schema against
    the draft 2020-12 meta-schema, duplicate names. A broken catalog raises
    ``InvalidInput`` with a pointer into the file, at load time rather than at
    the first event.
    """
    if path is None:
        return _packaged_catalog()
    return _parse_catalog(path.read_text(encoding="utf-8"), str(path))


@cache
def _packaged_catalog() -> EventCatalog:
    data = resources.files("hubwire.common").joinpath("data/event_catalog.json")
    return _parse_catalog(data.read_text(encoding="utf-8"), "event catalog")


def _parse_catalog(text: str, source: str) -> EventCatalog:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{source} is not JSON: {exc}") from exc

    _check_shape(document, source)
    events = [
        _event_type(entry, index, source)
        for index, entry in enumerate(document["events"])
    ]
    return EventCatalog(events)


def _check_shape(document: object, source: str) -> None:
    error = best_match(Draft202012Validator(_CATALOG_SCHEMA).iter_errors(document))
    if error is not None:
        pointer = _pointer(error.absolute_path)
        raise InvalidInput(f"{source}: {error.message} at {pointer}", pointer=pointer)


def _event_type(entry: dict[str, Any], index: int, source: str) -> EventType:
    schema = entry["schema"]
    pointer = f"/events/{index}/schema"
    if schema.get("$schema", _DRAFT_2020_12) != _DRAFT_2020_12:
        raise InvalidInput(f"{source}: schema is not draft 2020-12", pointer=pointer)
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        detail = f"{source}: invalid schema of {entry['name']}: {exc.message}"
        raise InvalidInput(detail, pointer=pointer) from exc
    return EventType(
        name=entry["name"],
        description=entry["description"],
        schema=schema,
        internal=entry.get("internal", False),
    )


def _first_shallowest(error: ValidationError) -> tuple[int, bool, bool]:
    """Relevance for ``best_match``: shallow first, then the first one found.

    jsonschema's default also ranks sibling errors by their path, which puts
    ``/data/currency`` before ``/data/amount``; leaving the path out lets
    ``max`` keep the first of equals, so the report follows the schema.
    """
    validator = str(error.validator)
    return (
        -len(error.path),
        validator not in WEAK_MATCHES,
        validator in STRONG_MATCHES,
    )


def _missing(error: ValidationError) -> tuple[str, ...]:
    """For a ``required`` error, the property it reports, so the pointer names it.

    jsonschema yields one error per missing property but keeps the name only in
    the message, so the missing names are matched against it.
    """
    if error.validator != "required" or not isinstance(error.instance, dict):
        return ()
    absent = [name for name in error.validator_value if name not in error.instance]
    named = [name for name in absent if error.message.startswith(repr(name))]
    return tuple((named or absent)[:1])


def _pointer(parts: Iterable[object]) -> str:
    """An RFC 6901 JSON Pointer from path parts."""
    escaped = (str(part).replace("~", "~0").replace("/", "~1") for part in parts)
    return "".join("/" + part for part in escaped)
