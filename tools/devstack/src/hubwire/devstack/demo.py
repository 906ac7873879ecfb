"""``make demo``: the main job end to end against the running stack.

An admin logs in, creates hub ``crm_hub``, generates its API credentials,
points ``session.created`` at a bundled webhook receiver (with Basic auth),
creates the Attribute ``customer_email`` and uploads a schema mapping
``Contact.Email`` to it. A client then takes an OAuth2 token, creates a session
with ``sourceName: crm_hub``, reads it back, and the receiver shows the
delivered, signature-verified webhook.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import sys
from pathlib import Path

import httpx

from hubwire.devstack.receiver import Receiver

HOOK_USER = "hook-user"


class DemoFailed(Exception):
    pass


def step(text: str) -> None:
    print(f"==> {text}", flush=True)


def expect(response: httpx.Response, status: int, what: str) -> dict[str, object]:
    if response.status_code != status:
        raise DemoFailed(f"{what}: HTTP {response.status_code} {response.text}")
    return response.json() if response.content else {}


async def run_demo(
    gateway: str, admin: dict[str, str], *, hub: str = "crm_hub"
) -> dict[str, object]:
    receiver = Receiver()
    hook_url = await receiver.start()
    hook_password = secrets.token_urlsafe(12)
    try:
        async with httpx.AsyncClient(base_url=gateway, timeout=30) as http:
            return await _path(http, receiver, hook_url, hook_password, admin, hub)
    finally:
        await receiver.stop()


async def _path(
    http: httpx.AsyncClient,
    receiver: Receiver,
    hook_url: str,
    hook_password: str,
    admin: dict[str, str],
    hub: str,
) -> dict[str, object]:
    step(f"admin {admin['username']} logs in to account {admin['account']}")
    login = expect(
        await http.post(
            "/admin/v1/login",
            json={
                "account": admin["account"],
                "username": admin["username"],
                "password": admin["password"],
            },
        ),
        200,
        "login",
    )
    auth = {"Authorization": f"Bearer {login['access_token']}"}

    step(f"create hub {hub}")
    created = await http.post(
        "/admin/v1/hubs", headers=auth, json={"name": hub, "description": "Demo CRM"}
    )
    if created.status_code not in (201, 409):
        raise DemoFailed(f"create hub: HTTP {created.status_code} {created.text}")

    step("generate API credentials (re-entering the admin password)")
    api_password = secrets.token_urlsafe(16)
    creds = expect(
        await http.post(
            f"/admin/v1/hubs/{hub}/credentials",
            headers=auth,
            json={
                "username": admin["username"],
                "password": admin["password"],
                "api_password": api_password,
            },
        ),
        201,
        "generate credentials",
    )
    print(f"    client_id={creds['client_id']}")

    step(f"point session.created at the bundled receiver {hook_url}")
    expect(
        await http.put(
            f"/admin/v1/hubs/{hub}/destinations/session.created",
            headers=auth,
            json={
                "url": f"{hook_url}/hooks/session-created",
                "username": HOOK_USER,
                "password": hook_password,
            },
        ),
        200,
        "set destination",
    )
    secret = expect(
        await http.get(f"/admin/v1/hubs/{hub}/signing-secret", headers=auth),
        200,
        "signing secret",
    )["secret"]

    step(
        "create Attribute customer_email and upload the schema "
        "Contact.Email -> customer_email"
    )
    attr = await http.post(
        "/admin/v1/attributes",
        headers=auth,
        json={"name": "customer_email", "type": "email", "label": "Email"},
    )
    if attr.status_code not in (201, 409):
        raise DemoFailed(f"create attribute: HTTP {attr.status_code} {attr.text}")
    expect(
        await http.put(
            f"/admin/v1/hubs/{hub}/schema",
            headers=auth,
            content=json.dumps({"objects": {"Contact": {"Email": "customer_email"}}}),
        ),
        200,
        "upload schema",
    )

    step("client takes an OAuth2 token with client_id:api_key")
    token = expect(
        await http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(str(creds["client_id"]), str(creds["api_key"])),
        ),
        200,
        "token",
    )
    client = {"Authorization": f"Bearer {token['access_token']}"}

    step("client creates a session with sourceName crm_hub")
    session = expect(
        await http.post(
            "/v21.1/sessions",
            headers=client,
            json={
                "customer": {"name": "Ada Lovelace", "email": "ada@example.com"},
                "sourceName": hub,
                "hubs": {"events": hub},
                "data": {"Contact": {"Email": "ada@example.com"}},
            },
        ),
        201,
        "create session",
    )
    print(f"    session {session['id']}")

    read = expect(
        await http.get(f"/v21.1/sessions/{session['id']}", headers=client),
        200,
        "read session",
    )
    print(f"    attributes: {json.dumps(read['attributes'])}")
    if read["attributes"].get("customer_email") != "ada@example.com":  # type: ignore[union-attr]
        raise DemoFailed("the session does not carry customer_email")

    step("waiting for the webhook")
    try:
        got = (await receiver.wait_for(1, timeout=30))[0]
    except TimeoutError as exc:
        raise DemoFailed("no webhook arrived within 30 s") from exc
    if got.basic != (HOOK_USER, hook_password):
        raise DemoFailed("the webhook did not carry the configured Basic credentials")
    if not got.verify(str(secret)):
        raise DemoFailed("the webhook signature did not verify")
    body = got.json()
    print(
        f"    webhook-id {got.headers.get('webhook-id')}, "
        "signature verified, Basic auth ok"
    )
    print(f"    body: {json.dumps(body)}")
    return body


def gateway_url(var_dir: Path) -> str:
    """``HUBWIRE_GATEWAY_URL``, else the URL `make run` recorded for the stack
    that owns ``var_dir`` — never a guess at whatever listens on 8080."""
    if os.environ.get("HUBWIRE_GATEWAY_URL"):
        return os.environ["HUBWIRE_GATEWAY_URL"]
    state = var_dir / "stack.json"
    if not state.exists():
        raise DemoFailed(f"{state} not found: start the stack with `make run` first")
    return str(json.loads(state.read_text())["gateway_url"])


def load_admin(var_dir: Path) -> dict[str, str]:
    path = var_dir / "admin.json"
    if not path.exists():
        raise DemoFailed(f"{path} not found: start the stack with `make run` first")
    return json.loads(path.read_text())  # type: ignore[no-any-return]


def main() -> int:
    var_dir = Path(os.environ.get("HUBWIRE_VAR_DIR", "var"))
    try:
        gateway = gateway_url(var_dir)
        print(f"gateway: {gateway}")
        asyncio.run(run_demo(gateway, load_admin(var_dir)))
    except DemoFailed as exc:
        print(f"demo FAILED: {exc}", file=sys.stderr)
        return 1
    except httpx.HTTPError as exc:
        print(f"demo FAILED: {exc} (is the stack running? `make run`)", file=sys.stderr)
        return 1
    print("demo OK: the session's webhook was delivered and verified")
    return 0
