"""Admin API: login, hubs, credentials, signing secrets, connectivity,
destinations, audit log and the blocked-services list."""

from __future__ import annotations

import contextlib
from typing import Annotated

from fastapi import APIRouter, Body, Query, Response
from google.protobuf.json_format import MessageToDict
from pydantic import BaseModel, Field

from hubwire.common.errors import HubwireError, NotFound, PermissionDenied
from hubwire.common.grpcutil import call
from hubwire.gateway.deps import AdminDep, StateDep
from hubwire.rpc.mapping.v1 import mapping_pb2 as mpb
from hubwire.rpc.registry.v1 import registry_pb2 as rpb

router = APIRouter(prefix="/admin/v1", tags=["admin"])


def as_dict(message: object) -> dict[str, object]:
    return MessageToDict(
        message,  # type: ignore[arg-type]
        preserving_proto_field_name=True,
        always_print_fields_with_no_presence=True,
    )


class LoginIn(BaseModel):
    account: str = Field(examples=["demo"])
    username: str = Field(examples=["admin"])
    password: str = Field(examples=["correct horse battery staple"])


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int


@router.post("/login", response_model=TokenOut, summary="Log in as an admin user")
async def login(body: LoginIn, state: StateDep) -> TokenOut:
    reply = await call(
        state.clients.registry.Login,
        rpb.LoginRequest(
            account_id=body.account, username=body.username, password=body.password
        ),
    )
    return TokenOut(access_token=reply.access_token, expires_in=reply.expires_in)


class HubIn(BaseModel):
    name: str = Field(
        examples=["crm_hub"], description="lower-case letters and '_', 1-64"
    )
    description: str = Field(default="", max_length=1000, examples=["Our CRM"])


class HubPatch(BaseModel):
    description: str | None = Field(default=None, max_length=1000)
    active: bool | None = None


@router.post("/hubs", status_code=201, summary="Create a hub")
async def create_hub(
    body: HubIn, admin: AdminDep, state: StateDep
) -> dict[str, object]:
    reply = await call(
        state.clients.registry.CreateHub,
        rpb.CreateHubRequest(
            account_id=admin.account_id,
            name=body.name,
            description=body.description,
            actor=admin.username,
        ),
    )
    return as_dict(reply.hub)


@router.get("/hubs", summary="List the account's hubs")
async def list_hubs(admin: AdminDep, state: StateDep) -> dict[str, object]:
    reply = await call(
        state.clients.registry.ListHubs,
        rpb.ListHubsRequest(account_id=admin.account_id),
    )
    return {"hubs": [as_dict(h) for h in reply.hubs]}


@router.get("/hubs/{hub}", summary="Get a hub")
async def get_hub(hub: str, admin: AdminDep, state: StateDep) -> dict[str, object]:
    reply = await call(
        state.clients.registry.GetHub,
        rpb.GetHubRequest(account_id=admin.account_id, name=hub),
    )
    return as_dict(reply.hub)


@router.patch(
    "/hubs/{hub}", summary="Change a hub's description, deactivate or activate it"
)
async def update_hub(
    hub: str, body: HubPatch, admin: AdminDep, state: StateDep
) -> dict[str, object]:
    request = rpb.UpdateHubRequest(
        account_id=admin.account_id, name=hub, actor=admin.username
    )
    if body.description is not None:
        request.description = body.description
    if body.active is not None:
        request.active = body.active
    reply = await call(state.clients.registry.UpdateHub, request)
    return as_dict(reply.hub)


@router.delete(
    "/hubs/{hub}", status_code=204, summary="Delete a hub and everything it owns"
)
async def delete_hub(hub: str, admin: AdminDep, state: StateDep) -> Response:
    """The registry deletes the hub, its credentials, tokens, connectivity
    and destinations; then the mapping service deletes its mappings. If that
    second call fails, the hub is gone already: a retry of this request
    answers 404 but still removes the mappings (the call is idempotent and
    scoped to the caller's account), so retrying until 204 or 404 converges.
    """
    try:
        await call(
            state.clients.registry.DeleteHub,
            rpb.DeleteHubRequest(
                account_id=admin.account_id, name=hub, actor=admin.username
            ),
        )
    except NotFound:
        with contextlib.suppress(HubwireError):
            await _delete_mappings(state, admin.account_id, hub)
        raise
    await _delete_mappings(state, admin.account_id, hub)
    return Response(status_code=204)


