"""Sessions and document analyses: checks against the other services, and
changes committed together with their event (the outbox).

Every change goes through ``create`` or ``change``; both write the row and
its event in one transaction, so an event exists exactly when its change
does.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, update

from hubwire.common.errors import Conflict, InvalidInput, NotFound
from hubwire.common.grpcutil import call
from hubwire.gateway.deps import State
from hubwire.gateway.idempotency import Claim
from hubwire.gateway.models import DocumentAnalysis, Session, utcnow
from hubwire.gateway.outbox import add_event, cloud_event
from hubwire.rpc.mapping.v1 import mapping_pb2 as mpb
from hubwire.rpc.registry.v1 import registry_pb2 as rpb

Data = dict[str, object]
# Statuses after which a session takes no more changes.
FINAL = frozenset({"closed", "expired"})
# Compare-and-set attempts before two writers racing on one session give up.
CHANGE_ATTEMPTS = 5


async def check_hub(state: State, account_id: str, hub: str, pointer: str) -> None:
    """A named hub must exist in the caller's account and be active;
    otherwise ``InvalidInput`` naming it, at ``pointer``."""
    try:
        reply = await call(
            state.clients.registry.GetHub,
            rpb.GetHubRequest(account_id=account_id, name=hub),
        )
    except (NotFound, InvalidInput) as exc:
        raise InvalidInput(f"hub {hub!r} does not exist", pointer=pointer) from exc
    if not reply.hub.active:
        raise InvalidInput(f"hub {hub!r} is inactive", pointer=pointer)


async def translate(
    state: State, account_id: str, hub: str, data: Data
) -> tuple[Data, Data]:
    """``data`` in Attribute names (through ``hub``'s mapping when named),
    and what the mapping did not cover."""
    if not data:
        return {}, {}
    reply = await call(
        state.clients.mapping.Translate,
        mpb.TranslateRequest(
            account_id=account_id,
            hub_name=hub,
            data_json=json.dumps(data, ensure_ascii=False),
        ),
    )
    return json.loads(reply.attributes_json), json.loads(reply.unmapped_json)


async def fields_of(state: State, account_id: str, hub: str, attributes: Data) -> Data:
    reply = await call(
        state.clients.mapping.ToFields,
        mpb.ToFieldsRequest(
            account_id=account_id,
            hub_name=hub,
            attributes_json=json.dumps(attributes, ensure_ascii=False),
        ),
    )
    return json.loads(reply.fields_json)  # type: ignore[no-any-return]


async def load_session(state: State, account_id: str, session_id: str) -> Session:
    async with state.db.session() as s:
        row = await s.get(Session, session_id)
    if row is None or row.account_id != account_id:
        raise NotFound(f"session {session_id!r} not found")
    return row


async def load_analysis(
    state: State, account_id: str, analysis_id: str
) -> DocumentAnalysis:
    async with state.db.session() as s:
        row = await s.get(DocumentAnalysis, analysis_id)
    if row is None or row.account_id != account_id:
        raise NotFound(f"document analysis {analysis_id!r} not found")
    return row


async def create(
    state: State,
    row: Session | DocumentAnalysis,
    *,
    event_type: str,
    doc: tuple[str, dict[str, object]],
    claim: Claim | None,
    answer: BaseModel,
    status_code: int = 201,
) -> None:
    """Insert ``row`` with its event (and the idempotency record, if any)."""
    event_id, document = doc
    async with state.db.session() as s:
        s.add(row)
        add_event(
            s,
            account_id=row.account_id,
            event_type=event_type,
            doc_id=event_id,
            doc=document,
        )
        if claim is not None:
            claim.stage(s, status_code, answer)
        try:
            await s.commit()
        except IntegrityError as exc:
            if claim is None:
                raise
            raise Claim.race() from exc
    state.relay.wake.set()


Change = Callable[[Session], tuple[str, Data]]


async def change(
    state: State, account_id: str, session_id: str, apply: Change
) -> Session:
    """Apply ``apply`` to the stored session and commit it with the event it
    returns (type, data).

    Compare-and-set on ``updated_at``: a concurrent writer makes the update
    match no row, and the change is applied again to the fresh session, so
    no writer's attributes are lost. ``apply`` must therefore be a pure
    function of the session it is given.
    """
    for _ in range(CHANGE_ATTEMPTS):
        row = await load_session(state, account_id, session_id)
        if row.status in FINAL:
            raise Conflict(
                f"session {session_id!r} is {row.status}; it takes no changes"
            )
        seen = row.updated_at
        event_type, data = apply(row)
        row.updated_at = utcnow()
        if await _store_change(state, row, seen, event_type, data):
            state.relay.wake.set()
            return row
    raise Conflict(f"session {session_id!r} is changing too fast; retry")


async def _store_change(
    state: State, row: Session, seen: object, event_type: str, data: Data
) -> bool:
    event_id, document = cloud_event(
        account_id=row.account_id, event_type=event_type, data=data, session=row
    )
    async with state.db.session() as s:
        result = await s.exec(
            update(Session)
            .where(col(Session.id) == row.id, col(Session.updated_at) == seen)
            .values(
                status=row.status,
                events_hub=row.events_hub,
                workflow_template_ids=row.workflow_template_ids,
                attributes=row.attributes,
                updated_at=row.updated_at,
            )
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            await s.rollback()
            return False
        add_event(
            s,
            account_id=row.account_id,
            event_type=event_type,
            doc_id=event_id,
            doc=document,
        )
        await s.commit()
    return True


async def emit(
    state: State, account_id: str, event_type: str, doc: tuple[str, Data]
) -> None:
    """Commit an event that changes no row."""
    event_id, document = doc
    async with state.db.session() as s:
        add_event(
            s,
            account_id=account_id,
            event_type=event_type,
            doc_id=event_id,
            doc=document,
        )
        await s.commit()
    state.relay.wake.set()
