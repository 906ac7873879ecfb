"""The public API: OAuth2 token, sessions, document analyses.

Paths keep the versions users know (``/v21.1``, ``/v21.3``, ``/v28.1``).
Every change commits together with its event (see ``sessions``); a hub named
in ``hubs.events`` or as a source must exist and be active, or the call is a
422 naming it and nothing is created.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Form, Path, Query, Request
from fastapi.responses import JSONResponse

from hubwire.common.catalog import load_catalog
from hubwire.common.errors import InvalidInput, Unauthenticated
from hubwire.common.grpcutil import call
from hubwire.gateway import sessions
from hubwire.gateway.deps import ClientDep, StateDep, charge, decode_basic
from hubwire.gateway.idempotency import ClaimDep
from hubwire.gateway.models import DocumentAnalysis, Session
from hubwire.gateway.openapi_examples import answer, body_examples
from hubwire.gateway.outbox import cloud_event
from hubwire.gateway.public_models import (
    SESSION_EXAMPLE,
    AnalysisEventIn,
    AnalysisIn,
    AnalysisOut,
    DynamicSessionIn,
    LifecycleIn,
    SessionIn,
    SessionOut,
    SetAttributesIn,
    TokenOut,
    WorkflowIn,
)
from hubwire.rpc.registry.v1 import registry_pb2 as rpb

router = APIRouter(tags=["public"])
Data = dict[str, object]
SessionId = Annotated[
    str,
    Path(max_length=100, examples=["ses_4f9a0c2be1d84b7c9a51e0d3f6b2c810"]),
]
AnalysisId = Annotated[
    str,
    Path(max_length=100, examples=["dan_0b6c1e9f2a7d4c3e8f5a1b2c3d4e5f60"]),
]
ANALYSIS_EXAMPLE = {
    "id": "dan_0b6c1e9f2a7d4c3e8f5a1b2c3d4e5f60",
    "attributes": {"customer_email": "ada@example.com"},
    "unmapped": {},
    "documents": ["doc_passport_123"],
    "hubs": {"events": "crm_hub"},
}


@router.post(
    "/oauth/token",
    response_model=TokenOut,
    summary="OAuth2 client-credentials grant",
    description="The client authenticates with HTTP Basic `client_id:api_key` "
    "(or the form fields client_id and client_secret) and gets a bearer token "
    "for the public API.",
    openapi_extra={"security": [{"ClientKey": []}, {}]},
    responses=answer(
        200,
        {"access_token": "hwc_9Qm2…", "token_type": "Bearer", "expires_in": 3600},
    ),
)
async def token(
    request: Request,
    state: StateDep,
    grant_type: Annotated[str, Form(examples=["client_credentials"])],
    client_id: Annotated[str | None, Form(max_length=200)] = None,
    client_secret: Annotated[str | None, Form(max_length=500)] = None,
) -> TokenOut:
    if grant_type != "client_credentials":
        raise InvalidInput(
            "grant_type must be client_credentials", pointer="/grant_type"
        )
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic" and value:
        client_id, client_secret = decode_basic(value.strip())
    if not client_id or not client_secret:
        raise Unauthenticated("client authentication is required")
    reply = await call(
        state.clients.registry.IssueToken,
        rpb.IssueTokenRequest(client_id=client_id, api_key=client_secret),
    )
    charge(request, state, f"client:{client_id}")
    return TokenOut(access_token=reply.access_token, expires_in=reply.expires_in)


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
    *,
    kind: str,
) -> SessionOut | JSONResponse:
    async with state.db.session() as s:
        if claim is not None and (replayed := await claim.replay(s)) is not None:
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
    template = body.workflowTemplateId if isinstance(body, SessionIn) else None

    row = Session(
        account_id=client.account_id,
        kind=kind,
        customer=body.customer.model_dump(exclude_none=True) if body.customer else {},
        source_hub=source or "",
        events_hub=body.hubs.events if body.hubs else "",
        workflow_template_ids=[template] if template else [],
        attributes=attributes,
        records=body.records,
        created_by=client.client_id,
    )
    event: Data = {"kind": kind}
    if template:
        event["workflow_template_id"] = template
    if row.customer:
        event["customer"] = row.customer
    out = session_out(row, unmapped)
    await sessions.create(
        state,
        row,
        event_type="session.created",
        doc=cloud_event(
            account_id=row.account_id,
            event_type="session.created",
            data=event,
            session=row,
        ),
        claim=claim,
        answer=out,
    )
    return out


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
    return await _create_session(state, client, body, claim, kind="standard")


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
    return await _create_session(state, client, body, claim, kind="dynamic")


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


@router.post(
    "/v21.1/document-analyses",
    status_code=201,
    response_model=AnalysisOut,
    summary="Create a document analysis",
    description="`sourcename` names the hub whose mapping translates `data`. "
    "Emits `document_analysis.started`. Accepts `Idempotency-Key`.",
    responses=answer(201, ANALYSIS_EXAMPLE),
)
async def create_analysis(
    body: Annotated[
        AnalysisIn,
        Body(
            openapi_examples=body_examples(
                passport=(
                    "Analyse a passport; data through crm_hub",
                    {
                        "sourcename": "crm_hub",
                        "documents": ["doc_passport_123"],
                        "data": {"Contact": {"Email": "ada@example.com"}},
                        "hubs": {"events": "crm_hub"},
                    },
                )
            )
        ),
    ],
    client: ClientDep,
    state: StateDep,
    claim: ClaimDep,
) -> AnalysisOut | JSONResponse:
    async with state.db.session() as s:
        if claim is not None and (replayed := await claim.replay(s)) is not None:
            return replayed
    if body.sourcename:
        await sessions.check_hub(
            state, client.account_id, body.sourcename, "/sourcename"
        )
    if body.hubs:
        await sessions.check_hub(
            state, client.account_id, body.hubs.events, "/hubs/events"
        )
    attributes, unmapped = await sessions.translate(
        state, client.account_id, body.sourcename or "", body.data
    )

    row = DocumentAnalysis(
        account_id=client.account_id,
        source_hub=body.sourcename or "",
        events_hub=body.hubs.events if body.hubs else "",
        documents=body.documents,
        attributes=attributes,
    )
    out = analysis_out(row, unmapped)
    await sessions.create(
        state,
        row,
        event_type="document_analysis.started",
        doc=analysis_event(row, "document_analysis.started", {}),
        claim=claim,
        answer=out,
    )
    return out


def analysis_out(row: DocumentAnalysis, unmapped: Data | None = None) -> AnalysisOut:
    return AnalysisOut(
        id=row.id,
        attributes=row.attributes,
        unmapped=unmapped or {},
        documents=row.documents,
        hubs={"events": row.events_hub} if row.events_hub else {},
    )


def analysis_event(
    row: DocumentAnalysis, event_type: str, data: Data
) -> tuple[str, dict[str, object]]:
    return cloud_event(
        account_id=row.account_id,
        event_type=event_type,
        data={**data, "analysis_id": row.id, "documents": row.documents},
        events_hub=row.events_hub,
        attributes=row.attributes,
    )


@router.get(
    "/v21.1/document-analyses/{analysis_id}",
    response_model=AnalysisOut,
    summary="Read a document analysis",
    responses=answer(200, ANALYSIS_EXAMPLE),
)
async def get_analysis(
    analysis_id: AnalysisId, client: ClientDep, state: StateDep
) -> AnalysisOut:
    row = await sessions.load_analysis(state, client.account_id, analysis_id)
    return analysis_out(row)


AnalysisKind = Literal["validation-completed", "summary", "completed"]
ANALYSIS_EVENTS = {
    "validation-completed": "document_validation.completed",
    "summary": "document_analysis.summary",
    "completed": "document_analysis.completed",
}


@router.post(
    "/v21.1/document-analyses/{analysis_id}/lifecycle/{kind}",
    status_code=202,
    summary="Record a step of a document analysis",
    description="For the platform's analysis pipeline (and tests): emits "
    "`document_validation.completed`, `document_analysis.summary` or "
    "`document_analysis.completed`, `data` checked against the catalog.",
    responses=answer(202, {"event_id": "evt_5d0c9e7b1f2a4c6e8a0b2d4f6e8c0a1b"}),
)
async def analysis_lifecycle(
    analysis_id: AnalysisId,
    kind: AnalysisKind,
    body: Annotated[
        AnalysisEventIn,
        Body(
            openapi_examples=body_examples(
                validated=(
                    "validation-completed",
                    {"data": {"document_type": "passport", "valid": True}},
                )
            )
        ),
    ],
    client: ClientDep,
    state: StateDep,
) -> dict[str, str]:
    row = await sessions.load_analysis(state, client.account_id, analysis_id)
    event_type = ANALYSIS_EVENTS[kind]
    event_id, doc = analysis_event(row, event_type, body.data)
    load_catalog().validate(event_type, doc["data"])
    await sessions.emit(state, row.account_id, event_type, (event_id, doc))
    return {"event_id": event_id}