async def _delete_mappings(state: StateDep, account_id: str, hub: str) -> None:
    await call(
        state.clients.mapping.DeleteHubMappings,
        mpb.DeleteHubMappingsRequest(account_id=account_id, hub_name=hub),
    )


class ReAuthIn(BaseModel):
    """The logged-in admin's own username and password, given again."""

    username: str
    password: str


class GenerateIn(ReAuthIn):
    api_password: str = Field(description="chosen by the admin; at least 12 characters")


class RefreshIn(ReAuthIn):
    new_api_password: str


@router.post(
    "/hubs/{hub}/credentials",
    status_code=201,
    summary="Generate (or regenerate) API credentials; needs re-authentication",
)
async def generate_credentials(
    hub: str, body: GenerateIn, admin: AdminDep, state: StateDep
) -> dict[str, object]:
    reply = await call(
        state.clients.registry.GenerateCredentials,
        rpb.GenerateCredentialsRequest(
            account_id=admin.account_id,
            hub_name=hub,
            reauth=rpb.ReAuth(username=body.username, password=body.password),
            api_password=body.api_password,
            actor=admin.username,
        ),
    )
    return as_dict(reply)


@router.post(
    "/hubs/{hub}/credentials/reveal",
    summary="Reveal the API Key; needs re-authentication",
)
async def reveal_api_key(
    hub: str, body: ReAuthIn, admin: AdminDep, state: StateDep
) -> dict[str, object]:
    reply = await call(
        state.clients.registry.RevealApiKey,
        rpb.RevealApiKeyRequest(
            account_id=admin.account_id,
            hub_name=hub,
            reauth=rpb.ReAuth(username=body.username, password=body.password),
            actor=admin.username,
        ),
    )
    return as_dict(reply)


@router.post(
    "/hubs/{hub}/credentials/password",
    status_code=204,
    summary="Refresh the API Password; the old one stops working at once",
)
async def refresh_api_password(
    hub: str, body: RefreshIn, admin: AdminDep, state: StateDep
) -> Response:
    await call(
        state.clients.registry.RefreshApiPassword,
        rpb.RefreshApiPasswordRequest(
            account_id=admin.account_id,
            hub_name=hub,
            reauth=rpb.ReAuth(username=body.username, password=body.password),
            new_api_password=body.new_api_password,
            actor=admin.username,
        ),
    )
    return Response(status_code=204)


@router.get("/hubs/{hub}/signing-secret", summary="The hub's webhook signing secret(s)")
async def signing_secret(
    hub: str, admin: AdminDep, state: StateDep
) -> dict[str, object]:
    reply = await call(
        state.clients.registry.GetSigningSecret,
        rpb.GetSigningSecretRequest(account_id=admin.account_id, hub_name=hub),
    )
    return as_dict(reply)


@router.post(
    "/hubs/{hub}/signing-secret/rotate",
    summary="Rotate the signing secret; the old one keeps signing for the grace period",
)
async def rotate_signing_secret(
    hub: str, admin: AdminDep, state: StateDep
) -> dict[str, object]:
    reply = await call(
        state.clients.registry.RotateSigningSecret,
        rpb.RotateSigningSecretRequest(
            account_id=admin.account_id, hub_name=hub, actor=admin.username
        ),
    )
    return as_dict(reply)


class HeaderIn(BaseModel):
    name: str
    value: str


class ConnectivityIn(BaseModel):
    url: str = Field(examples=["https://crm.example.com/hubwire/objects"])
    username: str = ""
    password: str | None = Field(
        default=None, description="omit to keep the stored one"
    )
    headers: list[HeaderIn] = Field(default_factory=list, max_length=50)


