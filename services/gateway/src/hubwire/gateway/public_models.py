"""Request and response bodies of the public API, with their OpenAPI examples.

Field names follow the API users already know: ``sourceName`` on sessions and
workflows, ``sourcename`` on document analyses, ``source`` on set-attributes.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9 ().-]{5,32}$")

MAX_DEPTH = 32
BAD_CHARACTERS = re.compile("[\x00\ud800-\udfff]")


def _bounded(data: dict[str, Any]) -> dict[str, Any]:
    """Refuse what no store or app should receive: nesting deeper than
    ``MAX_DEPTH`` and text with NUL or unpaired surrogates (PostgreSQL and
    UTF-8 cannot hold them). Checked before anything is saved."""
    stack: list[tuple[object, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH and isinstance(value, dict | list):
            raise ValueError(f"data is nested deeper than {MAX_DEPTH} levels")
        if isinstance(value, dict):
            for key, item in value.items():
                _text(key)
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, str):
            _text(value)
    return data


def _text(value: str) -> None:
    if BAD_CHARACTERS.search(value):
        raise ValueError("text contains a NUL character or an unpaired surrogate")


Data = Annotated[dict[str, Any], AfterValidator(_bounded)]
HUB_NAME = Field(min_length=1, max_length=64, examples=["crm_hub"])

SESSION_EXAMPLE: dict[str, object] = {
    "id": "ses_4f9a0c2be1d84b7c9a51e0d3f6b2c810",
    "status": "created",
    "kind": "standard",
    "customer": {"name": "Ada Lovelace", "email": "ada@example.com"},
    "attributes": {"customer_email": "ada@example.com"},
    "unmapped": {"Contact": {"Fax": "+44 20 7946 0001"}},
    "hubs": {"events": "crm_hub"},
    "workflowTemplateIds": ["wf_onboarding"],
    "fields": None,
}


class Customer(BaseModel):
    """Who the session is for: a name and at least one of email and phone."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200, examples=["Ada Lovelace"])
    email: str | None = Field(
        default=None, max_length=254, examples=["ada@example.com"]
    )
    phone: str | None = Field(
        default=None, max_length=32, examples=["+44 20 7946 0000"]
    )

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not EMAIL.match(value):
            raise ValueError("not an email address")
        return value

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is not None and not PHONE.match(value):
            raise ValueError("not a phone number (digits, spaces, + ( ) . -)")
        return value

    @model_validator(mode="after")
    def _contact(self) -> Customer:
        if not self.email and not self.phone:
            raise ValueError("a customer needs an email or a phone number, or both")
        return self


class Hubs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    events: str = Field(
        min_length=1,
        max_length=64,
        examples=["crm_hub"],
        description="only this hub receives the session's events",
    )


Records = dict[str, str]
RECORDS = Field(
    default_factory=dict,
    description="the app's record id per object, for write-back",
    examples=[{"Contact": "0031x00000ABC"}],
)


class SessionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer: Customer
    sourceName: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="the hub whose mapping translates data",
    )
    data: Data = Field(
        default_factory=dict,
        description="keyed by the source hub's objects and fields, or by "
        "Attribute names when no source is named",
    )
    workflowTemplateId: str | None = Field(default=None, min_length=1, max_length=100)
    hubs: Hubs | None = None
    records: Records = RECORDS


class DynamicSessionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer: Customer | None = None
    hubs: Hubs | None = None
    records: Records = RECORDS


class SessionOut(BaseModel):
    id: str
    status: str
    kind: str
    customer: dict[str, str] = Field(default_factory=dict)
    attributes: Data
    unmapped: Data = Field(
        default_factory=dict, description="input the source's mapping did not cover"
    )
    hubs: dict[str, str] = Field(default_factory=dict)
    workflowTemplateIds: list[str] = Field(default_factory=list)
    fields: Data | None = Field(
        default=None,
        description="with ?source=<hub>: the Attributes in that hub's "
        "object and field names",
    )


class SetAttributesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="the hub whose mapping translates data",
    )
    data: Data


class WorkflowIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    workflowTemplateId: str = Field(min_length=1, max_length=100)
    sourceName: str | None = Field(default=None, min_length=1, max_length=64)
    data: Data = Field(default_factory=dict)
    hubs: Hubs | None = Field(
        default=None, description="from now on, only this hub gets the events"
    )


class LifecycleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    data: Data = Field(
        default_factory=dict,
        description="the event's data, as its catalog schema says; for "
        "attributes-changed: {'changed': {<Attribute>: <value>}}",
    )


class AnalysisIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sourcename: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="the hub whose mapping translates data",
    )
    data: Data = Field(default_factory=dict)
    documents: list[str] = Field(
        min_length=1,
        max_length=50,
        description="references of the documents to analyse",
    )
    hubs: Hubs | None = None

    @field_validator("documents")
    @classmethod
    def _references(cls, value: list[str]) -> list[str]:
        if any(not ref.strip() or len(ref) > 200 for ref in value):
            raise ValueError("a document reference has 1 to 200 characters")
        return value


class AnalysisOut(BaseModel):
    id: str
    attributes: Data
    unmapped: Data = Field(default_factory=dict)
    documents: list[str]
    hubs: dict[str, str] = Field(default_factory=dict)


class AnalysisEventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    data: Data = Field(default_factory=dict)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int
