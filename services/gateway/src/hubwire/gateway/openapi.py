"""The OpenAPI document as callers should read it.

FastAPI's generated document is refined once, when first served:

* every error answer is a ``Problem`` (``application/problem+json``), in
  place of FastAPI's own validation-error shape, and each operation lists the
  problems it can answer (401, 404, 409, 413, 422, 429, 503);
* the client-key Basic scheme of the token endpoint is declared;
* operations whose routes carry no example get one from ``EXAMPLES`` (the
  admin hub routes), so that every operation documents a request and an
  answer.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from hubwire.gateway.openapi_examples import EXAMPLES
from hubwire.gateway.problems import TITLES

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem document",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri-reference"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "pointer": {
            "type": "string",
            "description": "JSON Pointer to the offending input",
        },
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "pointer": {"type": "string"},
                    "in": {"type": "string"},
                    "detail": {"type": "string"},
                },
            },
        },
    },
}
PROBLEMS = {
    "400": (
        "The body could not be read (not UTF-8, not JSON)",
        "about:blank",
        "There was an error parsing the body",
    ),
    "403": (
        "Authenticated, but not allowed",
        "permission_denied",
        "only operator accounts may change the blocked-services list",
    ),
    "401": (
        "Missing or wrong credentials",
        "unauthenticated",
        "a bearer token "
        "(POST /oauth/token) or HTTP Basic client_id:api_password is required",
    ),
    "404": (
        "Not found (or another account's)",
        "not_found",
        "session 'ses_0000' not found",
    ),
    "409": (
        "Conflict",
        "conflict",
        "this Idempotency-Key was already used with "
        "another request; use a new key for a new request",
    ),
    "413": (
        "Request body too large",
        "about:blank",
        "the request body exceeds 1048576 bytes",
    ),
    "422": (
        "Invalid input; pointer says where",
        "invalid_input",
        "a customer needs an email or a phone number, or both (at /customer)",
    ),
    "429": (
        "Rate limit reached; see Retry-After",
        "rate_limited",
        "too many requests; retry after the Retry-After delay",
    ),
    "503": (
        "An internal service is unavailable; see Retry-After",
        "unavailable",
        "an internal service is unavailable",
    ),
}
# Admin operations speak of admins, hubs and names, not of sessions.
ADMIN_DETAILS = {
    "401": "an admin access token is required (POST /admin/v1/login)",
    "404": "hub 'crm_hub' not found",
    "409": "a hub named 'crm_hub' already exists",
    "422": "Field required (at /name)",
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "seconds to wait before retrying",
        "schema": {"type": "integer"},
    }
}
OPS_PATHS = frozenset({"/healthz", "/metrics"})


def install(app: FastAPI) -> None:
    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            refine(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = build  # type: ignore[method-assign]


def refine(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    schemas["Problem"] = PROBLEM_SCHEMA
    components.setdefault("securitySchemes", {})["ClientKey"] = {
        "type": "http",
        "scheme": "basic",
        "description": "client_id:api_key, for the token endpoint",
    }
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            _problems(method, path, operation)
            _examples(method.upper(), path, operation)


def _problems(method: str, path: str, operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    if path in OPS_PATHS:
        responses.pop("422", None)
        return
    codes = {"422", "429", "503"}
    if operation.get("security"):
        codes.add("401")
    if "{" in path:
        codes.add("404")
    if "requestBody" in operation:
        codes.update({"400", "413"})
    if path.startswith("/admin/v1/blocked-services") and method != "get":
        codes.add("403")
    if method != "get":
        codes.add("409")
    codes |= {code for code in responses if int(code) >= 400}
    admin = path.startswith("/admin/")
    for code in sorted(codes):
        declared = responses.get(code, {}).get("description")
        responses[code] = _problem_response(code, declared, admin=admin)


def _problem_response(
    code: str, declared: str | None = None, *, admin: bool = False
) -> dict[str, Any]:
    description, kind, detail = PROBLEMS.get(
        code, ("Error", "about:blank", "the request failed")
    )
    if admin:
        detail = ADMIN_DETAILS.get(code, detail)
    if declared and not declared.startswith("Validation Error"):
        description = declared
    type_ = kind if kind == "about:blank" else f"https://hubwire.dev/problems/{kind}"
    answer: dict[str, Any] = {
        "description": description,
        "content": {
            "application/problem+json": {
                "schema": PROBLEM_REF,
                "example": {
                    "type": type_,
                    "title": TITLES.get(int(code), "Error"),
                    "status": int(code),
                    "detail": detail,
                },
            }
        },
    }
    if code in ("429", "503"):
        answer["headers"] = RETRY_AFTER
    return answer


def _examples(method: str, path: str, operation: dict[str, Any]) -> None:
    extra = EXAMPLES.get((method, path))
    if extra is None:
        return
    request, status, reply = extra
    body = operation.get("requestBody", {}).get("content", {})
    for media in body.values():
        if request is not None and not ("example" in media or "examples" in media):
            media["example"] = request
    success = operation.get("responses", {}).get(str(status))
    if success is None or reply is None:
        return
    content = success.setdefault("content", {}).setdefault("application/json", {})
    content.setdefault("example", reply)
