"""``Idempotency-Key`` on the create calls.

A key is scoped to the calling client (account and client id), so two
clients never see each other's answers. The first successful create stores
its answer in the same transaction as the change and its event; repeating
the key with the same request (same route, same JSON body) answers the
stored response again, and creates and emits nothing. The same key with
another request is a 409. Two requests racing with one key: the second
commit fails on the key's primary key and answers 409; its retry then gets
the stored answer.

Only successes are stored: a request that failed may be retried with the
same key once the cause is fixed. Keys are forgotten after
``HUBWIRE_IDEMPOTENCY_TTL_HOURS``.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlmodel import col, delete
from sqlmodel.ext.asyncio.session import AsyncSession

from hubwire.common.db import Database
from hubwire.common.errors import Conflict
from hubwire.common.times import aware, utcnow
from hubwire.gateway.deps import ClientDep, StateDep
from hubwire.gateway.models import IdempotencyRecord

log = logging.getLogger(__name__)
REPLAYED_HEADER = "Idempotent-Replayed"


@dataclass(frozen=True)
class Claim:
    """One request's use of an idempotency key."""

    key: str
    fingerprint: str
    ttl: timedelta

    async def replay(self, db: Database) -> JSONResponse | None:
        """The stored answer of an earlier identical request, or None when
        the key is new (or expired). ``Conflict`` when the key was used for
        another request."""
        async with db.session() as s:
            record = await s.get(IdempotencyRecord, self.key)
            if record is not None and utcnow() - aware(record.created_at) > self.ttl:
                await s.delete(record)
                await s.commit()
                record = None
        if record is None:
            return None
        if record.request_hash != self.fingerprint:
            raise Conflict(
                "this Idempotency-Key was already used with another request; "
                "use a new key for a new request"
            )
        log.info("idempotent replay status=%d", record.status_code)
        return JSONResponse(
            json.loads(record.response),
            status_code=record.status_code,
            headers={REPLAYED_HEADER: "true"},
        )

    def stage(self, s: AsyncSession, status_code: int, answer: BaseModel) -> None:
        """Store the answer in the caller's transaction."""
        s.add(
            IdempotencyRecord(
                key=self.key,
                request_hash=self.fingerprint,
                status_code=status_code,
                response=answer.model_dump_json(),
            )
        )

    @staticmethod
    def race() -> Conflict:
        return Conflict(
            "a request with this Idempotency-Key is being processed; retry "
            "to get its answer"
        )


async def claim(
    request: Request,
    client: ClientDep,
    state: StateDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=255,
            pattern=r"^[\x21-\x7e]+$",
            description="Repeat a create safely: the same key and body answer "
            "the first response again; the same key with another body is 409.",
            examples=["6f1c0c1e-6a4b-4d3e-9b3f-0c5d2f1a7e21"],
        ),
    ] = None,
) -> Claim | None:
    if idempotency_key is None:
        return None
    body = await request.body()
    route = request.scope.get("route")
    fingerprint = hashlib.sha256(
        b"\n".join(
            [
                request.method.encode(),
                str(getattr(route, "path", request.url.path)).encode(),
                _canonical(body),
            ]
        )
    ).hexdigest()
    return Claim(
        key=f"{client.account_id}/{client.client_id}/{idempotency_key}",
        fingerprint=fingerprint,
        ttl=timedelta(hours=state.settings.idempotency_ttl_hours),
    )


def _canonical(body: bytes) -> bytes:
    """The body with key order and spacing removed, so that re-serialising
    the same request does not count as another request."""
    try:
        return json.dumps(json.loads(body), sort_keys=True).encode()
    except ValueError:
        return body


async def forget_expired(s: AsyncSession, ttl: timedelta) -> int:
    result = await s.exec(
        delete(IdempotencyRecord).where(
            col(IdempotencyRecord.created_at) < utcnow() - ttl
        )
    )
    await s.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


ClaimDep = Annotated[Claim | None, Depends(claim)]
