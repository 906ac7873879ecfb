"""Admin API: Attributes, data schemas, imported objects and sources."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Body, Query, Request, Response
from pydantic import BaseModel, Field

from hubwire.common.errors import InvalidInput
from hubwire.common.grpcutil import call
from hubwire.gateway import problems
from hubwire.gateway.deps import AdminDep, StateDep
from hubwire.gateway.openapi_examples import answer, body_examples
from hubwire.gateway.routes.admin_hubs import as_dict
from hubwire.rpc.mapping.v1 import mapping_pb2 as mpb
from hubwire.rpc.registry.v1 import registry_pb2 as rpb

router = APIRouter(prefix="/admin/v1", tags=["admin: mapping"])

ATTRIBUTE = {
    "name": "customer_email",
    "type": "email",
    "label": "Email",
    "description": "The customer's email address",
}
SOURCE = {
    "attribute": "customer_email",
    "hub_name": "crm_hub",
    "object": "Contact",
    "field": "Email",
    "updatable": True,
    "broken": False,
}
SCHEMA = {
    "format": "hubwire.schema",
    "version": 1,
    "hub": "crm_hub",
    "objects": [
        {
            "name": "Contact",
            "keys": [
                {"name": "Email", "attribute": "customer_email"},
                {"name": "Fax", "attribute": None},
            ],
        }
    ],
}
IMPORTED = {
    "hub": "crm_hub",
    "imported_at": "2026-12-03T16:30:00Z",
    "objects": [
        {
            "name": "Contact",
            "label": "Contact",
            "fields": [
                {"name": "Email", "type": "email", "label": "Email", "writable": True}
            ],
        }
    ],
}


class AttributeIn(BaseModel):
    name: str = Field(examples=["customer_email"])
    type: str = Field(default="string", examples=["email"])
    label: str = Field(default="", max_length=200)
    description: str = Field(default="", max_length=2000)


class AttributePatch(BaseModel):
    type: str | None = None
    label: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=2000)


@router.post(
    "/attributes",
    status_code=201,
    summary="Create an Attribute",
    responses=answer(201, ATTRIBUTE),
)
async def create_attribute(
    body: Annotated[
        AttributeIn,
        Body(
            openapi_examples=body_examples(
                email=(
                    "An email Attribute",
                    dict(ATTRIBUTE),
                )
            )
        ),
    ],
    admin: AdminDep,
    state: StateDep,
) -> dict[str, object]:
    reply = await call(
        state.clients.mapping.CreateAttribute,
        mpb.CreateAttributeRequest(
            account_id=admin.account_id,
            attribute=mpb.Attribute(
                name=body.name,
                type=body.type,
                label=body.label,
                description=body.description,
            ),
        ),
    )
    return as_dict(reply.attribute)


@router.get(
    "/attributes",
    summary="List Attributes",
    responses=answer(200, {"attributes": [ATTRIBUTE]}),
)
async def list_attributes(admin: AdminDep, state: StateDep) -> dict[str, object]:
    reply = await call(
        state.clients.mapping.ListAttributes,
        mpb.ListAttributesRequest(account_id=admin.account_id),
    )
    return {"attributes": [as_dict(a) for a in reply.attributes]}


@router.patch(
    "/attributes/{name}",
    summary="Change an Attribute's type, label or description",
    responses=answer(200, {**ATTRIBUTE, "label": "E-mail"}),
)
async def update_attribute(
    name: str,
    body: Annotated[
        AttributePatch,
        Body(openapi_examples=body_examples(label=("New label", {"label": "E-mail"}))),
    ],
    admin: AdminDep,
    state: StateDep,
) -> dict[str, object]:
    request = mpb.UpdateAttributeRequest(account_id=admin.account_id, name=name)
    for field in ("type", "label", "description"):
        if getattr(body, field) is not None:
            setattr(request, field, getattr(body, field))
    reply = await call(state.clients.mapping.UpdateAttribute, request)
    return as_dict(reply.attribute)


@router.delete(
    "/attributes/{name}",
    status_code=204,
    summary="Delete an Attribute (409 listing its uses when in use)",
    responses={204: {"description": "Deleted"}},
)
async def delete_attribute(name: str, admin: AdminDep, state: StateDep) -> Response:
    await call(
        state.clients.mapping.DeleteAttribute,
        mpb.DeleteAttributeRequest(account_id=admin.account_id, name=name),
    )
    return Response(status_code=204)


async def require_hub(state: StateDep, account_id: str, hub: str) -> None:
    await call(
        state.clients.registry.GetHub,
        rpb.GetHubRequest(account_id=account_id, name=hub),
    )


def json_body(example: object) -> dict[str, object]:
    """``openapi_extra`` for a route that reads its JSON body itself."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"type": "object"}, "example": example}
            },
        }
    }


