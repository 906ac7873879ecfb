"""ASGI middleware of the gateway, outermost first:

* ``AccessLog``: one log line and one latency observation per request;
* ``AnonymousRateLimit``: requests that authenticate nobody draw from the
  bucket of their IP address;
* ``BodyLimit``: 413 for a body over the limit, declared or streamed.

They are plain ASGI (not ``BaseHTTPMiddleware``) so that the body can be
counted while it streams and the route template is known when logging.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hubwire.common import telemetry
from hubwire.gateway import problems
from hubwire.gateway.metrics import GatewayMetrics
from hubwire.gateway.ratelimit import RateLimited, RateLimiter

access_log = logging.getLogger("hubwire.gateway.access")

# Requests for these paths are never limited: probes and scrapers must see a
# busy gateway as it is.
UNLIMITED = frozenset({"/healthz", "/metrics"})
RATE_KEY = "rate_key"


def scope_state(scope: Scope) -> dict[str, Any]:
    """The per-request state that dependencies fill (``request.state``)."""
    state: dict[str, Any] = scope.setdefault("state", {})
    return state


def client_ip(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class AccessLog:
    """Logs ``method route status latency account hub trace_id`` for every
    request and feeds the latency histogram. The route is the template
    (``/v21.1/sessions/{session_id}``): raw paths carry ids, and query strings
    may carry anything, so neither is logged."""

    def __init__(self, app: ASGIApp, *, metrics: GatewayMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        except Exception:
            status = 500
            raise
        finally:
            self._record(scope, status, time.perf_counter() - start)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        route = route_template(scope)
        state = scope_state(scope)
        hub = state.get("hub") or scope.get("path_params", {}).get("hub") or "-"
        self.metrics.request_seconds.labels(
            method=scope["method"], route=route, status=str(status)
        ).observe(seconds)
        access_log.info(
            "request method=%s route=%s status=%d latency_ms=%.1f account=%s "
            "hub=%s trace_id=%s",
            scope["method"],
            route,
            status,
            seconds * 1000,
            state.get("account_id", "-"),
            hub,
            telemetry.trace_id(),
        )


def route_template(scope: Scope) -> str:
    """The matched route's path template; ``-`` when a middleware answered
    before routing (413, 429) or no route matched (404)."""
    route = scope.get("route")
    return str(getattr(route, "path", "-"))


class AnonymousRateLimit:
    """Requests that authenticated a client or an admin were charged to that
    caller by the auth dependencies (which set ``rate_key``); every other
    request is charged to its IP address afterwards. An address whose bucket
    is empty is refused before any work, so guessing credentials is limited
    per address."""

    def __init__(self, app: ASGIApp, *, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNLIMITED:
            await self.app(scope, receive, send)
            return
        key = f"ip:{client_ip(scope)}"
        wait = self.limiter.blocked_for(key)
        if wait > 0:
            limited = RateLimited(wait)
            response = problems.problem(
                429,
                limited.detail,
                type_=f"{problems.TYPE_BASE}{limited.code}",
                instance=scope["path"],
                headers={"Retry-After": limited.retry_after_header()},
            )
            await response(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            if RATE_KEY not in scope_state(scope):
                self.limiter.take(key)


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body exceeds {limit} bytes")


class BodyLimit:
    """A declared ``Content-Length`` over the limit is refused before any
    byte is read; a body without one (chunked) is counted as it streams and
    refused once it passes the limit."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and (declared < 0 or declared > self.max_bytes):
            detail = BodyTooLarge(self.max_bytes).detail
            if declared < 0:
                detail = "the Content-Length header is not a number"
            response = problems.problem(
                413 if declared >= 0 else 400, detail, instance=scope["path"]
            )
            await response(scope, receive, send)
            return
        await self.app(scope, self._counting(receive), send)

    def _counting(self, receive: Receive) -> Receive:
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    # Raised inside the route's body read; the exception
                    # handlers turn it into the 413 problem document.
                    raise BodyTooLarge(self.max_bytes)
            return message

        return counted


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else -1
    return None
