"""Source translation over compiled mapping tables.

A hub's schema keys and dynamic sources are compiled once into a dict of
``object -> field -> (attribute, converter)``; translating a record is then
dictionary look-ups and one converter call per field, with no parsing.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from hubwire.common.errors import InvalidInput
from hubwire.mapping.names import pointer
from hubwire.mapping.types import CONVERTERS, ConversionError, Converter

JSON = object


@dataclass(frozen=True, slots=True)
class Target:
    attribute: str
    convert: Converter


@dataclass(slots=True)
class Translation:
    attributes: dict[str, JSON] = field(default_factory=dict)
    # Same shape as the input: what no mapping covers, never dropped.
    unmapped: dict[str, JSON] = field(default_factory=dict)


def _nfc(name: str) -> str:
    # Fast path: ASCII names are already NFC.
    return name if name.isascii() else unicodedata.normalize("NFC", name)


class CompiledMapping:
    """One hub's mapping, both directions, built once per change."""

    def __init__(
        self,
        links: list[tuple[str, str, str]],
        attribute_types: Mapping[str, str],
    ) -> None:
        """``links`` are (object, field, attribute) triples, names in NFC."""
        self.forward: dict[str, dict[str, Target]] = {}
        self.reverse: dict[str, tuple[str, str]] = {}
        for obj, fld, attribute in links:
            convert = CONVERTERS[attribute_types[attribute]]
            self.forward.setdefault(obj, {})[fld] = Target(attribute, convert)
            self.reverse[attribute] = (obj, fld)

    def translate(self, data: object, *, base: str = "/data") -> Translation:
        if not isinstance(data, dict):
            raise InvalidInput("data must be an object of objects", pointer=base)
        result = Translation()
        attributes = result.attributes
        for raw_obj, record in data.items():
            obj = _nfc(raw_obj)
            if not isinstance(record, dict):
                raise InvalidInput(
                    f"data of object {obj!r} must be an object of fields",
                    pointer=pointer(base[1:], obj),
                )
            fields = self.forward.get(obj, _EMPTY)
            for raw_field, value in record.items():
                fld = raw_field if raw_field.isascii() else _nfc(raw_field)
                target = fields.get(fld)
                if target is None:
                    result.unmapped.setdefault(obj, {})[fld] = value  # type: ignore[index]
                elif value is None:
                    attributes[target.attribute] = None
                else:
                    # Hot path: one converter call per field, errors located
                    # only when they happen.
                    try:
                        attributes[target.attribute] = target.convert(value)
                    except ConversionError as exc:
                        raise _located(target, exc, base, obj, fld) from exc
        return result

    def to_fields(self, attributes: Mapping[str, JSON]) -> dict[str, dict[str, JSON]]:
        fields: dict[str, dict[str, JSON]] = {}
        for name, value in attributes.items():
            place = self.reverse.get(name)
            if place is not None:
                fields.setdefault(place[0], {})[place[1]] = value
        return fields


_EMPTY: dict[str, Target] = {}


def _located(
    target: Target, exc: ConversionError, base: str, obj: str, fld: str
) -> InvalidInput:
    return InvalidInput(
        f"{obj}.{fld} cannot be Attribute {target.attribute!r}: {exc}",
        pointer=pointer(base[1:], obj, fld),
    )


def translate_attributes(
    data: object, attribute_types: Mapping[str, str], *, base: str = "/data"
) -> Translation:
    """Without a source, keys are Attribute names: convert the known ones,
    return the rest as unmapped."""
    if not isinstance(data, dict):
        raise InvalidInput("data must be an object", pointer=base)
    result = Translation()
    for raw, value in data.items():
        name = _nfc(raw)
        kind = attribute_types.get(name)
        if kind is None:
            result.unmapped[name] = value
            continue
        target = Target(name, CONVERTERS[kind])
        try:
            result.attributes[name] = None if value is None else target.convert(value)
        except ConversionError as exc:
            raise InvalidInput(
                f"Attribute {name!r}: {exc}", pointer=pointer(base[1:], name)
            ) from exc
    return result
