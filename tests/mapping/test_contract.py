"""The app contract: one schema (code and docs agree), the example app obeys
it, and the update URL and idempotency key follow the documented rules."""

from __future__ import annotations

import json
import re
from pathlib import Path

import aiohttp
import pytest

from hubwire.mapping.contract import (
    contract_schema,
    idempotency_key,
    update_request,
    update_url,
    validator,
)
from tests.mapping.support import APP_PASSWORD, APP_USER, ExampleApp

DOC = Path(__file__).resolve().parents[2] / "docs" / "app-contract.md"


def basic(username: str, password: str) -> dict[str, str]:
    return {"Authorization": aiohttp.encode_basic_auth(username, password)}


def test_the_documented_schema_is_the_one_the_importer_uses() -> None:
    text = DOC.read_text("utf-8")
    blocks = re.findall(r"```json\n(.*?)```", text, flags=re.S)
    documented = [json.loads(b) for b in blocks if '"$defs"' in b]

    assert documented == [contract_schema()]


async def test_the_example_app_answers_and_accepts_the_contract(
    example_app: ExampleApp,
) -> None:
    auth = basic(APP_USER, APP_PASSWORD)
    body = update_request("Contact", "003A", {"Email": "a@b.io"})
    headers = {"Idempotency-Key": "k1"}
    async with aiohttp.ClientSession(headers=auth) as http:
        async with http.get(example_app.import_url) as resp:
            objects = await resp.json()
        url = update_url(example_app.import_url)
        async with http.post(url, json=body, headers=headers) as resp:
            answer = await resp.json()
            assert resp.status == 200

    assert list(validator("import_answer").iter_errors(objects)) == []
    assert list(validator("update_request").iter_errors(body)) == []
    assert list(validator("update_answer").iter_errors(answer)) == []
    assert answer["record"]["Email"] == "a@b.io"


async def test_the_example_app_applies_a_repeated_key_once(
    example_app: ExampleApp,
) -> None:
    auth = basic(APP_USER, APP_PASSWORD)
    url = update_url(example_app.import_url)
    first = update_request("Contact", "003A", {"FirstName": "Ada"})
    later = update_request("Contact", "003A", {"FirstName": "Grace"})
    async with aiohttp.ClientSession(headers=auth) as http:
        answers = []
        for body, key in [(first, "k1"), (later, "k2"), (first, "k1")]:
            async with http.post(url, json=body, headers={"Idempotency-Key": key}) as r:
                answers.append((r.status, await r.json()))
        async with http.post(url, json=later, headers={"Idempotency-Key": "k1"}) as r:
            reused = r.status

    assert answers[2] == answers[0]
    assert example_app.store.records["Contact"]["003A"]["FirstName"] == "Grace"
    assert reused == 422
    assert [r.replayed for r in example_app.store.received] == [
        False,
        False,
        True,
        True,
    ]


async def test_the_example_app_refuses_wrong_credentials(
    example_app: ExampleApp,
) -> None:
    async with (
        aiohttp.ClientSession(headers=basic(APP_USER, "wrong")) as http,
        http.get(example_app.import_url) as resp,
    ):
        assert resp.status == 401


@pytest.mark.parametrize(
    ("connectivity", "update"),
    [
        ("https://crm.example/hubwire/objects", "https://crm.example/hubwire/records"),
        (
            "https://crm.example/api/v2/hubwire/",
            "https://crm.example/api/v2/hubwire/records",
        ),
        ("https://crm.example/objects?tenant=7", "https://crm.example/records"),
    ],
)
def test_the_update_url_is_records_next_to_the_import_url(
    connectivity: str, update: str
) -> None:
    assert update_url(connectivity) == update


def test_the_idempotency_key_is_ascii_and_keeps_ordinary_names() -> None:
    assert idempotency_key("ev-1", "crm", "Contact") == "ev-1:crm:Contact"
    assert idempotency_key("ev-1", "crm", "a.b-c_d~") == "ev-1:crm:a.b-c_d~"
    assert (
        idempotency_key("ev:1", "crm", "Steuer/税") == "ev%3A1:crm:Steuer%2F%E7%A8%8E"
    )
