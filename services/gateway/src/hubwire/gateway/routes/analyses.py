"""The public API: document analyses.

A hub named as ``sourcename`` or in ``hubs.events`` must exist and be active,
or the call is a 422 naming it and nothing is created.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Path
from fastapi.responses import JSONResponse

from hubwire.common.catalog import load_catalog
from hubwire.gateway import sessions
from hubwire.gateway.deps import ClientDep, StateDep
from hubwire.gateway.idempotency import ClaimDep
from hubwire.gateway.models import DocumentAnalysis
from hubwire.gateway.openapi_examples import answer, body_examples
from hubwire.gateway.outbox import cloud_event
from hubwire.gateway.public_models import AnalysisEventIn, AnalysisIn, AnalysisOut

router = APIRouter(tags=["public"])
Data = dict[str, object]
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
    if claim is not None and (replayed := await claim.replay(state.db)) is not None:
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
