"""Public API bodies refuse what no store or app should receive, before any
session is saved."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from hubwire.gateway.public_models import MAX_DEPTH, SessionIn

CUSTOMER = {"name": "Ada", "email": "ada@example.com"}


def nested(depth: int) -> dict[str, object]:
    return json.loads('{"a":' * depth + "1" + "}" * depth)


def test_data_nested_deeper_than_the_limit_is_refused() -> None:
    SessionIn(customer=CUSTOMER, data=nested(MAX_DEPTH))
    with pytest.raises(ValidationError, match=f"deeper than {MAX_DEPTH} levels"):
        SessionIn(customer=CUSTOMER, data=nested(MAX_DEPTH + 1))


@pytest.mark.parametrize(
    "raw", ['{"Contact": {"a\\u0000b": 1}}', '{"Contact": {"Email": "\\ud800"}}']
)
def test_nul_and_unpaired_surrogates_are_refused(raw: str) -> None:
    with pytest.raises(ValidationError, match="NUL character or an unpaired surrogate"):
        SessionIn(customer=CUSTOMER, data=json.loads(raw))


def test_ordinary_unicode_names_and_values_pass_unchanged() -> None:
    data = {"Steuer": {"税率": "19 %", "café": "a.b-c"}}
    body = SessionIn(customer=CUSTOMER, data=data)
    assert body.data == {"Steuer": {"税率": "19 %", "café": "a.b-c"}}
