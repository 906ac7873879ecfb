"""The example customer app: an in-memory CRM speaking the app contract.

- ``GET /hubwire/objects``: the import endpoint, objects and their fields.
- ``POST /hubwire/records``: the update endpoint for write-back, body
  ``{"object", "record_id", "fields"}`` and an ``Idempotency-Key`` header.
- ``GET /hubwire/records?object=…&record_id=…``: look at a record (not part
  of the contract; handy when trying write-back by hand).

All three need HTTP Basic. A repeated ``Idempotency-Key`` with the same
request gets the first answer again without applying anything; with a
different request it is refused (422).
"""

from __future__ import annotations

import asyncio
import base64
import copy
import hashlib
import json
import secrets
import unicodedata
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

DEFAULT_OBJECTS: list[dict[str, Any]] = [
    {
        "name": "Contact",
        "label": "Contact",
        "fields": [
            {"name": "Id", "type": "string", "label": "Contact ID", "writable": False},
            {"name": "Email", "type": "email", "label": "Email", "writable": True},
            {
                "name": "FirstName",
                "type": "string",
                "label": "First name",
                "writable": True,
            },
            {
                "name": "LastName",
                "type": "string",
                "label": "Last name",
                "writable": True,
            },
            {"name": "Phone", "type": "phone", "label": "Phone", "writable": True},
            {
                "name": "CreditScore",
                "type": "integer",
                "label": "Credit score",
                "writable": False,
            },
        ],
    },
    {
        "name": "Account",
        "label": "Account",
        "fields": [
            {
                "name": "Number",
                "type": "string",
                "label": "Account number",
                "writable": False,
            },
            {"name": "Status", "type": "string", "label": "Status", "writable": True},
        ],
    },
]

DEFAULT_RECORDS: dict[str, dict[str, dict[str, Any]]] = {
    "Contact": {"003A": {"Id": "003A", "Email": "ada@example.com", "FirstName": "Ada"}},
    "Account": {"001X": {"Number": "00123", "Status": "open"}},
}


def nfc(name: str) -> str:
    return unicodedata.normalize("NFC", name)


class UpdateRequest(BaseModel):
    """The update endpoint's body (``update_request`` in the contract)."""

    model_config = ConfigDict(extra="forbid")

    object: str = Field(min_length=1, max_length=255)
    record_id: str = Field(min_length=1, max_length=255)
    fields: dict[str, Any] = Field(min_length=1)


@dataclass
class Received:
    """One update request as it arrived (for tests and curious humans)."""

    key: str
    body: dict[str, Any]
    replayed: bool


@dataclass
class CustomerStore:
    """Objects, records and idempotency answers, all in memory."""

    objects: list[dict[str, Any]] = field(
        default_factory=lambda: copy.deepcopy(DEFAULT_OBJECTS)
    )
    records: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: copy.deepcopy(DEFAULT_RECORDS)
    )
    received: list[Received] = field(default_factory=list)
    # key -> (fingerprint of the request, status, answer)
    answers: dict[str, tuple[str, int, dict[str, Any]]] = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def fields_of(self, obj: str) -> dict[str, dict[str, Any]] | None:
        for candidate in self.objects:
            if nfc(candidate["name"]) == obj:
                return {nfc(f["name"]): f for f in candidate["fields"]}
        return None

    def apply(self, request: UpdateRequest) -> tuple[int, dict[str, Any]]:
        """Check and apply one update; (status, answer)."""
        obj = nfc(request.object)
        fields = self.fields_of(obj)
        if fields is None:
            return 404, {"detail": f"unknown object {obj!r}"}
        record = self.records.get(obj, {}).get(request.record_id)
        if record is None:
            return 404, {"detail": f"no {obj} record {request.record_id!r}"}

        changes = {nfc(k): v for k, v in request.fields.items()}
        for name in changes:
            if name not in fields:
                return 422, {"detail": f"unknown field {obj}.{name}"}
            if not fields[name].get("writable", False):
                return 422, {"detail": f"field {obj}.{name} is not writable"}

        record.update(changes)
        answer = {"object": obj, "record_id": request.record_id, "record": record}
        return 200, copy.deepcopy(answer)


def fingerprint(request: UpdateRequest) -> str:
    canonical = json.dumps(request.model_dump(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def basic_credentials(header: str) -> tuple[str, str] | None:
    """Username and password of an HTTP Basic header, UTF-8 (RFC 7617)."""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    return (username, password) if sep else None


def authenticated(request: Request) -> None:
    """Every route needs the username and password given to ``create_app``."""
    expected = request.app.state.credentials
    given = basic_credentials(request.headers.get("Authorization", ""))
    # Both parts compared every time, so timing tells nothing about which.
    same = given is not None and [
        secrets.compare_digest(a.encode(), b.encode())
        for a, b in zip(given, expected, strict=True)
    ] == [True, True]
    if not same:
        raise HTTPException(
            401,
            "wrong username or password",
            headers={"WWW-Authenticate": 'Basic realm="customer-app", charset="UTF-8"'},
        )


def create_app(
    store: CustomerStore | None = None,
    *,
    username: str = "hubwire",
    password: str = "change-me",
) -> FastAPI:
    """The app; tests pass their own ``store`` to seed and inspect it."""
    store = store or CustomerStore()
    app = FastAPI(title="Example customer app", dependencies=[Depends(authenticated)])
    app.state.store = store
    app.state.credentials = (username, password)

    @app.get("/hubwire/objects")
    async def objects() -> dict[str, Any]:
        """The import endpoint (``import_answer`` in the contract)."""
        return {"objects": store.objects}

    @app.post("/hubwire/records")
    async def update(
        request: UpdateRequest,
        idempotency_key: Annotated[str, Header(min_length=1, max_length=255)],
    ) -> JSONResponse:
        """The update endpoint (``update_request`` → ``update_answer``)."""
        request_print = fingerprint(request)
        async with store.lock:
            seen = store.answers.get(idempotency_key)
            store.received.append(
                Received(idempotency_key, request.model_dump(), seen is not None)
            )
            if seen is not None:
                if seen[0] != request_print:
                    detail = "Idempotency-Key reused with a different request"
                    return JSONResponse({"detail": detail}, status_code=422)
                return JSONResponse(seen[2], status_code=seen[1])
            status, answer = store.apply(request)
            store.answers[idempotency_key] = (request_print, status, answer)
        return JSONResponse(answer, status_code=status)

    @app.get("/hubwire/records")
    async def record(
        obj: Annotated[str, Query(alias="object")], record_id: str
    ) -> dict[str, Any]:
        found = store.records.get(nfc(obj), {}).get(record_id)
        if found is None:
            raise HTTPException(404, f"no {obj} record {record_id!r}")
        return found

    return app
