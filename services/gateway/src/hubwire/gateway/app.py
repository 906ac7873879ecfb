"""The gateway application: FastAPI with problem documents, limits, access
log and metrics, the outbox relay and gRPC clients of the internal services."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, MutableMapping
from datetime import timedelta
from typing import Any

from fastapi import FastAPI, Request, Response
from nats.aio.client import Client as NatsClient

from hubwire.common import bus
from hubwire.common.db import Database
from hubwire.gateway import idempotency, openapi, problems
from hubwire.gateway.clients import Clients
from hubwire.gateway.deps import State
from hubwire.gateway.metrics import CONTENT_TYPE, GatewayMetrics
from hubwire.gateway.middleware import (
    UNLIMITED,
    AccessLog,
    AnonymousRateLimit,
    BodyLimit,
)
from hubwire.gateway.models import Table
from hubwire.gateway.outbox import Relay
from hubwire.gateway.ratelimit import RateLimiter
from hubwire.gateway.routes import (
    admin_events,
    admin_hubs,
    admin_mapping,
    analyses,
    public,
    token,
)
from hubwire.gateway.settings import GatewaySettings

log = logging.getLogger(__name__)
HOUR = 3600.0

DESCRIPTION = """Hubwire connects a customer-collaboration platform with the
customer's own systems: hubs, API credentials, field mapping, source
translation and webhook delivery.

Clients authenticate with a bearer token from `POST /oauth/token` or with HTTP
Basic `client_id:api_password`; admins with the token of `POST /admin/v1/login`.
Errors are RFC 9457 problem documents (`application/problem+json`). Creates
accept `Idempotency-Key`. Each caller has a rate limit (429 with
`Retry-After`)."""


async def _connect_bus(
    settings: GatewaySettings, relay: Relay, holder: list[NatsClient]
) -> None:
    """Connect in the background: the API answers (and the outbox fills) even
    while NATS is away."""
    while True:
        try:
            nc = await bus.connect(settings.nats_url, name="gateway")
            js = nc.jetstream()
            await bus.ensure_streams(js, replicas=settings.stream_replicas)
        except Exception as exc:  # noqa: BLE001 - retried until the broker answers
            log.warning("NATS not reachable yet (%s); retrying", exc)
            await asyncio.sleep(1)
            continue
        holder.append(nc)
        relay.js = js
        relay.wake.set()
        return


async def _forget_idempotency_keys(db: Database, ttl: timedelta) -> None:
    while True:
        try:
            async with db.session() as s:
                gone = await idempotency.forget_expired(s, ttl)
            if gone:
                log.info("forgot %d expired idempotency keys", gone)
        except Exception as exc:  # noqa: BLE001 - the next round tries again
            log.warning("idempotency cleanup failed: %s", exc)
        await asyncio.sleep(HOUR)


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    metrics = GatewayMetrics()
    limiter = RateLimiter(per_minute=settings.rate_limit_per_minute)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database(settings.database_url(), Table.metadata)
        await db.create_all()
        relay = Relay(db, poll_seconds=settings.outbox_poll_seconds, metrics=metrics)
        clients = Clients.connect(settings)
        app.state.hubwire = State(
            settings=settings, db=db, clients=clients, relay=relay, limiter=limiter
        )
        nats_holder: list[NatsClient] = []
        ttl = timedelta(hours=settings.idempotency_ttl_hours)
        tasks = [
            asyncio.create_task(_connect_bus(settings, relay, nats_holder)),
            asyncio.create_task(relay.run()),
            asyncio.create_task(_forget_idempotency_keys(db, ttl)),
        ]
        log.info(
            "gateway ready on http://%s:%d",
            settings.gateway_host,
            settings.gateway_port,
        )
        yield
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for nc in nats_holder:
            await nc.close()
        await clients.close()
        await db.dispose()
        log.info("gateway stopped")

    app = FastAPI(
        title="Hubwire",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        # FastAPI's own OpenTelemetry: a server span per request, continuing
        # the caller's traceparent, on the provider telemetry.setup installed.
        # Its log records are off: they would carry request input (passwords).
        telemetry={
            "tracing": True,
            "metrics": False,
            "logs": False,
            "operation_spans": False,
            "exclude": _untraced,
        },
    )
    problems.install(app)
    # Added innermost first: AccessLog ends up outermost, so it also logs
    # the 413 and 429 answers of the two others.
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(AnonymousRateLimit, limiter=limiter)
    app.add_middleware(AccessLog, metrics=metrics)
    for module in (token, public, analyses, admin_hubs, admin_mapping, admin_events):
        app.include_router(module.router)
    _ops_routes(app, metrics)
    openapi.install(app)
    return app


def _untraced(scope: MutableMapping[str, Any]) -> bool:
    return scope.get("path") in UNLIMITED


def _ops_routes(app: FastAPI, metrics: GatewayMetrics) -> None:
    @app.get(
        "/healthz",
        tags=["ops"],
        summary="Liveness",
        responses={
            200: {
                "description": "The gateway answers",
                "content": {"application/json": {"example": {"status": "ok"}}},
            }
        },
    )
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/metrics",
        tags=["ops"],
        summary="Prometheus metrics",
        response_class=Response,
        responses={
            200: {
                "description": "Prometheus text exposition format",
                "content": {
                    "text/plain": {
                        "example": "hubwire_outbox_pending_events 0.0\n"
                        'hubwire_events_published_total{event_type="session.created"}'
                        " 3.0\n"
                    }
                },
            }
        },
    )
    async def prometheus(request: Request) -> Response:
        relay: Relay = request.app.state.hubwire.relay
        pending, oldest = await relay.pending()
        metrics.outbox_pending.set(pending)
        metrics.outbox_oldest.set(oldest)
        return Response(metrics.exposition(), media_type=CONTENT_TYPE)
