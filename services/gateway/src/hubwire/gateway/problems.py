"""RFC 9457 problem documents: the one place errors become HTTP answers.

Every error answer is ``application/problem+json`` with ``type``, ``title``,
``status`` and ``detail``; ``pointer`` (RFC 6901, into the request body or
naming the query parameter) says where input was wrong, and validation
errors list each one in ``errors``. 503 and 429 carry ``Retry-After``. An
unexpected exception is logged here and answered with a bare 500: never a
stack trace, never the exception's text.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from hubwire.common.errors import HubwireError, Unauthenticated, Unavailable
from hubwire.gateway.ratelimit import RateLimited

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"
TYPE_BASE = "https://hubwire.dev/problems/"
# How long a caller should wait when an internal service is down: long enough
# for a restart, short enough that a client's retry soon succeeds.
UNAVAILABLE_RETRY_AFTER = "5"
TITLES = {
    400: "Bad request",
    401: "Unauthenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal error",
    502: "Bad gateway",
    503: "Service unavailable",
}


def problem(
    status: int,
    detail: str,
    *,
    type_: str = "about:blank",
    instance: str = "",
    headers: dict[str, str] | None = None,
    **extra: object,
) -> JSONResponse:
    body: dict[str, object] = {
        "type": type_,
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


async def _hubwire_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HubwireError)
    headers: dict[str, str] = {}
    if isinstance(exc, Unavailable):
        headers["Retry-After"] = UNAVAILABLE_RETRY_AFTER
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = exc.retry_after_header()
    if isinstance(exc, Unauthenticated):
        headers["WWW-Authenticate"] = 'Bearer realm="hubwire", Basic realm="hubwire"'
    if exc.http_status >= 500:
        log.warning("request failed path=%s code=%s", request.url.path, exc.code)
    return problem(
        exc.http_status,
        exc.detail,
        type_=f"{TYPE_BASE}{exc.code}",
        instance=request.url.path,
        headers=headers or None,
        pointer=exc.pointer,
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [_input_error(e) for e in exc.errors()]
    content_type = request.headers.get("content-type", "")
    if request.method in ("POST", "PUT", "PATCH") and "json" not in content_type:
        for error in errors:
            if error["in"] == "body" and error["pointer"] == "":
                error["detail"] += (
                    f"; the body was sent as {content_type or 'no Content-Type'}"
                    ", send it as JSON with Content-Type: application/json"
                )
    first = errors[0] if errors else {"pointer": "", "detail": "invalid request"}
    where = first["pointer"] or "/"
    return problem(
        422,
        f"{first['detail']} (at {where})",
        type_=f"{TYPE_BASE}invalid_input",
        instance=request.url.path,
        pointer=first["pointer"],
        errors=errors,
    )


def _input_error(error: dict[str, object]) -> dict[str, str]:
    """One pydantic error as ``{pointer, in, detail}``: the pointer locates
    the value inside the body, or names the parameter (``/source``)."""
    loc = [str(part) for part in error.get("loc", ()) or ()]  # type: ignore[attr-defined]
    where = loc[0] if loc else "body"
    detail = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    if error.get("type") == "json_invalid":
        return {"pointer": "", "in": where, "detail": "the body is not valid JSON"}
    path = (p.replace("~", "~0").replace("/", "~1") for p in loc[1:])
    return {"pointer": "".join("/" + p for p in path), "in": where, "detail": detail}


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    detail = (
        exc.detail
        if isinstance(exc.detail, str)
        else TITLES.get(exc.status_code, "Error")
    )
    return problem(
        exc.status_code,
        detail,
        instance=request.url.path,
        headers=dict(exc.headers) if exc.headers else None,
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error path=%s", request.url.path)
    return problem(500, "an internal error occurred", instance=request.url.path)


async def _unencodable(request: Request, exc: Exception) -> JSONResponse:
    # JSON may carry "\ud800" escapes; such text cannot be UTF-8 encoded for
    # the internal services, so it is refused as input, not a server error.
    return problem(
        422,
        "the input contains text that is not valid Unicode (an unpaired surrogate)",
        type_=f"{TYPE_BASE}invalid_input",
        instance=request.url.path,
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(UnicodeEncodeError, _unencodable)
    app.add_exception_handler(HubwireError, _hubwire_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
