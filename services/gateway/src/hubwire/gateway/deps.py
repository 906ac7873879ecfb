"""FastAPI dependencies: the app state, the current admin, the current client.

An authenticated caller is charged one request of its own rate limit here
(``client:<id>``, ``admin:<account>/<user>``); the middleware charges every
other request to its IP address.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.http import HTTPBase

from hubwire.common.db import Database
from hubwire.common.errors import Unauthenticated
from hubwire.common.grpcutil import call
from hubwire.gateway.clients import Clients
from hubwire.gateway.middleware import RATE_KEY
from hubwire.gateway.outbox import Relay
from hubwire.gateway.ratelimit import RateLimiter
from hubwire.gateway.settings import GatewaySettings
from hubwire.rpc.registry.v1 import registry_pb2 as rpb

bearer = HTTPBearer(
    auto_error=False,
    description="an admin token (POST /admin/v1/login) or a client token "
    "(POST /oauth/token)",
)
# HTTPBase, not HTTPBasic: the latter decodes as ASCII and would refuse API
# passwords with other characters; decode_basic reads UTF-8.
basic = HTTPBase(
    scheme="basic",
    scheme_name="HTTPBasic",
    auto_error=False,
    description="client_id:api_password",
)


@dataclass
class State:
    settings: GatewaySettings
    db: Database
    clients: Clients
    relay: Relay
    limiter: RateLimiter


def get_state(request: Request) -> State:
    return request.app.state.hubwire  # type: ignore[no-any-return]


StateDep = Annotated[State, Depends(get_state)]


@dataclass(frozen=True)
class Admin:
    account_id: str
    username: str


@dataclass(frozen=True)
class Client:
    account_id: str
    hub_name: str
    client_id: str


def _authorization(request: Request) -> tuple[str, str]:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return scheme.lower(), value.strip()


async def current_admin(
    request: Request,
    state: StateDep,
    _: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Admin:
    scheme, token = _authorization(request)
    if scheme != "bearer" or not token:
        raise Unauthenticated(
            "an admin access token is required (POST /admin/v1/login)"
        )
    who = await call(
        state.clients.registry.AuthenticateAdmin,
        rpb.AuthenticateAdminRequest(access_token=token),
    )
    admin = Admin(account_id=who.account_id, username=who.username)
    request.state.account_id = admin.account_id
    charge(request, state, f"admin:{admin.account_id}/{admin.username}")
    return admin


def charge(request: Request, state: State, key: str) -> None:
    """Count the request against its caller's rate limit (``RateLimited``
    when used up); the IP address is then not charged."""
    setattr(request.state, RATE_KEY, key)
    state.limiter.check(key)


async def current_client(
    request: Request,
    state: StateDep,
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    _basic: Annotated[HTTPAuthorizationCredentials | None, Depends(basic)],
) -> Client:
    scheme, value = _authorization(request)
    if scheme == "bearer" and value:
        req = rpb.AuthenticateClientRequest(bearer_token=value)
    elif scheme == "basic" and value:
        client_id, password = decode_basic(value)
        req = rpb.AuthenticateClientRequest(
            basic=rpb.BasicCredentials(client_id=client_id, api_password=password)
        )
    else:
        raise Unauthenticated(
            "a bearer token (POST /oauth/token) or HTTP Basic client_id:api_password "
            "is required"
        )
    who = await call(state.clients.registry.AuthenticateClient, req)
    client = Client(
        account_id=who.account_id, hub_name=who.hub_name, client_id=who.client_id
    )
    request.state.account_id = client.account_id
    request.state.hub = client.hub_name
    charge(request, state, f"client:{client.client_id}")
    return client


def decode_basic(value: str) -> tuple[str, str]:
    """``user, password`` of a Basic credential. UTF-8 (RFC 7617's
    ``charset``), else ISO-8859-1, which many clients still send: the same
    password typed in either arrives as the same text."""
    try:
        raw = base64.b64decode(value, validate=True)
    except binascii.Error as exc:
        raise Unauthenticated("malformed HTTP Basic credentials") from exc
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        decoded = raw.decode("latin-1")
    user, sep, password = decoded.partition(":")
    if not sep:
        raise Unauthenticated("malformed HTTP Basic credentials")
    return user, password


AdminDep = Annotated[Admin, Depends(current_admin)]
ClientDep = Annotated[Client, Depends(current_client)]