@router.get(
    "/hubs/{hub}/schema",
    summary="Export the hub's data schema with its mappings (the JSON view)",
    responses=answer(200, SCHEMA),
)
async def get_schema(hub: str, admin: AdminDep, state: StateDep) -> Response:
    await require_hub(state, admin.account_id, hub)
    reply = await call(
        state.clients.mapping.GetSchema,
        mpb.GetSchemaRequest(account_id=admin.account_id, hub_name=hub),
    )
    return Response(reply.schema_json, media_type="application/json")


async def _utf8(request: Request) -> str:
    try:
        return (await request.body()).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput("the body is not UTF-8", pointer="") from exc


@router.put(
    "/hubs/{hub}/schema",
    summary="Import a data schema; replaces the schema whole",
    description="Mappings to Attributes that do not exist in this environment "
    "are dropped and listed in `dropped`.",
    openapi_extra=json_body(
        {"objects": {"Contact": {"Email": "customer_email", "Fax": None}}}
    ),
    responses=answer(200, {"schema": SCHEMA, "dropped": []}),
)
async def import_schema(
    hub: str, request: Request, admin: AdminDep, state: StateDep
) -> dict[str, object]:
    await require_hub(state, admin.account_id, hub)
    text = await _utf8(request)
    reply = await call(
        state.clients.mapping.ImportSchema,
        mpb.ImportSchemaRequest(
            account_id=admin.account_id, hub_name=hub, schema_json=text
        ),
    )
    return {
        "schema": json.loads(reply.schema_json),
        "dropped": json.loads(reply.dropped_json),
    }


@router.post(
    "/hubs/{hub}/schema/operations",
    response_model=None,
    summary="Edit the schema: add/rename/delete objects and keys, map and unmap keys",
    description="Deleting an object that has keys answers a 409 problem with "
    "`confirm_required` and the `keys` it would remove; send the operation "
    "again with `confirm: true`.",
    openapi_extra=json_body(
        {
            "op": "map_key",
            "object": "Contact",
            "key": "Email",
            "attribute": "customer_email",
        }
    ),
    responses=answer(200, {"schema": SCHEMA}),
)
async def edit_schema(
    hub: str, request: Request, admin: AdminDep, state: StateDep
) -> Response | dict[str, object]:
    await require_hub(state, admin.account_id, hub)
    text = await _utf8(request)
    reply = await call(
        state.clients.mapping.EditSchema,
        mpb.EditSchemaRequest(
            account_id=admin.account_id, hub_name=hub, operation_json=text
        ),
    )
    if reply.pending_json:
        return problems.problem(
            409,
            "deleting this object removes these keys; send the operation again "
            'with "confirm": true',
            type_=f"{problems.TYPE_BASE}confirm_required",
            instance=request.url.path,
            confirm_required=True,
            keys=json.loads(reply.pending_json),
        )
    return {"schema": json.loads(reply.schema_json)}


@router.post(
    "/hubs/{hub}/import",
    summary="Import now: read objects and fields from the app",
    description="Calls the app at the hub's Connectivity URL. An app that "
    "cannot be reached is a 503; one that answers wrongly a 502.",
    responses={
        **answer(
            200,
            {
                "hub": "crm_hub",
                "imported_at": "2026-12-03T17:20:11Z",
                "first_import": False,
                "objects": IMPORTED["objects"],
                "added": [{"object": "Contact", "field": "Email"}],
                "removed": [{"object": "Lead"}],
                "type_changed": [
                    {
                        "object": "Contact",
                        "field": "Age",
                        "from": "string",
                        "to": "integer",
                    }
                ],
                "writable_changed": [],
                "broken_sources": [],
                "repaired_sources": [],
                "readonly_sources": [],
            },
        ),
        502: {"description": "The app answered, but not as the contract says"},
    },
)
async def import_now(hub: str, admin: AdminDep, state: StateDep) -> dict[str, object]:
    await require_hub(state, admin.account_id, hub)
    reply = await call(
        state.clients.mapping.ImportNow,
        mpb.ImportNowRequest(account_id=admin.account_id, hub_name=hub),
        timeout=60,
    )
    return json.loads(reply.report_json)  # type: ignore[no-any-return]


@router.get(
    "/hubs/{hub}/objects",
    summary="Objects and fields of the last import",
    responses=answer(200, IMPORTED),
)
async def imported_objects(
    hub: str, admin: AdminDep, state: StateDep
) -> dict[str, object]:
    await require_hub(state, admin.account_id, hub)
    reply = await call(
        state.clients.mapping.ListImportedObjects,
        mpb.ListImportedObjectsRequest(account_id=admin.account_id, hub_name=hub),
    )
    # The mapping service answers {"hub", "imported_at", "objects": [...]}.
    return json.loads(reply.objects_json)  # type: ignore[no-any-return]


class SourceIn(BaseModel):
    hub_name: str = Field(examples=["crm_hub"])
    object: str = Field(examples=["Contact"])
    field: str = Field(examples=["Email"])
    updatable: bool = False


@router.post(
    "/attributes/{name}/sources",
    status_code=201,
    summary="Add a source (hub, object, field, updatable) to an Attribute",
    responses=answer(201, SOURCE),
)
async def add_source(
    name: str,
    body: Annotated[
        SourceIn,
        Body(
            openapi_examples=body_examples(
                updatable=(
                    "Contact.Email of crm_hub, written back on change",
                    {
                        "hub_name": "crm_hub",
                        "object": "Contact",
                        "field": "Email",
                        "updatable": True,
                    },
                )
            )
        ),
    ],
    admin: AdminDep,
    state: StateDep,
) -> dict[str, object]:
    await require_hub(state, admin.account_id, body.hub_name)
    reply = await call(
        state.clients.mapping.AddSource,
        mpb.AddSourceRequest(
            account_id=admin.account_id,
            source=mpb.Source(
                attribute=name,
                hub_name=body.hub_name,
                object=body.object,
                field=body.field,
                updatable=body.updatable,
            ),
        ),
    )
    return as_dict(reply.source)


@router.get(
    "/attributes/{name}/sources",
    summary="An Attribute's sources",
    responses=answer(200, {"sources": [SOURCE]}),
)
async def list_sources(
    name: str, admin: AdminDep, state: StateDep
) -> dict[str, object]:
    reply = await call(
        state.clients.mapping.ListSources,
        mpb.ListSourcesRequest(account_id=admin.account_id, attribute=name),
    )
    return {"sources": [as_dict(s) for s in reply.sources]}


@router.delete(
    "/attributes/{name}/sources/{hub}",
    status_code=204,
    summary="Remove an Attribute's source on a hub",
    responses={204: {"description": "Removed"}},
)
async def remove_source(
    name: str, hub: str, admin: AdminDep, state: StateDep
) -> Response:
    await call(
        state.clients.mapping.RemoveSource,
        mpb.RemoveSourceRequest(
            account_id=admin.account_id, attribute=name, hub_name=hub
        ),
    )
    return Response(status_code=204)


@router.get(
    "/sources",
    summary="Every source of the account, optionally of one hub",
    responses=answer(200, {"sources": [SOURCE]}),
)
async def all_sources(
    admin: AdminDep,
    state: StateDep,
    hub: Annotated[str, Query(max_length=64, examples=["crm_hub"])] = "",
) -> dict[str, object]:
    reply = await call(
        state.clients.mapping.ListSources,
        mpb.ListSourcesRequest(account_id=admin.account_id, hub_name=hub),
    )
    return {"sources": [as_dict(s) for s in reply.sources]}
