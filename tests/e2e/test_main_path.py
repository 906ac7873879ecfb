"""The walking skeleton: the main job end to end on real processes."""

from __future__ import annotations

import base64
import json
import signal

import httpx
import pytest

from hubwire.devstack.demo import run_demo
from hubwire.devstack.receiver import Receiver
from hubwire.devstack.stack import Stack

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def admin(stack: Stack) -> dict[str, str]:
    return stack.create_account("acme", "root")


async def test_the_demo_path_delivers_one_verified_webhook(
    stack: Stack, admin: dict[str, str]
) -> None:
    body = await run_demo(stack.gateway_url, admin)

    assert body["type"] == "session.created"
    assert body["hub"] == "crm_hub"
    assert body["attributes"] == {"customer_email": "ada@example.com"}
    assert body["fields"] == {"Contact": {"Email": "ada@example.com"}}
    assert str(body["session_id"]).startswith("ses_")


async def test_a_session_reads_back_its_attribute_and_delivers_exactly_once(
    stack: Stack, admin: dict[str, str]
) -> None:
    receiver = Receiver()
    hook = await receiver.start()
    try:
        async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=30) as http:
            login = (
                await http.post(
                    "/admin/v1/login",
                    json={
                        "account": admin["account"],
                        "username": admin["username"],
                        "password": admin["password"],
                    },
                )
            ).json()
            auth = {"Authorization": f"Bearer {login['access_token']}"}
            assert (
                await http.post(
                    "/admin/v1/hubs", headers=auth, json={"name": "bank_core"}
                )
            ).status_code == 201
            creds = (
                await http.post(
                    "/admin/v1/hubs/bank_core/credentials",
                    headers=auth,
                    json={
                        "username": admin["username"],
                        "password": admin["password"],
                        "api_password": "a-long-api-password",
                    },
                )
            ).json()
            dest = await http.put(
                "/admin/v1/hubs/bank_core/destinations/session.created",
                headers=auth,
                json={"url": f"{hook}/in", "username": "u", "password": "p-123"},
            )
            assert dest.status_code == 200, dest.text
            secret = (
                await http.get("/admin/v1/hubs/bank_core/signing-secret", headers=auth)
            ).json()["secret"]
            await http.post(
                "/admin/v1/attributes",
                headers=auth,
                json={"name": "account_number", "type": "string"},
            )
            schema = await http.put(
                "/admin/v1/hubs/bank_core/schema",
                headers=auth,
                content=json.dumps({"objects": {"Account": {"No": "account_number"}}}),
            )
            assert schema.status_code == 200, schema.text

            basic = base64.b64encode(
                f"{creds['client_id']}:a-long-api-password".encode()
            ).decode()
            created = await http.post(
                "/v21.1/sessions",
                headers={"Authorization": f"Basic {basic}"},
                json={
                    "customer": {"name": "Bo", "phone": "+1 555 0100"},
                    "sourceName": "bank_core",
                    "hubs": {"events": "bank_core"},
                    "data": {"Account": {"No": "00123", "Fax": "x"}},
                },
            )
            assert created.status_code == 201, created.text
            session = created.json()
            assert session["attributes"] == {"account_number": "00123"}
            assert session["unmapped"] == {"Account": {"Fax": "x"}}

            got = await receiver.wait_for(1, timeout=30)
            read = await http.get(
                f"/v21.1/sessions/{session['id']}?source=bank_core",
                headers={"Authorization": f"Basic {basic}"},
            )
            assert read.json()["fields"] == {"Account": {"No": "00123"}}
            with pytest.raises(TimeoutError):
                await receiver.wait_for(2, timeout=1.5)
    finally:
        await receiver.stop()

    assert len(got) == 1
    assert got[0].basic == ("u", "p-123")
    assert got[0].verify(secret)
    assert got[0].json()["session_id"] == session["id"]


def test_every_service_stops_cleanly_on_sigterm(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    from hubwire.devstack.stack import Ports

    var_dir = tmp_path_factory.mktemp("sigterm")
    stack = Stack(var_dir=var_dir, ports=Ports.free(), log_dir=var_dir / "logs")
    stack.start()
    try:
        codes = {}
        for name in ("gateway", "events-router", "mapping", "hub-registry"):
            proc = stack.processes[name]
            proc.send_signal(signal.SIGTERM)
            codes[name] = proc.wait(timeout=20)
    finally:
        stack.stop()
    assert codes == {"gateway": 0, "events-router": 0, "mapping": 0, "hub-registry": 0}
    for name in codes:
        text = (var_dir / "logs" / f"{name}.log").read_text()
        assert "stopp" in text, f"{name} did not log its shutdown"
