"""Incoming platform events: CloudEvents 1.0 JSON, validated at the edge."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from hubwire.common.catalog import EventCatalog
from hubwire.common.errors import InvalidInput
from hubwire.common.subjects import parse_event_subject

REQUIRED = ("specversion", "id", "source", "type")


@dataclass(frozen=True, kw_only=True)
class PlatformEvent:
    id: str
    type: str
    time: str
    account_id: str
    data: dict[str, object]
    session_id: str = ""
    target_hub: str = ""
    attributes: dict[str, object] = field(default_factory=dict)
    records: dict[str, object] = field(default_factory=dict)


def parse_event(subject: str, payload: bytes, catalog: EventCatalog) -> PlatformEvent:
    """Parse and validate; the subject's account and type must agree with the
    body, so a producer cannot route into another account by its body."""
    account_id, subject_type = parse_event_subject(subject)
    try:
        doc = json.loads(payload)
    except ValueError as exc:
        raise InvalidInput(f"not JSON: {exc}", pointer="") from exc
    if not isinstance(doc, dict):
        raise InvalidInput("a CloudEvent is a JSON object", pointer="")
    for name in REQUIRED:
        if not isinstance(doc.get(name), str) or not doc[name]:
            raise InvalidInput(
                f"CloudEvent attribute {name!r} is missing", pointer=f"/{name}"
            )
    if doc["specversion"] != "1.0":
        raise InvalidInput("specversion must be '1.0'", pointer="/specversion")
    if doc["type"] != subject_type:
        raise InvalidInput(
            f"type {doc['type']!r} does not match the subject's {subject_type!r}",
            pointer="/type",
        )
    if doc.get("hubwireaccount", account_id) != account_id:
        raise InvalidInput(
            "hubwireaccount does not match the subject", pointer="/hubwireaccount"
        )
    catalog.get(doc["type"])
    data = doc.get("data", {})
    if not isinstance(data, dict):
        raise InvalidInput("data must be a JSON object", pointer="/data")
    catalog.validate(doc["type"], data)
    return PlatformEvent(
        id=doc["id"],
        type=doc["type"],
        time=str(doc.get("time", "")),
        account_id=account_id,
        data=data,
        session_id=_text(doc, "hubwiresessionid"),
        target_hub=_text(doc, "hubwiretargethub"),
        attributes=_object(doc, "hubwireattributes"),
        records=_object(doc, "hubwirerecords"),
    )


def _text(doc: dict[str, object], name: str) -> str:
    value = doc.get(name, "")
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be a string", pointer=f"/{name}")
    return value


def _object(doc: dict[str, object], name: str) -> dict[str, object]:
    value = doc.get(name, {})
    if not isinstance(value, dict):
        raise InvalidInput(f"{name} must be an object", pointer=f"/{name}")
    return value


def webhook_body(
    event: PlatformEvent, hub: str, fields: dict[str, object] | None
) -> bytes:
    body: dict[str, object] = {
        "id": event.id,
        "type": event.type,
        "time": event.time,
        "account": event.account_id,
        "hub": hub,
        "session_id": event.session_id,
        "data": event.data,
        "attributes": event.attributes,
    }
    if fields:
        body["fields"] = fields
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
