"""The router's gRPC API: delivery log, dead letters, replay, test pings."""

from __future__ import annotations

from datetime import UTC, datetime

import grpc

from hubwire.common.errors import InvalidInput, NotFound
from hubwire.common.grpcutil import rpc_errors
from hubwire.common.times import iso as _iso
from hubwire.router.engine import PingResult, Router
from hubwire.router.log import DeliveryLog
from hubwire.router.models import Attempt, Delivery
from hubwire.rpc.router.v1 import router_pb2 as pb
from hubwire.rpc.router.v1 import router_pb2_grpc

Ctx = grpc.aio.ServicerContext


def _time(value: str, name: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInput(
            f"{name} is not an ISO 8601 time", pointer=f"/{name}"
        ) from exc
    # A time without an offset is taken as UTC, as the log stores it.
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError as exc:  # e.g. 0001-01-01T00:00:00+01:00
        raise InvalidInput(
            f"{name} is outside the range of dates", pointer=f"/{name}"
        ) from exc


def iso(value: datetime) -> str:
    return _iso(value)


def delivery_message(row: Delivery, attempts: list[Attempt]) -> pb.Delivery:
    return pb.Delivery(
        id=row.id,
        event_id=row.event_id,
        event_type=row.event_type,
        hub_name=row.hub_name,
        session_id=row.session_id,
        url=row.url,
        status=row.status,
        created_at=iso(row.created_at),
        updated_at=iso(row.updated_at),
        reason=row.reason,
        destination_id=row.destination_id,
        attempts=[
            pb.Attempt(
                number=a.number,
                at=iso(a.at),
                status_code=a.status_code,
                latency_ms=a.latency_ms,
                error=a.error,
                response_body=a.response_body,
            )
            for a in attempts
        ],
    )


def test_result(result: PingResult) -> pb.TestResult:
    return pb.TestResult(
        destination_id=result.destination.id,
        event_type=result.destination.event_type,
        url=result.destination.url,
        ok=result.outcome.ok,
        status_code=result.outcome.status_code,
        latency_ms=result.outcome.latency_ms,
        error=result.outcome.error,
    )


class RouterServicer(router_pb2_grpc.RouterServiceServicer):
    def __init__(self, router: Router) -> None:
        self.router = router
        self.log: DeliveryLog = router.log

    @rpc_errors
    async def GetDelivery(
        self, request: pb.GetDeliveryRequest, context: Ctx
    ) -> pb.GetDeliveryResponse:
        found = await self.log.get(request.account_id, request.delivery_id)
        if found is None:
            raise NotFound(f"delivery {request.delivery_id!r} not found")
        return pb.GetDeliveryResponse(delivery=delivery_message(*found))

    @rpc_errors
    async def Replay(
        self, request: pb.ReplayRequest, context: Ctx
    ) -> pb.ReplayResponse:
        count = await self.router.replay(
            request.account_id,
            delivery_id=request.delivery_id,
            hub=request.hub_name,
            since=_time(request.since, "since"),
            until=_time(request.until, "until"),
        )
        return pb.ReplayResponse(replayed=count)

    @rpc_errors
    async def TestConnectivity(
        self, request: pb.TestConnectivityRequest, context: Ctx
    ) -> pb.TestConnectivityResponse:
        results = await self.router.test_connectivity(
            request.account_id, request.hub_name, event_type=request.event_type
        )
        return pb.TestConnectivityResponse(results=[test_result(r) for r in results])

    @rpc_errors
    async def ListDeliveries(
        self, request: pb.ListDeliveriesRequest, context: Ctx
    ) -> pb.ListDeliveriesResponse:
        rows = await self.log.list(
            request.account_id,
            hub=request.hub_name,
            event_type=request.event_type,
            session_id=request.session_id,
            status=request.status,
            since=_time(request.since, "since"),
            until=_time(request.until, "until"),
            limit=request.limit or 100,
        )
        return pb.ListDeliveriesResponse(
            deliveries=[delivery_message(r, a) for r, a in rows]
        )

    @rpc_errors
    async def ListDeadLetters(
        self, request: pb.ListDeadLettersRequest, context: Ctx
    ) -> pb.ListDeadLettersResponse:
        rows = await self.log.dead_letters(request.account_id, request.limit or 100)
        return pb.ListDeadLettersResponse(
            dead_letters=[
                pb.DeadLetter(
                    id=str(r.id),
                    at=iso(r.at),
                    subject=r.subject,
                    reason=r.reason,
                    payload=r.payload,
                )
                for r in rows
            ]
        )
