"""The gateway's OpenAPI document, read as an API user reads it."""

from __future__ import annotations

from typing import Any

import pytest

from hubwire.gateway.app import create_app
from hubwire.gateway.settings import GatewaySettings


@pytest.fixture(scope="module")
def openapi(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    settings = GatewaySettings(var_dir=tmp_path_factory.mktemp("var"))
    return create_app(settings).openapi()


def operations(openapi: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, methods in openapi["paths"].items()
        for method, operation in methods.items()
    ]


def has_example(media: dict[str, Any]) -> bool:
    return "example" in media or bool(media.get("examples"))


def test_every_operation_shows_an_example_request_and_answer(
    openapi: dict[str, Any],
) -> None:
    missing = []
    for method, path, operation in operations(openapi):
        body = operation.get("requestBody", {}).get("content", {})
        if body and not any(has_example(m) for m in body.values()):
            missing.append(f"{method} {path}: request")
        for status, answer in operation["responses"].items():
            if status.startswith("2") and status != "204":
                content = answer.get("content", {})
                if not any(has_example(m) for m in content.values()):
                    missing.append(f"{method} {path}: {status} answer")

    assert missing == []


def test_every_error_answer_is_documented_as_a_problem(
    openapi: dict[str, Any],
) -> None:
    for method, path, operation in operations(openapi):
        for status, answer in operation["responses"].items():
            if int(status) >= 400:
                media = answer["content"]["application/problem+json"]
                assert media["schema"] == {"$ref": "#/components/schemas/Problem"}, (
                    method,
                    path,
                    status,
                )
    assert "HTTPValidationError" not in openapi["components"]["schemas"]


def test_public_calls_accept_a_bearer_token_or_basic_credentials(
    openapi: dict[str, Any],
) -> None:
    create = openapi["paths"]["/v21.1/sessions"]["post"]
    admin = openapi["paths"]["/admin/v1/hubs"]["get"]

    assert create["security"] == [{"HTTPBearer": []}, {"HTTPBasic": []}]
    assert admin["security"] == [{"HTTPBearer": []}]
    assert {"401", "409", "413", "422", "429", "503"} <= create["responses"].keys()
    assert "Retry-After" in create["responses"]["429"]["headers"]
    idempotency = [p for p in create["parameters"] if p["name"] == "Idempotency-Key"]
    assert idempotency and idempotency[0]["in"] == "header"
