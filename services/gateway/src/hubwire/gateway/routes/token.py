"""The OAuth2 client-credentials token endpoint of the public API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse

from hubwire.common.errors import Unauthenticated
from hubwire.common.grpcutil import call
from hubwire.gateway.deps import StateDep, charge, decode_basic
from hubwire.gateway.openapi_examples import answer
from hubwire.gateway.problems import problem
from hubwire.gateway.public_models import TokenOut
from hubwire.rpc.registry.v1 import registry_pb2 as rpb

router = APIRouter(tags=["public"])


@router.post(
    "/oauth/token",
    response_model=TokenOut,
    summary="OAuth2 client-credentials grant",
    description="The client authenticates with HTTP Basic `client_id:api_key` "
    "(or the form fields client_id and client_secret) and gets a bearer token "
    "for the public API.",
    openapi_extra={"security": [{"ClientKey": []}, {}]},
    responses=answer(
        200,
        {"access_token": "hwc_9Qm2…", "token_type": "Bearer", "expires_in": 3600},
    ),
)
async def token(
    request: Request,
    state: StateDep,
    grant_type: Annotated[str, Form(examples=["client_credentials"])],
    client_id: Annotated[str | None, Form(max_length=200)] = None,
    client_secret: Annotated[str | None, Form(max_length=500)] = None,
) -> TokenOut | JSONResponse:
    # Errors stay problem documents, with the RFC 6749 "error" code added so
    # that OAuth2 client libraries understand them too.
    if grant_type != "client_credentials":
        return oauth_problem(
            request,
            400,
            "unsupported_grant_type",
            "grant_type must be client_credentials",
        )
    try:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "basic" and value:
            client_id, client_secret = decode_basic(value.strip())
        if not client_id or not client_secret:
            raise Unauthenticated("client authentication is required")
        reply = await call(
            state.clients.registry.IssueToken,
            rpb.IssueTokenRequest(client_id=client_id, api_key=client_secret),
        )
    except Unauthenticated as exc:
        return oauth_problem(request, 401, "invalid_client", exc.detail)
    charge(request, state, f"client:{client_id}")
    return TokenOut(access_token=reply.access_token, expires_in=reply.expires_in)


def oauth_problem(
    request: Request, status: int, error: str, detail: str
) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Basic realm="hubwire"'} if status == 401 else None
    return problem(
        status,
        detail,
        type_=f"https://hubwire.dev/problems/{error}",
        instance=request.url.path,
        headers=headers,
        error=error,
    )
