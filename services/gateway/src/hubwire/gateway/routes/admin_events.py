"""Admin API: the event catalog, delivery log, dead letters, replay and
test connectivity."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, Field

from hubwire.common.catalog import load_catalog
from hubwire.common.grpcutil import call
from hubwire.gateway.deps import AdminDep, StateDep
from hubwire.gateway.openapi_examples import answer, body_examples
from hubwire.gateway.routes.admin_hubs import as_dict
from hubwire.rpc.router.v1 import router_pb2 as opb

router = APIRouter(prefix="/admin/v1", tags=["admin: events"])

DELIVERY = {
    "id": "msg_7a1e0c4b9d2f4e6a8b0c1d2e3f4a5b6c",
    "event_id": "evt_b8e1a82f7d774864817368e181fd9a14",
    "event_type": "session.created",
    "hub_name": "crm_hub",
    "session_id": "ses_4f9a0c2be1d84b7c9a51e0d3f6b2c810",
    "destination_id": "dst_0bebfb2b292e4329bdfa",
    "url": "https://hooks.example.com/hubwire",
    "status": "succeeded",
    "reason": "",
    "created_at": "2026-12-03T16:23:26.120000Z",
    "updated_at": "2026-12-03T16:23:26.180000Z",
    "attempts": [
        {
            "number": 1,
            "at": "2026-12-03T16:23:26.150000Z",
            "status_code": 204,
            "latency_ms": "31",
            "error": "",
            "response_body": "",
        }
    ],
}


@router.get(
    "/events",
    summary="The event catalog: every event type with its data schema",
    responses=answer(
        200,
        {
            "events": [
                {
                    "name": "payment.completed",
                    "description": "A payment went through.",
                    "schema": {
                        "type": "object",
                        "required": ["amount", "currency"],
                        "properties": {
                            "amount": {"type": "number"},
                            "currency": {"type": "string"},
                        },
                    },
                }
            ]
        },
    ),
)
async def event_catalog(admin: AdminDep) -> dict[str, object]:
    catalog = load_catalog()
    return {
        "events": [
            {
                "name": name,
                "description": catalog.get(name).description,
                "schema": catalog.get(name).schema,
            }
            for name in catalog.names()
        ]
    }


@router.get(
    "/deliveries",
    summary="Delivery log: tasks with every attempt, newest first",
    responses=answer(200, {"deliveries": [DELIVERY]}),
)
async def deliveries(
    admin: AdminDep,
    state: StateDep,
    hub: Annotated[str, Query(max_length=64, examples=["crm_hub"])] = "",
    event_type: Annotated[
        str, Query(max_length=100, examples=["session.created"])
    ] = "",
    session_id: Annotated[str, Query(max_length=100)] = "",
    status: Annotated[
        str, Query(pattern="^(|pending|succeeded|failed|dead)$", examples=["dead"])
    ] = "",
    since: Annotated[
        str, Query(max_length=40, description="ISO 8601", examples=["2026-12-01"])
    ] = "",
    until: Annotated[str, Query(max_length=40, description="ISO 8601")] = "",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, object]:
    reply = await call(
        state.clients.router.ListDeliveries,
        opb.ListDeliveriesRequest(
            account_id=admin.account_id,
            hub_name=hub,
            event_type=event_type,
            session_id=session_id,
            status=status,
            since=since,
            until=until,
            limit=limit,
        ),
    )
    return {"deliveries": [as_dict(d) for d in reply.deliveries]}


@router.get(
    "/dead-letters",
    summary="Events set aside: invalid or undeliverable, with the reason",
    responses=answer(
        200,
        {
            "dead_letters": [
                {
                    "id": "17",
                    "at": "2026-12-03T16:40:00Z",
                    "subject": "hubwire.events.acme.payment.completed",
                    "reason": "invalid event: payment.completed data: 'currency' "
                    "is a required property at /data/currency",
                    "payload": '{"specversion":"1.0","type":"payment.completed"}',
                }
            ]
        },
    ),
)
async def dead_letters(
    admin: AdminDep, state: StateDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> dict[str, object]:
    reply = await call(
        state.clients.router.ListDeadLetters,
        opb.ListDeadLettersRequest(account_id=admin.account_id, limit=limit),
    )
    return {"dead_letters": [as_dict(d) for d in reply.dead_letters]}


class ReplayIn(BaseModel):
    delivery_id: str = Field(default="", max_length=100)
    hub: str = Field(default="", max_length=64)
    since: str = Field(default="", max_length=40, description="ISO 8601")
    until: str = Field(default="", max_length=40, description="ISO 8601")


@router.post(
    "/deliveries/replay",
    summary="Replay one task, all dead tasks of a hub, or every task in a time range",
    responses=answer(200, {"replayed": 3}),
)
async def replay(
    body: Annotated[
        ReplayIn,
        Body(
            openapi_examples=body_examples(
                one=("One delivery", {"delivery_id": DELIVERY["id"]}),
                dead=("Every dead task of a hub", {"hub": "crm_hub"}),
                window=(
                    "Every task in a time range",
                    {"since": "2026-12-03T00:00:00Z", "until": "2026-12-03T12:00:00Z"},
                ),
            )
        ),
    ],
    admin: AdminDep,
    state: StateDep,
) -> dict[str, object]:
    reply = await call(
        state.clients.router.Replay,
        opb.ReplayRequest(
            account_id=admin.account_id,
            delivery_id=body.delivery_id,
            hub_name=body.hub,
            since=body.since,
            until=body.until,
        ),
    )
    return as_dict(reply)


@router.post(
    "/hubs/{hub}/destinations/test",
    summary="Test connectivity: a signed hub.test ping to each destination",
    responses=answer(
        200,
        {
            "results": [
                {
                    "event_type": "session.created",
                    "destination_id": "dst_0bebfb2b292e4329bdfa",
                    "url": "https://hooks.example.com/hubwire",
                    "ok": True,
                    "status_code": 204,
                    "latency_ms": "42",
                    "error": "",
                }
            ]
        },
    ),
)
async def test_connectivity(
    hub: str,
    admin: AdminDep,
    state: StateDep,
    event_type: Annotated[
        str, Query(max_length=100, examples=["session.created"])
    ] = "",
) -> dict[str, object]:
    reply = await call(
        state.clients.router.TestConnectivity,
        opb.TestConnectivityRequest(
            account_id=admin.account_id, hub_name=hub, event_type=event_type
        ),
        timeout=60,
    )
    return {"results": [as_dict(r) for r in reply.results]}
