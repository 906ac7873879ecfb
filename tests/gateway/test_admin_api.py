"""The admin mapping and events API against the running services, with the
example customer app as the hub's app and a real webhook receiver."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator

import httpx
import nats
import pytest

from hubwire.common import subjects
from hubwire.devstack.receiver import Receiver
from hubwire.devstack.stack import free_port, wait_for_port
from tests.conftest import REPO
from tests.gateway.support import World, eventually, expect

pytestmark = pytest.mark.e2e

APP_USER, APP_PASSWORD = "hubwire", "app-pässword-for-tests"


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    """The example customer app as a process of its own."""
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "examples.customer_app",
            "--port",
            str(port),
            "--username",
            APP_USER,
            "--password",
            APP_PASSWORD,
        ],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, timeout=20, what="the example customer app")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def app_hub(world: World, app_url: str) -> str:
    """``app_hub``, connected to the example app and imported."""
    world.hub("app_hub")
    world.admin_call(
        "PUT",
        "/admin/v1/hubs/app_hub/connectivity",
        200,
        json={
            "url": f"{app_url}/hubwire/objects",
            "username": APP_USER,
            "password": APP_PASSWORD,
        },
    )
    return "app_hub"


@pytest.fixture
async def http(world: World) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=world.url, timeout=30) as client:
        yield client


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    hook = Receiver()
    url = await hook.start()
    yield hook, url
    await hook.stop()


async def test_import_now_reads_the_apps_objects(
    world: World, http: httpx.AsyncClient, app_hub: str
) -> None:
    report = expect(
        await http.post(f"/admin/v1/hubs/{app_hub}/import", headers=world.admin), 200
    )
    listed = expect(
        await http.get(f"/admin/v1/hubs/{app_hub}/objects", headers=world.admin), 200
    )

    names = {o["name"] for o in report["objects"]}  # type: ignore[union-attr]
    assert {"Contact", "Account"} <= names
    assert listed["hub"] == app_hub
    contact = next(o for o in listed["objects"] if o["name"] == "Contact")  # type: ignore[union-attr]
    assert "Email" in {f["name"] for f in contact["fields"]}


async def test_an_updatable_source_translates_data_and_takes_write_back(
    world: World, http: httpx.AsyncClient, app_hub: str, app_url: str
) -> None:
    expect(
        await http.post(f"/admin/v1/hubs/{app_hub}/import", headers=world.admin), 200
    )
    expect(
        await http.post(
            "/admin/v1/attributes",
            headers=world.admin,
            json={"name": "first_name", "type": "string", "label": "First name"},
        ),
        201,
    )
    source = expect(
        await http.post(
            "/admin/v1/attributes/first_name/sources",
            headers=world.admin,
            json={
                "hub_name": app_hub,
                "object": "Contact",
                "field": "FirstName",
                "updatable": True,
            },
        ),
        201,
    )
    assert source["updatable"] is True
    listed = expect(
        await http.get(
            "/admin/v1/sources", params={"hub": app_hub}, headers=world.admin
        ),
        200,
    )
    assert [s["attribute"] for s in listed["sources"]] == ["first_name"]  # type: ignore[union-attr]

    client = world.clients[app_hub]
    session = expect(
        await http.post(
            "/v28.1/sessions",
            headers=client.bearer,
            json={"records": {"Contact": "003A"}},
        ),
        201,
    )
    set_ = expect(
        await http.post(
            f"/v28.1/sessions/{session['id']}/attributes",
            headers=client.bearer,
            json={"data": {"first_name": "Augusta"}},
        ),
        200,
    )
    assert set_["attributes"] == {"first_name": "Augusta"}

    # attributes.updated without a source: the app's updatable source gets it.
    async with httpx.AsyncClient(auth=(APP_USER, APP_PASSWORD)) as app:

        async def written() -> bool:
            record = await app.get(
                f"{app_url}/hubwire/records",
                params={"object": "Contact", "record_id": "003A"},
            )
            return bool(record.json().get("FirstName") == "Augusta")

        await eventually(written, what="the write-back to the app")


async def test_attributes_are_created_changed_listed_and_deleted(
    world: World, http: httpx.AsyncClient
) -> None:
    created = expect(
        await http.post(
            "/admin/v1/attributes",
            headers=world.admin,
            json={"name": "loyalty_tier", "type": "string", "label": "Tier"},
        ),
        201,
    )
    changed = expect(
        await http.patch(
            "/admin/v1/attributes/loyalty_tier",
            headers=world.admin,
            json={"label": "Loyalty tier"},
        ),
        200,
    )
    taken = await http.post(
        "/admin/v1/attributes", headers=world.admin, json={"name": "loyalty_tier"}
    )
    deleted = await http.delete(
        "/admin/v1/attributes/loyalty_tier", headers=world.admin
    )
    listed = expect(await http.get("/admin/v1/attributes", headers=world.admin), 200)

    assert created["label"] == "Tier"
    assert changed["label"] == "Loyalty tier"
    assert taken.status_code == 409
    assert taken.headers["content-type"] == "application/problem+json"
    assert deleted.status_code == 204
    names = {a["name"] for a in listed["attributes"]}  # type: ignore[union-attr]
    assert "loyalty_tier" not in names
    assert {"customer_email", "customer_phone"} <= names


async def test_a_schema_is_imported_edited_and_exported(
    world: World, http: httpx.AsyncClient
) -> None:
    world.hub("schema_hub", credentials=False)
    imported = expect(
        await http.put(
            "/admin/v1/hubs/schema_hub/schema",
            headers=world.admin,
            content=json.dumps(
                {
                    "objects": {
                        "Lead": {"Mail": "customer_email", "Ghost": "no_such_attribute"}
                    }
                }
            ),
        ),
        200,
    )
    mapped = expect(
        await http.post(
            "/admin/v1/hubs/schema_hub/schema/operations",
            headers=world.admin,
            json={"op": "add_key", "object": "Lead", "key": "Tel"},
        ),
        200,
    )
    confirm = await http.post(
        "/admin/v1/hubs/schema_hub/schema/operations",
        headers=world.admin,
        json={"op": "delete_object", "object": "Lead"},
    )
    exported = expect(
        await http.get("/admin/v1/hubs/schema_hub/schema", headers=world.admin), 200
    )

    assert imported["dropped"]  # the mapping to a missing Attribute is dropped
    lead = mapped["schema"]["objects"][0]  # type: ignore[index]
    assert {k["name"] for k in lead["keys"]} >= {"Mail", "Tel"}
    assert confirm.status_code == 409
    assert confirm.headers["content-type"] == "application/problem+json"
    assert confirm.json()["confirm_required"] is True
    assert set(confirm.json()["keys"]) >= {"Mail", "Tel"}
    assert exported["objects"][0]["name"] == "Lead"  # type: ignore[index]


async def test_the_event_catalog_lists_every_public_event_type(
    world: World, http: httpx.AsyncClient
) -> None:
    catalog = expect(await http.get("/admin/v1/events", headers=world.admin), 200)

    names = {e["name"] for e in catalog["events"]}  # type: ignore[union-attr]
    assert {
        "session.created",
        "session.opened",
        "session.completed",
        "session.closed",
        "session.expired",
        "attributes.updated",
        "workflow.added",
        "workflow.completed",
        "esign.completed",
        "form.submitted",
        "file.uploaded",
        "payment.completed",
        "document_analysis.started",
        "document_validation.completed",
        "document_analysis.summary",
        "document_analysis.completed",
    } <= names
    assert "hub.test" not in names


async def test_a_delivery_shows_in_the_log_and_can_be_replayed(
    world: World, http: httpx.AsyncClient, receiver: tuple[Receiver, str]
) -> None:
    hook, url = receiver
    client = world.hub("log_hub")
    assert client is not None
    expect(
        await http.put(
            "/admin/v1/hubs/log_hub/destinations/session.created",
            headers=world.admin,
            json={"url": f"{url}/created"},
        ),
        200,
    )
    session = expect(
        await http.post(
            "/v21.1/sessions",
            headers=client.bearer,
            json={
                "customer": {"name": "Ada", "email": "ada@example.com"},
                "hubs": {"events": "log_hub"},
            },
        ),
        201,
    )
    [first] = await hook.wait_for(1, timeout=30)

    log = expect(
        await http.get(
            "/admin/v1/deliveries",
            params={"hub": "log_hub", "session_id": str(session["id"])},
            headers=world.admin,
        ),
        200,
    )
    [delivery] = log["deliveries"]  # type: ignore[misc]
    assert delivery["event_type"] == "session.created"
    assert delivery["status"] == "succeeded"
    assert delivery["attempts"][0]["status_code"] == 204

    replayed = expect(
        await http.post(
            "/admin/v1/deliveries/replay",
            headers=world.admin,
            json={"delivery_id": delivery["id"]},
        ),
        200,
    )
    assert replayed == {"replayed": 1}
    received = await hook.wait_for(2, timeout=30)
    assert received[1].headers["webhook-id"] == first.headers["webhook-id"]


async def test_test_connectivity_pings_each_destination(
    world: World, http: httpx.AsyncClient, receiver: tuple[Receiver, str]
) -> None:
    hook, url = receiver
    world.hub("ping_hub", credentials=False)
    expect(
        await http.put(
            "/admin/v1/hubs/ping_hub/destinations/form.submitted",
            headers=world.admin,
            json={"url": f"{url}/forms"},
        ),
        200,
    )

    tested = expect(
        await http.post(
            "/admin/v1/hubs/ping_hub/destinations/test", headers=world.admin
        ),
        200,
    )

    [result] = tested["results"]  # type: ignore[misc]
    assert (result["event_type"], result["ok"], result["status_code"]) == (
        "form.submitted",
        True,
        204,
    )
    [ping] = await hook.wait_for(1, timeout=10)
    assert ping.json()["type"] == "hub.test"


async def test_an_invalid_event_from_an_internal_team_shows_as_a_dead_letter(
    world: World, http: httpx.AsyncClient
) -> None:
    nc = await nats.connect(world.nats_url)
    try:
        await nc.jetstream().publish(
            subjects.event_subject(world.account, "payment.completed"),
            json.dumps(
                {
                    "specversion": "1.0",
                    "id": "evt_internal_bad_1",
                    "source": "internal/billing",
                    "type": "payment.completed",
                    "data": {"amount": 5},
                }
            ).encode(),
            headers={"Nats-Msg-Id": "evt_internal_bad_1"},
        )
    finally:
        await nc.close()

    letters: list[dict[str, object]] = []

    async def listed() -> bool:
        answer = await http.get("/admin/v1/dead-letters", headers=world.admin)
        letters[:] = answer.json()["dead_letters"]
        return any("evt_internal_bad_1" in str(d["payload"]) for d in letters)

    await eventually(listed, what="the dead letter")
    letter = next(d for d in letters if "evt_internal_bad_1" in str(d["payload"]))
    assert "currency" in str(letter["reason"])
