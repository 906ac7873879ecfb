"""The registry's input rules, each form of bad input once (no database)."""

from __future__ import annotations

import pytest

from hubwire.common.errors import InvalidInput
from hubwire.registry import rules


@pytest.mark.parametrize(
    "name",
    ["", "CRM", "crm-hub", "crm1", "crm hub", "crm\n", "crm.hub", "ümlaut", "a" * 65],
)
def test_a_hub_name_outside_the_rule_is_refused_stating_the_rule(name: str) -> None:
    with pytest.raises(InvalidInput, match=rules.HUB_NAME_RULE) as info:
        rules.hub_name(name)

    assert info.value.pointer == "/name"


@pytest.mark.parametrize("name", ["a", "crm_hub", "_", "z" * 64])
def test_lower_case_letters_and_underscores_up_to_64_make_a_hub_name(
    name: str,
) -> None:
    assert rules.hub_name(name) == name


@pytest.mark.parametrize(
    ("name", "value", "message", "pointer"),
    [
        ("X Api", "v", "not a valid HTTP header name", "name"),
        ("X:Api", "v", "not a valid HTTP header name", "name"),
        ("", "v", "not a valid HTTP header name", "name"),
        ("X-Api\n", "v", "not a valid HTTP header name", "name"),
        ("X-Ä", "v", "not a valid HTTP header name", "name"),
        ("Authorization", "Bearer x", "set by Hubwire itself", "name"),
        ("host", "evil.example", "set by Hubwire itself", "name"),
        ("X-Api", "a\r\nInjected: yes", "line break or NUL", "value"),
        ("X-Api", "a\0b", "line break or NUL", "value"),
        ("X-Api", "v" * 4097, "exceeds 4096 characters", "value"),
    ],
)
def test_a_bad_header_is_refused_pointing_at_the_culprit(
    name: str, value: str, message: str, pointer: str
) -> None:
    with pytest.raises(InvalidInput, match=message) as info:
        rules.headers([("X-Good", "ok"), (name, value)])

    assert info.value.pointer == f"/headers/1/{pointer}"


def test_more_than_50_headers_are_refused() -> None:
    with pytest.raises(InvalidInput, match="at most 50 extra headers"):
        rules.headers([(f"X-{i}", "v") for i in range(51)])


@pytest.mark.parametrize(
    "domain", ["", "localhost", "10.0.0.1", "a b.example", "x.1", "a..example"]
)
def test_a_blocked_service_must_be_a_domain_name(domain: str) -> None:
    with pytest.raises(InvalidInput, match="is not a domain name"):
        rules.domain(domain)


@pytest.mark.parametrize(
    ("given", "stored"),
    [("Webhook.Site", "webhook.site"), (" x.example. ", "x.example")],
)
def test_a_blocked_service_is_stored_in_lower_case_without_a_trailing_dot(
    given: str, stored: str
) -> None:
    assert rules.domain(given) == stored


@pytest.mark.parametrize("password", ["", "x" * 11, "x" * 257])
def test_an_api_password_is_12_to_256_characters(password: str) -> None:
    with pytest.raises(InvalidInput, match="12 to 256 characters") as info:
        rules.api_password(password, min_length=12, pointer="/api_password")

    assert info.value.pointer == "/api_password"
