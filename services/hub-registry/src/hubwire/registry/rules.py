"""Validation rules of registry input, stated once.

Every pattern is applied with ``fullmatch``: ``re.match`` with ``$`` would let
a trailing newline through (``"crm\\n"`` matches ``^[a-z_]+$``).
"""

from __future__ import annotations

import re

from hubwire.common.errors import InvalidInput

HUB_NAME = re.compile(r"[a-z_]{1,64}")
HUB_NAME_RULE = "a hub name is 1 to 64 characters: lower-case letters a-z and '_'"
ACCOUNT_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")
USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}")
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}")
DOMAIN = re.compile(r"(?=.{1,253}\Z)([a-z0-9-]{1,63}\.)+[a-z]{2,63}")

ADMIN_PASSWORD_MIN = 12
SECRET_MAX = 256
DESCRIPTION_MAX = 1000
MAX_HEADERS = 50
HEADER_VALUE_MAX = 4096

# What the admin API shows instead of a stored secret. Sent back unchanged on
# a save, it means "keep the stored value", so a form that round-trips the
# masked values cannot overwrite a secret with the mask.
MASKED = "********"

# Headers the app call sets itself; letting an admin override them would
# break authentication or framing.
RESERVED_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "accept",
        "accept-encoding",
        "expect",
        "content-length",
        "content-type",
        "host",
        "transfer-encoding",
        "connection",
        "idempotency-key",
    }
)


def hub_name(name: str) -> str:
    if not HUB_NAME.fullmatch(name):
        raise InvalidInput(
            f"invalid hub name {name!r}: {HUB_NAME_RULE}", pointer="/name"
        )
    return name


def description(text: str) -> str:
    if len(text) > DESCRIPTION_MAX:
        raise InvalidInput(
            f"a description is at most {DESCRIPTION_MAX} characters",
            pointer="/description",
        )
    return text


def account_id(value: str) -> str:
    if not ACCOUNT_ID.fullmatch(value):
        raise InvalidInput(
            f"invalid account id {value!r}: 1 to 63 characters, lower-case "
            "letters, digits, '_' and '-', starting with a letter or digit",
            pointer="/account_id",
        )
    return value


def username(value: str) -> str:
    if not USERNAME.fullmatch(value):
        raise InvalidInput(
            f"invalid username {value!r}: 1 to 128 characters, letters, digits "
            "and '.', '_', '@', '+', '-', starting with a letter or digit",
            pointer="/username",
        )
    return value


def basic_username(value: str) -> str:
    """A username sent with HTTP Basic to a destination or app: RFC 7617
    forbids ':' in it, and control characters would break the header."""
    if (
        len(value) > 256
        or ":" in value
        or any(ord(c) < 32 or ord(c) == 127 for c in value)
    ):
        raise InvalidInput(
            "a Basic-auth username is at most 256 characters, without ':' or "
            "control characters",
            pointer="/username",
        )
    return value


def admin_password(password: str) -> str:
    # The password is never echoed: a rule message may end up in a log.
    if not ADMIN_PASSWORD_MIN <= len(password) <= SECRET_MAX:
        raise InvalidInput(
            f"an admin password is {ADMIN_PASSWORD_MIN} to {SECRET_MAX} characters",
            pointer="/password",
        )
    return password


def api_password(password: str, *, min_length: int, pointer: str) -> str:
    if not min_length <= len(password) <= SECRET_MAX:
        raise InvalidInput(
            f"the API password must be {min_length} to {SECRET_MAX} characters",
            pointer=pointer,
        )
    return password


def headers(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    if len(pairs) > MAX_HEADERS:
        raise InvalidInput(
            f"at most {MAX_HEADERS} extra headers are allowed", pointer="/headers"
        )
    seen: set[str] = set()
    for index, (name, value) in enumerate(pairs):
        header(name, value, index)
        if name.lower() in seen:
            raise InvalidInput(
                f"header {name!r} is given twice", pointer=f"/headers/{index}/name"
            )
        seen.add(name.lower())
    return pairs


def header(name: str, value: str, index: int) -> tuple[str, str]:
    if not HEADER_NAME.fullmatch(name):
        raise InvalidInput(
            f"header name {name!r} is not a valid HTTP header name (RFC 9110 token)",
            pointer=f"/headers/{index}/name",
        )
    if name.lower() in RESERVED_HEADERS:
        raise InvalidInput(
            f"header {name!r} is set by Hubwire itself and cannot be configured",
            pointer=f"/headers/{index}/name",
        )
    if len(value) > HEADER_VALUE_MAX:
        raise InvalidInput(
            f"the value of header {name!r} exceeds {HEADER_VALUE_MAX} characters",
            pointer=f"/headers/{index}/value",
        )
    if any(c in value for c in "\r\n\0"):
        raise InvalidInput(
            f"the value of header {name!r} contains a line break or NUL",
            pointer=f"/headers/{index}/value",
        )
    return name, value


def domain(value: str) -> str:
    """A blocked-service domain, normalised (lower case, no trailing dot)."""
    name = value.strip().lower().rstrip(".")
    if not DOMAIN.fullmatch(name):
        raise InvalidInput(f"{value!r} is not a domain name", pointer="/domain")
    return name
