"""Metrics, the request log and trace context, as an operator sees them."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from hubwire.devstack.receiver import Receiver
from tests.gateway.support import EventTap, World, eventually, expect

pytestmark = pytest.mark.e2e

ADA = {"name": "Ada Lovelace", "email": "ada@example.com"}


def new_trace() -> tuple[str, str]:
    """A fresh trace id and a client's traceparent that starts it."""
    trace_id = uuid.uuid4().hex
    return trace_id, f"00-{trace_id}-00f067aa0ba902b7-01"


@pytest.fixture
async def http(world: World) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=world.url, timeout=30) as client:
        yield client


def gateway_log(world: World) -> str:
    assert world.stack.log_dir is not None
    return (world.stack.log_dir / "gateway.log").read_text(encoding="utf-8")


async def scrape(http: httpx.AsyncClient) -> dict[tuple[str, tuple[str, ...]], float]:
    """Samples by (name, sorted label pairs)."""
    answer = await http.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    samples: dict[tuple[str, tuple[str, ...]], float] = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            labels = tuple(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            samples[(sample.name, labels)] = sample.value
    return samples


async def test_metrics_show_latency_by_route_and_published_events(
    world: World, http: httpx.AsyncClient, events: EventTap
) -> None:
    crm = world.clients["crm_hub"]
    session = expect(
        await http.post("/v21.1/sessions", headers=crm.bearer, json={"customer": ADA}),
        201,
    )
    expect(await http.get(f"/v21.1/sessions/{session['id']}", headers=crm.bearer), 200)
    await events.one("session.created", str(session["id"]))

    samples: dict[tuple[str, tuple[str, ...]], float] = {}

    async def counted() -> bool:
        samples.update(await scrape(http))
        return samples.get(("hubwire_outbox_pending_events", ()), 1) == 0

    await eventually(counted, what="an empty outbox")

    route = "route=/v21.1/sessions/{session_id}"
    latency = (
        "hubwire_http_request_duration_seconds_count",
        ("method=GET", route, "status=200"),
    )
    assert samples[latency] >= 1
    published = ("hubwire_events_published_total", ("event_type=session.created",))
    assert samples[published] >= 1
    assert samples[("hubwire_outbox_oldest_pending_seconds", ())] == 0
    assert not any(str(session["id"]) in label for _, ls in samples for label in ls)


async def test_each_request_logs_one_line_with_its_route_template_and_trace(
    world: World, http: httpx.AsyncClient
) -> None:
    crm = world.clients["crm_hub"]
    trace_id, traceparent = new_trace()
    session = expect(
        await http.post(
            "/v21.1/sessions",
            headers={**crm.bearer, "traceparent": traceparent},
            json={"customer": ADA},
        ),
        201,
    )
    await http.get(
        f"/v21.1/sessions/{session['id']}?source=crm_hub",
        headers={**crm.bearer, "traceparent": traceparent},
    )

    lines = [
        line
        for line in gateway_log(world).splitlines()
        if f"trace_id={trace_id}" in line
    ]

    assert len(lines) == 2
    created, read = lines
    assert re.search(
        r"request method=POST route=/v21\.1/sessions status=201 latency_ms=[0-9.]+ "
        rf"account={world.account} hub=crm_hub trace_id={trace_id}$",
        created,
    ), created
    assert "route=/v21.1/sessions/{session_id} status=200" in read
    assert str(session["id"]) not in read
    assert "source=crm_hub" not in read


async def test_secrets_never_reach_the_gateway_log(
    world: World, http: httpx.AsyncClient
) -> None:
    crm = world.clients["crm_hub"]
    # Calls that carry every kind of secret: admin and API passwords, the
    # API key, bearer tokens, an app password and a webhook password.
    await http.post(
        "/admin/v1/login",
        json={
            "account": world.account,
            "username": world.username,
            "password": "wrong-pw-1",
        },
    )
    await http.post(
        "/v21.1/sessions",
        headers=crm.basic,
        json={"customer": {"name": "Ada", "email": "not-an-email"}},
    )
    await http.put(
        "/admin/v1/hubs/crm_hub/connectivity",
        headers=world.admin,
        json={
            "url": "http://127.0.0.1:9/objects",
            "username": "u",
            "password": "app-pw-7",
        },
    )
    await http.put(
        "/admin/v1/hubs/crm_hub/destinations/file.uploaded",
        headers=world.admin,
        json={
            "url": "http://127.0.0.1:9/hook",
            "username": "u",
            "password": "hook-pw-7",
        },
    )
    await http.post(
        "/admin/v1/hubs/crm_hub/credentials/reveal",
        headers=world.admin,
        json={"username": world.username, "password": world.password},
    )

    text = gateway_log(world)

    for secret in (
        world.password,
        "wrong-pw-1",
        "app-pw-7",
        "hook-pw-7",
        crm.api_password,
        crm.api_key,
        crm.token,
        crm.basic["Authorization"].split()[1],
        world.admin["Authorization"].split()[1],
    ):
        assert secret not in text
    assert "route=/admin/v1/login status=401" in text


async def test_the_event_on_the_bus_continues_the_clients_trace(
    world: World, http: httpx.AsyncClient, events: EventTap
) -> None:
    crm = world.clients["crm_hub"]
    trace_id, traceparent = new_trace()
    session = expect(
        await http.post(
            "/v21.1/sessions",
            headers={**crm.bearer, "traceparent": traceparent},
            json={"customer": ADA},
        ),
        201,
    )

    event = await events.one("session.created", str(session["id"]))

    version, carried, span_id, _ = event.headers["traceparent"].split("-")
    assert (version, carried) == ("00", trace_id)
    assert span_id != traceparent.split("-")[2]  # the relay's own publish span
    [stored] = world.rows(
        "SELECT traceparent FROM outbox WHERE id = ?", str(event.doc["id"])
    )
    assert trace_id in str(stored[0])


async def test_one_trace_id_runs_from_the_request_to_the_delivery_attempt(
    world: World, http: httpx.AsyncClient
) -> None:
    trace_id, traceparent = new_trace()
    hook = Receiver()
    url = await hook.start()
    try:
        client = world.hub("trace_hub")
        assert client is not None
        expect(
            await http.put(
                "/admin/v1/hubs/trace_hub/destinations/session.created",
                headers=world.admin,
                json={"url": f"{url}/traced"},
            ),
            200,
        )
        expect(
            await http.post(
                "/v21.1/sessions",
                headers={**client.bearer, "traceparent": traceparent},
                json={"customer": ADA, "hubs": {"events": "trace_hub"}},
            ),
            201,
        )
        [delivered] = await hook.wait_for(1, timeout=30)
    finally:
        await hook.stop()

    headers = {k.lower(): v for k, v in delivered.headers.items()}
    assert headers.get("traceparent", "").split("-")[1:2] == [trace_id]
