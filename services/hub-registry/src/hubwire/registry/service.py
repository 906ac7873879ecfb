"""The registry's gRPC API: each method validates, calls the store, maps."""

from __future__ import annotations

from typing import Any

import grpc

from hubwire.common.errors import InvalidInput
from hubwire.common.grpcutil import rpc_errors
from hubwire.common.times import iso
from hubwire.registry.models import Credential, Destination, Hub
from hubwire.registry.rules import MASKED
from hubwire.registry.store import ReAuth, Registry
from hubwire.rpc.registry.v1 import registry_pb2 as pb
from hubwire.rpc.registry.v1 import registry_pb2_grpc

Ctx = grpc.aio.ServicerContext


def hub_message(hub: Hub, cred: Credential | None = None) -> pb.Hub:
    return pb.Hub(
        account_id=hub.account_id,
        name=hub.name,
        description=hub.description,
        active=hub.active,
        created_at=iso(hub.created_at),
        has_credentials=cred is not None,
        client_id=cred.client_id if cred else "",
    )


def destination_message(
    hub_name: str, event_type: str, description: str, row: Destination | None
) -> pb.Destination:
    if row is None:
        return pb.Destination(
            hub_name=hub_name,
            event_type=event_type,
            description=description,
            configured=False,
        )
    return pb.Destination(
        id=row.id,
        hub_name=hub_name,
        event_type=event_type,
        url=row.url,
        username=row.username,
        has_password=bool(row.password_enc),
        configured=True,
        disabled=row.disabled,
        disabled_reason=row.disabled_reason,
        description=description,
    )


def _account(request: Any) -> str:
    if not request.account_id:
        raise InvalidInput("account_id is required", pointer="/account_id")
    return str(request.account_id)


def _reauth(request: Any) -> ReAuth:
    return ReAuth(
        username=request.reauth.username,
        password=request.reauth.password,
        actor=request.actor,
    )


