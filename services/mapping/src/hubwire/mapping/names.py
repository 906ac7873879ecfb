"""Names of objects, fields, keys and Attributes are matched exactly: case
sensitive, any character allowed (dots and hyphens are part of the name, never
a path), Unicode normalised to NFC so that one name in NFC and NFD form is the
same name."""

from __future__ import annotations

import re
import unicodedata

from hubwire.common.errors import InvalidInput

ATTRIBUTE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_NAME = 255


def nfc(name: str) -> str:
    return unicodedata.normalize("NFC", name)


def app_name(name: object, *, pointer: str, what: str) -> str:
    """An object, field or key name from outside: a non-empty string without
    control characters, returned in NFC."""
    if not isinstance(name, str):
        raise InvalidInput(f"{what} name must be a string", pointer=pointer)
    name = nfc(name)
    if not name.strip():
        raise InvalidInput(f"{what} name must not be empty", pointer=pointer)
    if len(name) > MAX_NAME:
        raise InvalidInput(
            f"{what} name is longer than {MAX_NAME} characters", pointer=pointer
        )
    if any(unicodedata.category(c) == "Cc" for c in name):
        raise InvalidInput(
            f"{what} name {name!r} contains a control character", pointer=pointer
        )
    return name


def attribute_name(name: str, *, pointer: str = "/name") -> str:
    if not ATTRIBUTE_NAME.match(name):
        raise InvalidInput(
            f"invalid Attribute name {name!r}: 1 to 64 characters, lower-case "
            "letters, digits and '_', starting with a letter",
            pointer=pointer,
        )
    return name


def pointer(*parts: str) -> str:
    """A JSON Pointer (RFC 6901) to the given path."""
    escaped = (p.replace("~", "~0").replace("/", "~1") for p in parts)
    return "/" + "/".join(escaped)