@router.put(
    "/hubs/{hub}/connectivity", summary="Set the app's URL, credentials and headers"
)
async def set_connectivity(
    hub: str, body: ConnectivityIn, admin: AdminDep, state: StateDep
) -> dict[str, object]:
    request = rpb.SetConnectivityRequest(
        account_id=admin.account_id,
        hub_name=hub,
        url=body.url,
        username=body.username,
        headers=[rpb.Header(name=h.name, value=h.value) for h in body.headers],
        actor=admin.username,
    )
    if body.password is not None:
        request.password = body.password
    reply = await call(state.clients.registry.SetConnectivity, request)
    return as_dict(reply.connectivity)


@router.get("/hubs/{hub}/connectivity", summary="The app connection; secrets masked")
async def get_connectivity(
    hub: str, admin: AdminDep, state: StateDep
) -> dict[str, object]:
    reply = await call(
        state.clients.registry.GetConnectivity,
        rpb.GetConnectivityRequest(account_id=admin.account_id, hub_name=hub),
    )
    return as_dict(reply.connectivity)


class DestinationIn(BaseModel):
    url: str = Field(examples=["https://hooks.example.com/hubwire"])
    username: str = ""
    password: str | None = Field(
        default=None, description="omit to keep the stored one"
    )


@router.get(
    "/hubs/{hub}/destinations",
    summary="Every catalog event type with its destination, configured or not",
)
async def list_destinations(
    hub: str, admin: AdminDep, state: StateDep
) -> dict[str, object]:
    reply = await call(
        state.clients.registry.ListDestinations,
        rpb.ListDestinationsRequest(account_id=admin.account_id, hub_name=hub),
    )
    return {"destinations": [as_dict(d) for d in reply.destinations]}


@router.put(
    "/hubs/{hub}/destinations/{event_type}", summary="Set the webhook of one event type"
)
async def set_destination(
    hub: str, event_type: str, body: DestinationIn, admin: AdminDep, state: StateDep
) -> dict[str, object]:
    request = rpb.SetDestinationRequest(
        account_id=admin.account_id,
        hub_name=hub,
        event_type=event_type,
        url=body.url,
        username=body.username,
        actor=admin.username,
    )
    if body.password is not None:
        request.password = body.password
    reply = await call(state.clients.registry.SetDestination, request)
    return as_dict(reply.destination)


@router.delete(
    "/hubs/{hub}/destinations/{event_type}",
    status_code=204,
    summary="Remove the webhook of one event type",
)
async def delete_destination(
    hub: str, event_type: str, admin: AdminDep, state: StateDep
) -> Response:
    await call(
        state.clients.registry.DeleteDestination,
        rpb.DeleteDestinationRequest(
            account_id=admin.account_id,
            hub_name=hub,
            event_type=event_type,
            actor=admin.username,
        ),
    )
    return Response(status_code=204)


@router.get("/audit-log", summary="Security actions of the account, newest first")
async def audit_log(
    admin: AdminDep,
    state: StateDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    hub: Annotated[str, Query(description="only this hub's entries")] = "",
) -> dict[str, object]:
    reply = await call(
        state.clients.registry.ListAuditLog,
        rpb.ListAuditLogRequest(account_id=admin.account_id, limit=limit, hub_name=hub),
    )
    return {"entries": [as_dict(e) for e in reply.entries]}


@router.get(
    "/blocked-services", summary="Webhook-inspection services refused as destinations"
)
async def blocked_services(admin: AdminDep, state: StateDep) -> dict[str, object]:
    reply = await call(
        state.clients.registry.ListBlockedServices, rpb.ListBlockedServicesRequest()
    )
    return {"domains": list(reply.domains)}


@router.post("/blocked-services", summary="Add a service; its destinations are removed")
async def add_blocked_service(
    admin: AdminDep, state: StateDep, domain: Annotated[str, Body(embed=True)]
) -> dict[str, object]:
    # The list is shared by every account and removing destinations reaches
    # across accounts, so only the operator's accounts may add to it.
    if admin.account_id not in state.settings.operator_account_ids():
        raise PermissionDenied(
            "only operator accounts may change the blocked-services list"
        )
    reply = await call(
        state.clients.registry.AddBlockedService,
        rpb.AddBlockedServiceRequest(domain=domain, actor=admin.username),
    )
    return as_dict(reply)