class RegistryServicer(registry_pb2_grpc.RegistryServiceServicer):
    def __init__(self, registry: Registry) -> None:
        self.r = registry

    @rpc_errors
    async def Login(self, request: pb.LoginRequest, context: Ctx) -> pb.LoginResponse:
        token = await self.r.login(
            _account(request), request.username, request.password
        )
        return pb.LoginResponse(
            access_token=token, expires_in=self.r.settings.admin_token_ttl_seconds
        )

    @rpc_errors
    async def AuthenticateAdmin(
        self, request: pb.AuthenticateAdminRequest, context: Ctx
    ) -> pb.AuthenticateAdminResponse:
        who = await self.r.authenticate_admin(request.access_token)
        return pb.AuthenticateAdminResponse(
            account_id=who.account_id, username=who.username
        )

    @rpc_errors
    async def CreateHub(
        self, request: pb.CreateHubRequest, context: Ctx
    ) -> pb.CreateHubResponse:
        hub = await self.r.create_hub(
            _account(request), request.name, request.description, actor=request.actor
        )
        return pb.CreateHubResponse(hub=hub_message(hub))

    @rpc_errors
    async def GetHub(
        self, request: pb.GetHubRequest, context: Ctx
    ) -> pb.GetHubResponse:
        hub = await self.r.get_hub(_account(request), request.name)
        return pb.GetHubResponse(hub=hub_message(hub, await self.r.credential_of(hub)))

    @rpc_errors
    async def ListHubs(
        self, request: pb.ListHubsRequest, context: Ctx
    ) -> pb.ListHubsResponse:
        rows = await self.r.list_hubs(_account(request))
        return pb.ListHubsResponse(hubs=[hub_message(h, c) for h, c in rows])

    @rpc_errors
    async def UpdateHub(
        self, request: pb.UpdateHubRequest, context: Ctx
    ) -> pb.UpdateHubResponse:
        hub = await self.r.update_hub(
            _account(request),
            request.name,
            description=request.description
            if request.HasField("description")
            else None,
            active=request.active if request.HasField("active") else None,
            actor=request.actor,
        )
        return pb.UpdateHubResponse(
            hub=hub_message(hub, await self.r.credential_of(hub))
        )

    @rpc_errors
    async def DeleteHub(
        self, request: pb.DeleteHubRequest, context: Ctx
    ) -> pb.DeleteHubResponse:
        await self.r.delete_hub(_account(request), request.name, actor=request.actor)
        return pb.DeleteHubResponse()

    @rpc_errors
    async def GenerateCredentials(
        self, request: pb.GenerateCredentialsRequest, context: Ctx
    ) -> pb.GenerateCredentialsResponse:
        issued = await self.r.generate_credentials(
            _account(request),
            request.hub_name,
            who=_reauth(request),
            api_password=request.api_password,
        )
        return pb.GenerateCredentialsResponse(
            client_id=issued.client_id,
            api_key=issued.api_key,
            api_password=issued.api_password,
        )

    @rpc_errors
    async def RevealApiKey(
        self, request: pb.RevealApiKeyRequest, context: Ctx
    ) -> pb.RevealApiKeyResponse:
        client_id, api_key = await self.r.reveal_api_key(
            _account(request),
            request.hub_name,
            who=_reauth(request),
        )
        return pb.RevealApiKeyResponse(client_id=client_id, api_key=api_key)

    @rpc_errors
    async def RefreshApiPassword(
        self, request: pb.RefreshApiPasswordRequest, context: Ctx
    ) -> pb.RefreshApiPasswordResponse:
        await self.r.refresh_api_password(
            _account(request),
            request.hub_name,
            who=_reauth(request),
            new_api_password=request.new_api_password,
        )
        return pb.RefreshApiPasswordResponse()

    @rpc_errors
    async def IssueToken(
        self, request: pb.IssueTokenRequest, context: Ctx
    ) -> pb.IssueTokenResponse:
        token, ttl = await self.r.issue_token(request.client_id, request.api_key)
        return pb.IssueTokenResponse(access_token=token, expires_in=ttl)

    @rpc_errors
    async def AuthenticateClient(
        self, request: pb.AuthenticateClientRequest, context: Ctx
    ) -> pb.AuthenticateClientResponse:
        if request.WhichOneof("method") == "bearer_token":
            who = await self.r.authenticate_bearer(request.bearer_token)
        else:
            who = await self.r.authenticate_basic(
                request.basic.client_id, request.basic.api_password
            )
        return pb.AuthenticateClientResponse(
            account_id=who.account_id, hub_name=who.hub_name, client_id=who.client_id
        )

    @rpc_errors
    async def GetSigningSecret(
        self, request: pb.GetSigningSecretRequest, context: Ctx
    ) -> pb.GetSigningSecretResponse:
        secret, previous, expires = await self.r.signing_secrets(
            _account(request), request.hub_name
        )
        return pb.GetSigningSecretResponse(
            secret=secret,
            previous_secret=previous or "",
            previous_expires_at=iso(expires) if expires else "",
        )

    @rpc_errors
    async def RotateSigningSecret(
        self, request: pb.RotateSigningSecretRequest, context: Ctx
    ) -> pb.RotateSigningSecretResponse:
        secret, expires = await self.r.rotate_signing_secret(
            _account(request), request.hub_name, actor=request.actor
        )
        return pb.RotateSigningSecretResponse(
            secret=secret, previous_expires_at=iso(expires)
        )

    @rpc_errors
    async def SetConnectivity(
        self, request: pb.SetConnectivityRequest, context: Ctx
    ) -> pb.SetConnectivityResponse:
        await self.r.set_connectivity(
            _account(request),
            request.hub_name,
            url=request.url,
            username=request.username,
            password=request.password if request.HasField("password") else None,
            headers=[(h.name, h.value) for h in request.headers],
            actor=request.actor,
        )
        return pb.SetConnectivityResponse(
            connectivity=await self._connectivity(
                _account(request), request.hub_name, False
            )
        )

    @rpc_errors
    async def GetConnectivity(
        self, request: pb.GetConnectivityRequest, context: Ctx
    ) -> pb.GetConnectivityResponse:
        return pb.GetConnectivityResponse(
            connectivity=await self._connectivity(
                _account(request), request.hub_name, request.include_secrets
            )
        )

    async def _connectivity(
        self, account_id: str, hub_name: str, clear: bool
    ) -> pb.Connectivity:
        row, password, headers = await self.r.get_connectivity(account_id, hub_name)
        if row is None:
            return pb.Connectivity(configured=False)
        return pb.Connectivity(
            url=row.url,
            username=row.username,
            configured=True,
            password=password if clear else (MASKED if password else ""),
            headers=[
                pb.Header(name=h["name"], value=h["value"] if clear else MASKED)
                for h in headers
            ],
        )

    @rpc_errors
    async def SetDestination(
        self, request: pb.SetDestinationRequest, context: Ctx
    ) -> pb.SetDestinationResponse:
        row = await self.r.set_destination(
            _account(request),
            request.hub_name,
            event_type=request.event_type,
            url=request.url,
            username=request.username,
            password=request.password if request.HasField("password") else None,
            actor=request.actor,
        )
        desc = self.r.catalog.get(request.event_type).description
        return pb.SetDestinationResponse(
            destination=destination_message(
                request.hub_name, request.event_type, desc, row
            )
        )

    @rpc_errors
    async def DeleteDestination(
        self, request: pb.DeleteDestinationRequest, context: Ctx
    ) -> pb.DeleteDestinationResponse:
        await self.r.delete_destination(
            _account(request), request.hub_name, request.event_type, actor=request.actor
        )
        return pb.DeleteDestinationResponse()

    @rpc_errors
    async def ListDestinations(
        self, request: pb.ListDestinationsRequest, context: Ctx
    ) -> pb.ListDestinationsResponse:
        rows = {
            d.event_type: d
            for d in await self.r.list_destinations(_account(request), request.hub_name)
        }
        return pb.ListDestinationsResponse(
            destinations=[
                destination_message(
                    request.hub_name,
                    name,
                    self.r.catalog.get(name).description,
                    rows.get(name),
                )
                for name in self.r.catalog.names()
            ]
        )

    @rpc_errors
    async def DisableDestination(
        self, request: pb.DisableDestinationRequest, context: Ctx
    ) -> pb.DisableDestinationResponse:
        await self.r.disable_destination(
            _account(request), request.destination_id, request.reason
        )
        return pb.DisableDestinationResponse()

    @rpc_errors
    async def ListAuditLog(
        self, request: pb.ListAuditLogRequest, context: Ctx
    ) -> pb.ListAuditLogResponse:
        entries = await self.r.audit_log(
            _account(request), request.limit, hub_name=request.hub_name
        )
        return pb.ListAuditLogResponse(
            entries=[
                pb.AuditEntry(
                    id=e.id,
                    at=iso(e.at),
                    actor=e.actor,
                    action=e.action,
                    hub_name=e.hub_name,
                    detail=e.detail,
                    success=e.success,
                )
                for e in entries
            ]
        )

    @rpc_errors
    async def ListBlockedServices(
        self, request: pb.ListBlockedServicesRequest, context: Ctx
    ) -> pb.ListBlockedServicesResponse:
        # A hand edit of the list file shows at once, and is applied.
        await self.r.reload_blocked_services()
        return pb.ListBlockedServicesResponse(
            domains=sorted(self.r.policy.blocked_domains)
        )

    @rpc_errors
    async def AddBlockedService(
        self, request: pb.AddBlockedServiceRequest, context: Ctx
    ) -> pb.AddBlockedServiceResponse:
        removed = await self.r.add_blocked_service(request.domain, actor=request.actor)
        return pb.AddBlockedServiceResponse(destinations_removed=removed)
