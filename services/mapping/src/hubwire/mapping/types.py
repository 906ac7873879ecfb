"""Attribute types and the conversion of incoming values to them.

Conversion never loses information silently: a string stays a string
("00123" keeps its zeros), a number for an integer Attribute must be whole,
and anything that does not fit is an error naming where it came from.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date, datetime

from hubwire.common.errors import InvalidInput

ATTRIBUTE_TYPES = (
    "string",
    "number",
    "integer",
    "boolean",
    "date",
    "datetime",
    "email",
    "phone",
)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9 ().-]{5,32}$")
TRUE_WORDS = {"true": True, "false": False}

Converter = Callable[[object], object]


class ConversionError(ValueError):
    """A value that does not fit an Attribute type; the caller adds where."""


def _string(value: object) -> object:
    if type(value) is str:
        return value
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise ConversionError(f"expected a string, got {_kind(value)}")


def _number(value: object) -> object:
    if type(value) is int:
        return value
    if isinstance(value, bool):
        raise ConversionError("expected a number, got a boolean")
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise ConversionError("expected a finite number")
        return value
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError as exc:
            raise ConversionError(f"{value!r} is not a number") from exc
        if not math.isfinite(number):
            raise ConversionError(f"{value!r} is not a finite number")
        return int(value) if re.fullmatch(r"[+-]?\d+", value.strip()) else number
    raise ConversionError(f"expected a number, got {_kind(value)}")


def _integer(value: object) -> object:
    if type(value) is int:
        return value
    if isinstance(value, bool):
        raise ConversionError("expected an integer, got a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
        return int(value)
    raise ConversionError(f"{value!r} is not an integer")


def _boolean(value: object) -> object:
    if type(value) is bool:
        return value
    if isinstance(value, str) and value.strip().lower() in TRUE_WORDS:
        return TRUE_WORDS[value.strip().lower()]
    raise ConversionError(f"{value!r} is not a boolean (true or false)")


def _date(value: object) -> object:
    if not isinstance(value, str):
        raise ConversionError(f"expected a date string YYYY-MM-DD, got {_kind(value)}")
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError as exc:
        raise ConversionError(f"{value!r} is not a date (YYYY-MM-DD)") from exc


def _datetime(value: object) -> object:
    if not isinstance(value, str):
        raise ConversionError(f"expected an ISO 8601 datetime, got {_kind(value)}")
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ConversionError(f"{value!r} is not an ISO 8601 datetime") from exc
    return value


def _email(value: object) -> object:
    if not isinstance(value, str) or not EMAIL.match(value):
        raise ConversionError(f"{value!r} is not an email address")
    return value


def _phone(value: object) -> object:
    if not isinstance(value, str) or not PHONE.match(value):
        raise ConversionError(f"{value!r} is not a phone number")
    return value


CONVERTERS: dict[str, Converter] = {
    "string": _string,
    "number": _number,
    "integer": _integer,
    "boolean": _boolean,
    "date": _date,
    "datetime": _datetime,
    "email": _email,
    "phone": _phone,
}


def attribute_type(name: str, *, pointer: str = "/type") -> str:
    if name not in CONVERTERS:
        raise InvalidInput(
            f"unknown Attribute type {name!r}; one of: {', '.join(ATTRIBUTE_TYPES)}",
            pointer=pointer,
        )
    return name


def _kind(value: object) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "an array", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )
