"""The public API: sessions.

Paths keep the versions users know (``/v21.1``, ``/v21.3``, ``/v28.1``).
Every change commits together with its event (see ``sessions``); a hub named
in ``hubs.events`` or as a source must exist and be active, or the call is a
422 naming it and nothing is created.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Path, Query
from fastapi.responses import JSONResponse

from hubwire.common.catalog import load_catalog
from hubwire.common.errors import InvalidInput
from hubwire.gateway import sessions
from hubwire.gateway.deps import ClientDep, StateDep
from hubwire.gateway.idempotency import ClaimDep
from hubwire.gateway.models import Session
from hubwire.gateway.openapi_examples import answer, body_examples
from hubwire.gateway.outbox import cloud_event
from hubwire.gateway.public_models import (
    SESSION_EXAMPLE,
    DynamicSessionIn,
    LifecycleIn,
    SessionIn,
    SessionOut,
    SetAttributesIn,
    WorkflowIn,
)

router = APIRouter(tags=["public"])
Data = dict[str, object]
SessionId = Annotated[
    str,
    Path(max_length=100, examples=["ses_4f9a0c2be1d84b7c9a51e0d3f6b2c810"]),
]


def session_out(row: Session, unmapped: Data | None = None) -> SessionOut:
    return SessionOut(
        id=row.id,
        status=row.status,
        kind=row.kind,
        customer=row.customer,
        attributes=row.attributes,
        unmapped=unmapped or {},
        hubs={"events": row.events_hub} if row.events_hub else {},
        workflowTemplateIds=row.workflow_template_ids,
    )


async def _create_session(
    state: StateDep,
    client: ClientDep,
    body: SessionIn | DynamicSessionIn,
    claim: ClaimDep,
) -> SessionOut | JSONResponse:
    if claim is not None and (replayed := await claim.replay(state.db)) is not None:
        return replayed
    source = body.sourceName if isinstance(body, SessionIn) else None
    if body.hubs:
        await sessions.check_hub(
            state, client.account_id, body.hubs.events, "/hubs/events"
        )
    if source:
        await sessions.check_hub(state, client.account_id, source, "/sourceName")
    data = body.data if isinstance(body, SessionIn) else {}
    attributes, unmapped = await sessions.translate(
        state, client.account_id, source or "", data
    )

    row = _new_session(client, body, attributes)
    out = session_out(row, unmapped)
    await sessions.create(
        state,
        row,
        event_type="session.created",
        doc=cloud_event(
            account_id=row.account_id,
            event_type="session.created",
            data=_created_data(row),
            session=row,
        ),
        claim=claim,
        answer=out,
    )
    return out


def _new_session(
    client: ClientDep, body: SessionIn | DynamicSessionIn, attributes: Data
) -> Session:
    standard = isinstance(body, SessionIn)
    template = body.workflowTemplateId if isinstance(body, SessionIn) else None
    return Session(
        account_id=client.account_id,
        kind="standard" if standard else "dynamic",
        customer=body.customer.model_dump(exclude_none=True) if body.customer else {},
        source_hub=(body.sourceName or "") if isinstance(body, SessionIn) else "",
        events_hub=body.hubs.events if body.hubs else "",
        workflow_template_ids=[template] if template else [],
        attributes=attributes,
        records=body.records,
        created_by=client.client_id,
    )


def _created_data(row: Session) -> Data:
    data: Data = {"kind": row.kind}
    if row.workflow_template_ids:
        data["workflow_template_id"] = row.workflow_template_ids[0]
    if row.customer:
        data["customer"] = row.customer
    return data


@router.post(
    "/v21.1/sessions",
    status_code=201,
    response_model=SessionOut,
    summary="Create a session",
    description="A session with a workflow template. `sourceName` names the "
    "hub whose mapping translates `data` into Attributes; keys it does not "
    "map come back in `unmapped`. `hubs.events` sends the session's events "
    "to that hub only. Emits `session.created`. Accepts `Idempotency-Key`.",
    responses=answer(201, SESSION_EXAMPLE, "The session, with its Attributes"),
)
async def create_session(
    body: Annotated[
        SessionIn,
        Body(
            openapi_examples=body_examples(
                translated=(
                    "Data in the CRM's field names, translated by crm_hub",
                    {
                        "customer": {
                            "name": "Ada Lovelace",
                            "email": "ada@example.com",
                        },
                        "sourceName": "crm_hub",
                        "workflowTemplateId": "wf_onboarding",
                        "hubs": {"events": "crm_hub"},
                        "data": {
                            "Contact": {
                                "Email": "ada@example.com",
                                "Fax": "+44 20 7946 0001",
                            }
                        },
                        "records": {"Contact": "0031x00000ABC"},
                    },
                ),
                attributes=(
                    "Data keyed by Attribute names (no source)",
                    {
                        "customer": {"name": "Bo Chen", "phone": "+1 555 0100"},
                        "data": {"customer_email": "bo@example.com"},
                    },
                ),
            )
        ),
    ],
    client: ClientDep,
    state: StateDep,
    claim: ClaimDep,
) -> SessionOut | JSONResponse:
    return await _create_session(state, client, body, claim)


@router.get(
    "/v21.1/sessions/{session_id}",
    response_model=SessionOut,
    summary="Read a session",
    description="The session's Attributes; with `?source=<hub>` also `fields`: "
    "the same values in that hub's object and field names.",
    responses=answer(
        200,
        {
            **SESSION_EXAMPLE,
            "unmapped": {},
            "fields": {"Contact": {"Email": "ada@example.com"}},
        },
    ),
)
async def get_session(
    session_id: SessionId,
    client: ClientDep,
    state: StateDep,
    source: Annotated[str | None, Query(max_length=64, examples=["crm_hub"])] = None,
) -> SessionOut:
    row = await sessions.load_session(state, client.account_id, session_id)
    out = session_out(row)
    if source:
        await sessions.check_hub(state, client.account_id, source, "/source")
        out.fields = await sessions.fields_of(
            state, client.account_id, source, row.attributes
        )
    return out


@router.post(
    "/v28.1/sessions",
    status_code=201,
    response_model=SessionOut,
    summary="Create a dynamic-workflow session",
    description="`hubs.events` sends its events to that hub only; its "
    "Attributes come later, through set-attributes. Emits `session.created`. "
    "Accepts `Idempotency-Key`.",
    responses=answer(
        201,
        {
            **SESSION_EXAMPLE,
            "kind": "dynamic",
            "attributes": {},
            "unmapped": {},
            "workflowTemplateIds": [],
        },
    ),
)
async def create_dynamic_session(
    body: Annotated[
        DynamicSessionIn,
        Body(
            openapi_examples=body_examples(
                targeted=(
                    "Events to crm_hub only",
                    {
                        "customer": {
                            "name": "Ada Lovelace",
                            "email": "ada@example.com",
                        },
                        "hubs": {"events": "crm_hub"},
                        "records": {"Contact": "0031x00000ABC"},
                    },
                )
            )
        ),
    ],
    client: ClientDep,
    state: StateDep,
    claim: ClaimDep,
) -> SessionOut | JSONResponse:
    return await _create_session(state, client, body, claim)


@router.post(
    "/v28.1/sessions/{session_id}/attributes",
    response_model=SessionOut,
    summary="Set attributes of a dynamic-workflow session",
    description="`source` names the hub whose mapping translates `data`. "
    "Emits `attributes.updated` with the changed Attributes, which writes "
    "them back to every app whose source of that Attribute is updatable "
    "(except the source's own).",
    responses=answer(
        200,
        {
            **SESSION_EXAMPLE,
            "kind": "dynamic",
            "attributes": {"customer_phone": "+44 20 7946 0000"},
            "unmapped": {},
        },
    ),
)
async def set_attributes(
    session_id: SessionId,
    body: Annotated[
        SetAttributesIn,
        Body(
            openapi_examples=body_examples(
                translated=(
                    "The CRM's field names, translated by crm_hub",
                    {
                        "source": "crm_hub",
                        "data": {"Contact": {"Phone": "+44 20 7946 0000"}},
                    },
                )
            )
        ),
    ],
    client: ClientDep,
    state: StateDep,
) -> SessionOut:
    if body.source:
        await sessions.check_hub(state, client.account_id, body.source, "/source")
    changed, unmapped = await sessions.translate(
        state, client.account_id, body.source or "", body.data
    )

    def apply(row: Session) -> tuple[str, Data]:
        row.attributes = {**row.attributes, **changed}
        data: Data = {"changed": changed}
        if body.source:
            data["source"] = body.source
        return "attributes.updated", data

    row = await sessions.change(state, client.account_id, session_id, apply)
    return session_out(row, unmapped)


@router.post(
    "/v21.3/sessions/{session_id}/workflows",
    response_model=SessionOut,
    summary="Add a workflow template to a session",
    description="`sourceName` translates `data` into Attributes; `hubs.events` "
    "sends this and every later event of the session to that hub only. Emits "
    "`workflow.added`.",
    responses=answer(
        200, {**SESSION_EXAMPLE, "workflowTemplateIds": ["wf_onboarding", "wf_kyc"]}
    ),
)
async def add_workflow(
    session_id: SessionId,
    body: Annotated[
        WorkflowIn,
        Body(
            openapi_examples=body_examples(
                targeted=(
                    "Add wf_kyc; events to crm_hub from now on",
                    {
                        "workflowTemplateId": "wf_kyc",
                        "sourceName": "crm_hub",
                        "hubs": {"events": "crm_hub"},
                        "data": {"Contact": {"Email": "ada@example.com"}},
                    },
                )
            )
        ),
    ],
    client: ClientDep,
    state: StateDep,
) -> SessionOut:
    if body.hubs:
        await sessions.check_hub(
            state, client.account_id, body.hubs.events, "/hubs/events"
        )
    if body.sourceName:
        await sessions.check_hub(
            state, client.account_id, body.sourceName, "/sourceName"
        )
    changed, unmapped = await sessions.translate(
        state, client.account_id, body.sourceName or "", body.data
    )

    def apply(row: Session) -> tuple[str, Data]:
        if body.hubs:
            row.events_hub = body.hubs.events
        row.attributes = {**row.attributes, **changed}
        row.workflow_template_ids = [
            *row.workflow_template_ids,
            body.workflowTemplateId,
        ]
        return "workflow.added", {"workflow_template_id": body.workflowTemplateId}

    row = await sessions.change(state, client.account_id, session_id, apply)
    return session_out(row, unmapped)


LifecycleKind = Literal[
    "opened",
    "completed",
    "closed",
    "expired",
    "form-submitted",
    "esign-completed",
    "file-uploaded",
    "payment-completed",
    "workflow-completed",
    "attributes-changed",
]
# kind -> (catalog event, the session's status afterwards, or None: unchanged)
LIFECYCLE: dict[str, tuple[str, str | None]] = {
    "opened": ("session.opened", "opened"),
    "completed": ("session.completed", "completed"),
    "closed": ("session.closed", "closed"),
    "expired": ("session.expired", "expired"),
    "form-submitted": ("form.submitted", None),
    "esign-completed": ("esign.completed", None),
    "file-uploaded": ("file.uploaded", None),
    "payment-completed": ("payment.completed", None),
    "workflow-completed": ("workflow.completed", None),
    "attributes-changed": ("attributes.updated", None),
}


@router.post(
    "/v21.1/sessions/{session_id}/lifecycle/{kind}",
    response_model=SessionOut,
    summary="Record a step of the session's life",
    description="For the platform's own front ends (and tests): the customer "
    "opened, completed, submitted a form, signed, uploaded, paid, changed "
    "Attributes; an agent closed; the session expired. Each emits its "
    "catalog event, `data` checked against the catalog schema, sent to the "
    "session's hub when it names one. A closed or expired session takes no "
    "more steps (409).",
    responses=answer(200, {**SESSION_EXAMPLE, "status": "opened", "unmapped": {}}),
)
async def lifecycle(
    session_id: SessionId,
    kind: LifecycleKind,
    body: Annotated[
        LifecycleIn,
        Body(
            openapi_examples=body_examples(
                payment=(
                    "payment-completed",
                    {
                        "data": {
                            "amount": 49.5,
                            "currency": "EUR",
                            "payment_id": "pay_1",
                        }
                    },
                ),
                form=("form-submitted", {"data": {"form_id": "kyc"}}),
                attributes=(
                    "attributes-changed (Attribute names)",
                    {"data": {"changed": {"customer_phone": "+44 20 7946 0000"}}},
                ),
            )
        ),
    ],
    client: ClientDep,
    state: StateDep,
) -> SessionOut:
    event_type, status = LIFECYCLE[kind]
    data = dict(body.data)
    if kind == "attributes-changed":
        raw = data.get("changed", {})
        if not isinstance(raw, dict):
            raise InvalidInput("changed must be an object", pointer="/data/changed")
        changed, _ = await sessions.translate(state, client.account_id, "", raw)
        data = {"changed": changed}
    load_catalog().validate(event_type, data)

    def apply(row: Session) -> tuple[str, Data]:
        if kind == "attributes-changed":
            row.attributes = {**row.attributes, **data["changed"]}  # type: ignore[dict-item]
        if status:
            row.status = status
        return event_type, data

    row = await sessions.change(state, client.account_id, session_id, apply)
    return session_out(row)
