"""Every hub action through the gateway's admin API, on the real stack.

Accounts come from the registry's CLI (``Stack.create_account``). The stack
runs with the development outbound policy (loopback and http allowed), as
``make run`` does; the production policy is covered by the store tests.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
from nats.js.errors import KeyNotFoundError

from hubwire.common import bus
from hubwire.common.catalog import load_catalog
from hubwire.devstack.stack import Stack
from hubwire.registry.rules import HUB_NAME_RULE, MASKED

pytestmark = pytest.mark.e2e

API_PASSWORD = "api-password-0001"
HOOK = "https://hooks.example.com/hubwire"
WAIT = 10.0


@dataclass
class AdminSession:
    """An admin logged in through the API, with their own credentials."""

    http: httpx.AsyncClient
    account: str
    username: str
    password: str
    token: str = ""

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def me(self) -> dict[str, str]:
        return {"username": self.username, "password": self.password}

    async def login(self) -> AdminSession:
        reply = await self.http.post(
            "/admin/v1/login",
            json={
                "account": self.account,
                "username": self.username,
                "password": self.password,
            },
        )
        assert reply.status_code == 200, reply.text
        self.token = reply.json()["access_token"]
        return self

    async def call(self, method: str, path: str, **kw: Any) -> httpx.Response:
        return await self.http.request(method, path, headers=self.auth, **kw)

    async def create_hub(self, name: str, description: str = "") -> dict[str, Any]:
        reply = await self.call(
            "POST", "/admin/v1/hubs", json={"name": name, "description": description}
        )
        assert reply.status_code == 201, reply.text
        hub: dict[str, Any] = reply.json()
        return hub

    async def generate(self, hub: str, api_password: str = API_PASSWORD) -> Any:
        reply = await self.call(
            "POST",
            f"/admin/v1/hubs/{hub}/credentials",
            json={**self.me, "api_password": api_password},
        )
        assert reply.status_code == 201, reply.text
        return reply.json()

    async def audit(self, **params: Any) -> list[dict[str, Any]]:
        reply = await self.call("GET", "/admin/v1/audit-log", params=params)
        assert reply.status_code == 200, reply.text
        entries: list[dict[str, Any]] = reply.json()["entries"]
        return entries


@pytest.fixture(scope="module")
def accounts(stack: Stack) -> dict[str, dict[str, str]]:
    """Two tenants; ``demo`` is also the operator's (the stack's default
    ``HUBWIRE_OPERATOR_ACCOUNTS``). Each account is a CLI run, slow on a busy
    machine, so two it is."""
    return {
        name: stack.create_account(name, admin)
        for name, admin in (("alpha", "alice"), ("demo", "ops"))
    }


@pytest.fixture
async def http(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=30) as client:
        yield client


async def logged_in(
    http: httpx.AsyncClient, accounts: dict[str, dict[str, str]], account: str
) -> AdminSession:
    created = accounts[account]
    session = AdminSession(http, account, created["username"], created["password"])
    return await session.login()


@pytest.fixture
async def alice(
    http: httpx.AsyncClient, accounts: dict[str, dict[str, str]]
) -> AdminSession:
    return await logged_in(http, accounts, "alpha")


@pytest.fixture
async def operator(
    http: httpx.AsyncClient, accounts: dict[str, dict[str, str]]
) -> AdminSession:
    return await logged_in(http, accounts, "demo")


async def client_status(http: httpx.AsyncClient, **kw: Any) -> int:
    """How the public API answers a client: 404 (authenticated; the session
    does not exist) or 401."""
    reply = await http.get("/v21.1/sessions/ses_does_not_exist", **kw)
    return reply.status_code


def bearer(token: str) -> dict[str, Any]:
    return {"headers": {"Authorization": f"Bearer {token}"}}


def basic(client_id: str, password: str) -> dict[str, Any]:
    return {"auth": (client_id, password)}


async def token_by_basic(http: httpx.AsyncClient, client_id: str, key: str) -> Any:
    return await http.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, key)
    )


async def token_by_form(http: httpx.AsyncClient, client_id: str, key: str) -> Any:
    return await http.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": key,
        },
    )


async def eventually(check: Any, *, timeout: float = WAIT, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.05)


# -- login and hubs ------------------------------------------------------------------


async def test_a_wrong_login_is_401_and_recorded_for_the_accounts_admins(
    http: httpx.AsyncClient, accounts: dict[str, dict[str, str]]
) -> None:
    wrong = await http.post(
        "/admin/v1/login",
        json={"account": "alpha", "username": "alice", "password": "guessed-wrong-1"},
    )
    alice = await logged_in(http, accounts, "alpha")

    assert wrong.status_code == 401
    assert wrong.json()["detail"] == "wrong account, username or password"
    entries = await alice.audit()
    failures = [e for e in entries if e["action"] == "login" and not e["success"]]
    assert failures and failures[0]["actor"] == "alice"
    assert "guessed-wrong-1" not in json.dumps(entries)


async def test_the_admin_api_needs_an_admin_token(http: httpx.AsyncClient) -> None:
    anonymous = await http.get("/admin/v1/hubs")
    forged = await http.get("/admin/v1/hubs", headers={"Authorization": "Bearer x"})

    assert (anonymous.status_code, forged.status_code) == (401, 401)


async def test_a_bad_hub_name_is_422_stating_the_rule_and_a_taken_one_is_409(
    alice: AdminSession,
) -> None:
    bad = await alice.call("POST", "/admin/v1/hubs", json={"name": "CRM-Hub"})
    await alice.create_hub("taken_hub")
    taken = await alice.call("POST", "/admin/v1/hubs", json={"name": "taken_hub"})

    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert HUB_NAME_RULE in bad.json()["detail"]
    assert bad.json()["pointer"] == "/name"
    assert taken.status_code == 409
    assert taken.json()["detail"] == "a hub named 'taken_hub' already exists"


async def test_an_admin_creates_reads_lists_changes_deactivates_and_deletes_a_hub(
    alice: AdminSession, stack: Stack
) -> None:
    nc = await nats.connect(f"nats://127.0.0.1:{stack.ports.nats}")
    kv = await bus.config_bucket(nc.jetstream())
    try:
        created = await alice.create_hub("life_hub", "first words")
        got = (await alice.call("GET", "/admin/v1/hubs/life_hub")).json()
        listed = (await alice.call("GET", "/admin/v1/hubs")).json()["hubs"]
        changed = await alice.call(
            "PATCH", "/admin/v1/hubs/life_hub", json={"description": "second words"}
        )
        off = await alice.call(
            "PATCH", "/admin/v1/hubs/life_hub", json={"active": False}
        )
        on = await alice.call("PATCH", "/admin/v1/hubs/life_hub", json={"active": True})
        published = await kv.get("alpha.life_hub")
        deleted = await alice.call("DELETE", "/admin/v1/hubs/life_hub")
        gone = await alice.call("GET", "/admin/v1/hubs/life_hub")

        async def key_deleted() -> bool:
            try:
                await kv.get("alpha.life_hub")
            except KeyNotFoundError:
                return True
            return False

        await eventually(key_deleted, timeout=1.0, what="the config key deletion")
    finally:
        await nc.close()

    assert (created["name"], created["active"], created["has_credentials"]) == (
        "life_hub",
        True,
        False,
    )
    assert got == created
    assert "life_hub" in [h["name"] for h in listed]
    assert changed.json()["description"] == "second words"
    assert (off.json()["active"], on.json()["active"]) == (False, True)
    assert json.loads(published.value)["hub"] == "life_hub"
    assert deleted.status_code == 204
    assert gone.status_code == 404
    assert gone.json()["detail"] == "hub 'life_hub' not found"
    actions = [e["action"] for e in await alice.audit(hub="life_hub")]
    assert actions == [
        "hub.delete",
        "hub.activate",
        "hub.deactivate",
        "hub.update",
        "hub.create",
    ]


# -- credentials ----------------------------------------------------------------------


async def test_wrong_reauthentication_is_401_generates_nothing_and_is_recorded(
    alice: AdminSession,
) -> None:
    await alice.create_hub("reauth_hub")

    reply = await alice.call(
        "POST",
        "/admin/v1/hubs/reauth_hub/credentials",
        json={
            "username": alice.username,
            "password": "not-alices-password",
            "api_password": API_PASSWORD,
        },
    )

    assert reply.status_code == 401
    hub = (await alice.call("GET", "/admin/v1/hubs/reauth_hub")).json()
    assert (hub["has_credentials"], hub["client_id"]) == (False, "")
    (entry,) = await alice.audit(hub="reauth_hub", limit=1)
    assert (entry["action"], entry["success"], entry["detail"]) == (
        "credentials.generate",
        False,
        "re-authentication failed",
    )


async def test_clients_use_tokens_from_basic_or_form_fields_or_the_api_password(
    alice: AdminSession, http: httpx.AsyncClient
) -> None:
    await alice.create_hub("client_hub")
    creds = await alice.generate("client_hub")
    client_id, key = creds["client_id"], creds["api_key"]

    by_basic = await token_by_basic(http, client_id, key)
    by_form = await token_by_form(http, client_id, key)
    wrong = await token_by_basic(http, client_id, API_PASSWORD)

    assert creds["api_password"] == API_PASSWORD
    assert by_basic.status_code == by_form.status_code == 200
    assert by_basic.json()["token_type"] == "Bearer"
    assert by_basic.json()["expires_in"] == 3600
    assert wrong.status_code == 401
    assert await client_status(http, **bearer(by_basic.json()["access_token"])) == 404
    assert await client_status(http, **bearer(by_form.json()["access_token"])) == 404
    assert await client_status(http, **basic(client_id, API_PASSWORD)) == 404
    assert await client_status(http, **basic(client_id, key)) == 401
    assert await client_status(http) == 401


async def test_revealing_the_api_key_needs_reauthentication(
    alice: AdminSession,
) -> None:
    await alice.create_hub("reveal_hub")
    creds = await alice.generate("reveal_hub")
    path = "/admin/v1/hubs/reveal_hub/credentials/reveal"

    refused = await alice.call(
        "POST", path, json={"username": alice.username, "password": "wrong-one-123"}
    )
    revealed = await alice.call("POST", path, json=alice.me)

    assert refused.status_code == 401
    assert revealed.json() == {
        "client_id": creds["client_id"],
        "api_key": creds["api_key"],
    }


async def test_regenerating_kills_the_old_key_and_its_tokens_at_once(
    alice: AdminSession, http: httpx.AsyncClient
) -> None:
    await alice.create_hub("regen_hub")
    old = await alice.generate("regen_hub")
    token = (await token_by_basic(http, old["client_id"], old["api_key"])).json()
    assert await client_status(http, **bearer(token["access_token"])) == 404

    new = await alice.generate("regen_hub", api_password="new-api-password-1")

    assert await client_status(http, **bearer(token["access_token"])) == 401
    assert (
        await token_by_basic(http, old["client_id"], old["api_key"])
    ).status_code == 401
    assert await client_status(http, **basic(old["client_id"], API_PASSWORD)) == 401
    fresh = await token_by_basic(http, new["client_id"], new["api_key"])
    assert await client_status(http, **bearer(fresh.json()["access_token"])) == 404


async def test_a_refreshed_api_password_must_differ_and_the_old_stops_at_once(
    alice: AdminSession, http: httpx.AsyncClient
) -> None:
    await alice.create_hub("refresh_hub")
    creds = await alice.generate("refresh_hub")
    path = "/admin/v1/hubs/refresh_hub/credentials/password"

    same = await alice.call(
        "POST", path, json={**alice.me, "new_api_password": API_PASSWORD}
    )
    short = await alice.call(
        "POST", path, json={**alice.me, "new_api_password": "short"}
    )
    done = await alice.call(
        "POST", path, json={**alice.me, "new_api_password": "refreshed-password-1"}
    )

    assert (same.status_code, short.status_code, done.status_code) == (422, 422, 204)
    assert "must differ" in same.json()["detail"]
    assert "12 to 256 characters" in short.json()["detail"]
    client_id = creds["client_id"]
    assert await client_status(http, **basic(client_id, API_PASSWORD)) == 401
    assert await client_status(http, **basic(client_id, "refreshed-password-1")) == 404


async def test_a_deactivated_or_deleted_hubs_credentials_and_tokens_stop_working(
    alice: AdminSession, http: httpx.AsyncClient
) -> None:
    await alice.create_hub("off_hub")
    creds = await alice.generate("off_hub")
    client_id, key = creds["client_id"], creds["api_key"]
    token = (await token_by_basic(http, client_id, key)).json()["access_token"]

    async def statuses() -> tuple[int, int, int]:
        return (
            await client_status(http, **bearer(token)),
            await client_status(http, **basic(client_id, API_PASSWORD)),
            (await token_by_basic(http, client_id, key)).status_code,
        )

    await alice.call("PATCH", "/admin/v1/hubs/off_hub", json={"active": False})
    deactivated = await statuses()
    await alice.call("PATCH", "/admin/v1/hubs/off_hub", json={"active": True})
    activated = await statuses()
    await alice.call("DELETE", "/admin/v1/hubs/off_hub")
    deleted = await statuses()

    assert deactivated == (401, 401, 401)
    assert activated == (404, 404, 200)
    assert deleted == (401, 401, 401)


# -- cross-account --------------------------------------------------------------


async def test_another_accounts_hub_answers_exactly_like_a_hub_that_does_not_exist(
    alice: AdminSession, operator: AdminSession
) -> None:
    ops = operator  # the operator's account is a tenant like any other
    await alice.create_hub("alpha_only", "alice's")
    await alice.generate("alpha_only")
    hub = "/admin/v1/hubs/alpha_only"
    probes: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", hub, {}),
        ("PATCH", hub, {"json": {"description": "ops was here", "active": False}}),
        (
            "POST",
            f"{hub}/credentials",
            {"json": {**ops.me, "api_password": API_PASSWORD}},
        ),
        ("POST", f"{hub}/credentials/reveal", {"json": ops.me}),
        (
            "POST",
            f"{hub}/credentials/password",
            {"json": {**ops.me, "new_api_password": "ops-password-001"}},
        ),
        ("GET", f"{hub}/signing-secret", {}),
        ("POST", f"{hub}/signing-secret/rotate", {}),
        ("GET", f"{hub}/connectivity", {}),
        ("PUT", f"{hub}/connectivity", {"json": {"url": HOOK}}),
        ("GET", f"{hub}/destinations", {}),
        ("PUT", f"{hub}/destinations/session.created", {"json": {"url": HOOK}}),
        ("DELETE", f"{hub}/destinations/session.created", {}),
        ("DELETE", hub, {}),
    ]

    async def answers() -> list[tuple[int, Any]]:
        replies = [await ops.call(m, path, **kw) for m, path, kw in probes]
        return [(r.status_code, r.json()) for r in replies]

    while_it_exists = await answers()
    untouched = (await alice.call("GET", hub)).json()
    alices_log = await alice.audit(hub="alpha_only")
    await alice.call("DELETE", hub)
    once_it_is_gone = await answers()

    assert while_it_exists == once_it_is_gone
    assert {status for status, _ in while_it_exists} == {404}
    assert {body["detail"] for _, body in while_it_exists} == {
        "hub 'alpha_only' not found"
    }
    assert (untouched["description"], untouched["active"]) == ("alice's", True)
    assert {e["actor"] for e in alices_log} == {"alice"}
    ops_view = (await ops.call("GET", "/admin/v1/hubs")).json()["hubs"]
    assert "alpha_only" not in [h["name"] for h in ops_view]
    assert "alpha_only" not in json.dumps(await ops.audit())


# -- connectivity and destinations ----------------------------------------------


def registry_db_bytes(stack: Stack) -> bytes:
    path = stack.var_dir / "registry.db"
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


async def test_connectivity_secrets_are_masked_in_answers_and_encrypted_at_rest(
    alice: AdminSession, stack: Stack
) -> None:
    await alice.create_hub("app_hub")
    body = {
        "url": "https://crm.example.com/api",
        "username": "hubwire",
        "password": "app-password-0001",
        "headers": [{"name": "X-Api-Token", "value": "header-secret-0001"}],
    }

    saved = await alice.call("PUT", "/admin/v1/hubs/app_hub/connectivity", json=body)
    got = await alice.call("GET", "/admin/v1/hubs/app_hub/connectivity")
    bad_header = await alice.call(
        "PUT",
        "/admin/v1/hubs/app_hub/connectivity",
        json={**body, "headers": [{"name": "Bad Header", "value": "x"}]},
    )

    expected = {
        "url": "https://crm.example.com/api",
        "username": "hubwire",
        "password": MASKED,
        "headers": [{"name": "X-Api-Token", "value": MASKED}],
        "configured": True,
    }
    assert saved.json() == expected
    assert got.json() == expected
    assert bad_header.status_code == 422
    assert bad_header.json()["pointer"] == "/headers/0/name"
    stored = registry_db_bytes(stack)
    assert b"app-password-0001" not in stored
    assert b"header-secret-0001" not in stored


async def test_destinations_list_every_catalog_event_and_never_return_a_password(
    alice: AdminSession, stack: Stack
) -> None:
    await alice.create_hub("dest_hub")

    saved = await alice.call(
        "PUT",
        "/admin/v1/hubs/dest_hub/destinations/form.submitted",
        json={"url": HOOK, "username": "receiver", "password": "dest-password-0001"},
    )
    listed = (await alice.call("GET", "/admin/v1/hubs/dest_hub/destinations")).json()

    assert saved.status_code == 200, saved.text
    assert "dest-password-0001" not in saved.text + json.dumps(listed)
    rows = {d["event_type"]: d for d in listed["destinations"]}
    assert list(rows) == load_catalog().names()
    assert {k: rows["form.submitted"][k] for k in ("url", "username")} == {
        "url": HOOK,
        "username": "receiver",
    }
    assert rows["form.submitted"]["has_password"] is True
    configured = [name for name, d in rows.items() if d["configured"]]
    assert configured == ["form.submitted"]
    assert all(d["description"] for d in rows.values())
    assert b"dest-password-0001" not in registry_db_bytes(stack)


REFUSED = {
    "http://169.254.169.254/latest/meta-data/": "metadata",
    "https://webhook.site/3b1c0c5e": "blocked inspection service",
    "ftp://example.com/hook": "scheme 'ftp' is not allowed",
    "not a url": "whitespace",
    "https://user:pw@hooks.example.com/x": "credentials in the URL",
}


async def test_a_destination_on_a_refused_address_is_422_saying_why(
    alice: AdminSession,
) -> None:
    await alice.create_hub("refuse_hub")

    replies = {
        url: await alice.call(
            "PUT",
            "/admin/v1/hubs/refuse_hub/destinations/session.created",
            json={"url": url},
        )
        for url in REFUSED
    }

    answers = {url: (r.status_code, r.json()["type"]) for url, r in replies.items()}
    refusal = (422, "https://hubwire.dev/problems/outbound_url_refused")
    assert answers == dict.fromkeys(REFUSED, refusal)
    for url, reason in REFUSED.items():
        assert reason in replies[url].json()["detail"]
        assert replies[url].json()["pointer"] == "/url"


async def test_an_operator_blocks_a_service_and_every_destination_on_it_is_removed(
    alice: AdminSession, operator: AdminSession
) -> None:
    await alice.create_hub("victim_hub")
    for event_type, url in (
        ("session.created", "https://bin.inspector.example/x"),
        ("session.closed", HOOK),
    ):
        reply = await alice.call(
            "PUT",
            f"/admin/v1/hubs/victim_hub/destinations/{event_type}",
            json={"url": url},
        )
        assert reply.status_code == 200, reply.text

    refused = await alice.call(
        "POST", "/admin/v1/blocked-services", json={"domain": "inspector.example"}
    )
    added = await operator.call(
        "POST", "/admin/v1/blocked-services", json={"domain": "inspector.example"}
    )
    listed = await alice.call("GET", "/admin/v1/blocked-services")
    dests = (await alice.call("GET", "/admin/v1/hubs/victim_hub/destinations")).json()
    again = await alice.call(
        "PUT",
        "/admin/v1/hubs/victim_hub/destinations/session.created",
        json={"url": "https://other.inspector.example/y"},
    )

    assert refused.status_code == 403
    assert added.json() == {"destinations_removed": 1}
    assert "inspector.example" in listed.json()["domains"]
    configured = {
        d["event_type"]: d["url"] for d in dests["destinations"] if d["configured"]
    }
    assert configured == {"session.closed": HOOK}
    (entry,) = await alice.audit(hub="victim_hub", limit=1)
    assert entry["action"] == "destination.removed_blocked_service"
    assert entry["actor"] == "ops"
    assert "inspector.example was added to the blocked" in entry["detail"]
    assert again.status_code == 422


async def test_the_block_service_cli_goes_through_the_running_registry(
    alice: AdminSession, stack: Stack
) -> None:
    await alice.create_hub("cli_hub")
    await alice.call(
        "PUT",
        "/admin/v1/hubs/cli_hub/destinations/file.uploaded",
        json={"url": "https://x.clibin.example/in"},
    )

    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "hubwire.registry", "block-service", "clibin.example"],
        env=stack.env(),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "clibin.example blocked; 1 destination(s) removed"
    dests = (await alice.call("GET", "/admin/v1/hubs/cli_hub/destinations")).json()
    assert not [d for d in dests["destinations"] if d["configured"]]


async def test_a_rotated_signing_secret_keeps_the_previous_one_for_the_grace_period(
    alice: AdminSession,
) -> None:
    await alice.create_hub("sign_hub")
    before = (await alice.call("GET", "/admin/v1/hubs/sign_hub/signing-secret")).json()

    rotated = await alice.call("POST", "/admin/v1/hubs/sign_hub/signing-secret/rotate")
    after = (await alice.call("GET", "/admin/v1/hubs/sign_hub/signing-secret")).json()

    assert before["previous_secret"] == ""
    assert rotated.json()["secret"] == after["secret"] != before["secret"]
    assert after["previous_secret"] == before["secret"]
    assert after["previous_expires_at"] == rotated.json()["previous_expires_at"]


# -- secrets stay out of logs ----------------------------------------------------


async def test_no_secret_reaches_the_audit_log_or_any_service_log(
    alice: AdminSession, http: httpx.AsyncClient, stack: Stack
) -> None:
    await alice.create_hub("secret_hub")
    creds = await alice.generate("secret_hub")
    token = (await token_by_form(http, creds["client_id"], creds["api_key"])).json()
    await client_status(http, **bearer(token["access_token"]))
    await alice.call(
        "POST",
        "/admin/v1/hubs/secret_hub/credentials/password",
        json={**alice.me, "new_api_password": "refreshed-secret-01"},
    )
    await alice.call(
        "PUT",
        "/admin/v1/hubs/secret_hub/connectivity",
        json={
            "url": "https://crm.example.com/api",
            "password": "app-secret-000001",
            "headers": [{"name": "X-Key", "value": "header-secret-01"}],
        },
    )
    await alice.call(
        "PUT",
        "/admin/v1/hubs/secret_hub/destinations/session.created",
        json={"url": HOOK, "username": "u", "password": "dest-secret-00001"},
    )
    old = (await alice.call("GET", "/admin/v1/hubs/secret_hub/signing-secret")).json()
    new = (
        await alice.call("POST", "/admin/v1/hubs/secret_hub/signing-secret/rotate")
    ).json()
    secrets = {
        "admin password": alice.password,
        "api key": creds["api_key"],
        "api password": API_PASSWORD,
        "refreshed api password": "refreshed-secret-01",
        "bearer token": token["access_token"],
        "admin token": alice.token,
        "app password": "app-secret-000001",
        "header value": "header-secret-01",
        "destination password": "dest-secret-00001",
        "old signing secret": old["secret"],
        "new signing secret": new["secret"],
    }
    log_dir = stack.log_dir
    assert log_dir is not None

    def logs() -> str:
        return "\n".join(p.read_text() for p in sorted(log_dir.glob("*.log")))

    async def rotation_logged() -> bool:
        return "action=signing_secret.rotate hub=secret_hub" in logs()

    await eventually(rotation_logged, what="the registry's audit line")
    audit = json.dumps(await alice.audit(limit=1000))
    found = {
        what: where
        for what, value in secrets.items()
        for where, text in (("audit log", audit), ("service logs", logs()))
        if value in text
    }
    assert found == {}
