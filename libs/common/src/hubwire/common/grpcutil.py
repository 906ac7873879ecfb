"""gRPC plumbing shared by the services: serving with health and clean
shutdown, and the one place where errors cross the gRPC edge both ways.

A server handler raises ``HubwireError``; ``rpc_errors`` turns it into a
status code plus trailing metadata (``hubwire-error-code``,
``hubwire-error-pointer``) and ``call`` on the client side rebuilds the same
error class, so the gateway can answer the right problem document.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import signal
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import quote, unquote

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from sqlalchemy.exc import DataError, IntegrityError

from hubwire.common.errors import (
    ERRORS_BY_CODE,
    Conflict,
    HubwireError,
    InvalidInput,
    Unavailable,
)

log = logging.getLogger(__name__)

T = TypeVar("T")
CODE_KEY = "hubwire-error-code"
POINTER_KEY = "hubwire-error-pointer"
# gRPC refuses metadata past 8 KiB; a detail quoting a huge name must fit.
MAX_DETAIL = 1000
MAX_POINTER = 512


def _shorten(text: str) -> str:
    return text if len(text) <= MAX_DETAIL else text[: MAX_DETAIL - 1] + "…"


def rpc_errors(
    method: Callable[..., Awaitable[T]],
) -> Callable[..., Awaitable[T]]:
    """Decorate a servicer method: HubwireError becomes a gRPC status."""

    @functools.wraps(method)
    async def wrapper(self: Any, request: Any, context: grpc.aio.ServicerContext) -> T:
        try:
            return await method(self, request, context)
        except IntegrityError as exc:
            # A unique constraint decided a race between two writers: the
            # loser is told so instead of failing with an internal error.
            error: HubwireError = Conflict(
                "a concurrent change to the same item won; read it again and retry"
            )
            error.__cause__ = exc
        except DataError as exc:
            # e.g. PostgreSQL refuses NUL characters in text.
            error = InvalidInput(
                "a value contains characters that cannot be stored (such as NUL)"
            )
            error.__cause__ = exc
        except HubwireError as exc:
            error = exc
        metadata = [(CODE_KEY, error.code)]
        if error.pointer:
            # Metadata must be ASCII and small: names may be neither.
            metadata.append(
                (POINTER_KEY, quote(error.pointer[:MAX_POINTER], safe="/~"))
            )
        context.set_trailing_metadata(tuple(metadata))
        await context.abort(error.grpc_status, _shorten(error.detail))
        raise AssertionError("unreachable: abort raises")

    return wrapper


async def call(rpc: Callable[..., Awaitable[T]], request: Any, **kw: Any) -> T:
    """Call an RPC and translate a failure back into a HubwireError."""
    try:
        return await rpc(request, timeout=kw.pop("timeout", 10), **kw)
    except grpc.aio.AioRpcError as exc:
        raise from_rpc_error(exc) from exc


def from_rpc_error(exc: grpc.aio.AioRpcError) -> HubwireError:
    trailing = dict(exc.trailing_metadata() or ())
    code = trailing.get(CODE_KEY)
    if isinstance(code, str) and code in ERRORS_BY_CODE:
        pointer = trailing.get(POINTER_KEY)
        error = ERRORS_BY_CODE[code].__new__(ERRORS_BY_CODE[code])
        HubwireError.__init__(
            error,
            exc.details() or code,
            pointer=unquote(pointer) if isinstance(pointer, str) else None,
        )
        return error
    if exc.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
        return Unavailable("an internal service is unavailable")
    return HubwireError("an internal service failed")


async def serve(
    *,
    name: str,
    host: str,
    port: int,
    register: Sequence[Callable[[grpc.aio.Server], None]],
    service_names: Sequence[str],
    on_stop: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Serve until SIGTERM or SIGINT, with grpc.health.v1 reporting SERVING."""
    server = grpc.aio.server()
    for add in register:
        add(server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    bound = server.add_insecure_port(f"{host}:{port}")
    await server.start()
    for service in ("", *service_names):
        await health_servicer.set(service, health_pb2.HealthCheckResponse.SERVING)
    log.info("%s serving gRPC on %s:%d", name, host, bound)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()

    log.info("%s stopping", name)
    for service in ("", *service_names):
        await health_servicer.set(service, health_pb2.HealthCheckResponse.NOT_SERVING)
    await server.stop(grace=5)
    if on_stop is not None:
        await on_stop()
    log.info("%s stopped", name)


def channel(target: str) -> grpc.aio.Channel:
    return grpc.aio.insecure_channel(
        target,
        options=[
            ("grpc.keepalive_time_ms", 30_000),
            ("grpc.enable_retries", 1),
        ],
    )
