"""The gateway when things around it fail: NATS away, a service down, a
caller over its rate limit. A stack of its own, since these tests stop its
processes; the tests run in file order and the last ones break the most."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from hubwire.devstack.stack import Stack
from tests.gateway.conftest import start_stack
from tests.gateway.support import World, eventually, expect, open_world, stream_events

pytestmark = pytest.mark.e2e

RATE_LIMIT = 30
ADA = {"name": "Ada Lovelace", "email": "ada@example.com"}


@pytest.fixture(scope="module")
def fault_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = start_stack(
        tmp_path_factory.mktemp("faults"),
        HUBWIRE_RATE_LIMIT_PER_MINUTE=str(RATE_LIMIT),
        HUBWIRE_TELEMETRY="none",
    )
    yield stack
    stack.stop()


@pytest.fixture(scope="module")
def fworld(fault_stack: Stack) -> World:
    world = open_world(fault_stack, "faults")
    world.hub("crm_hub")
    world.admin_call(
        "POST", "/admin/v1/attributes", 201, json={"name": "customer_email"}
    )
    world.admin_call(
        "PUT",
        "/admin/v1/hubs/crm_hub/schema",
        200,
        content='{"objects": {"Contact": {"Email": "customer_email"}}}',
    )
    return world


@pytest.fixture
async def http(fworld: World) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=fworld.url, timeout=30) as client:
        yield client


def unpublished(world: World, ids: list[str]) -> int:
    marks = ",".join("?" * len(ids))
    [(count,)] = world.rows(
        f"SELECT count(*) FROM outbox WHERE published_at IS NULL AND id IN ({marks})",
        *ids,
    )
    return int(count)  # type: ignore[call-overload]


async def test_with_nats_stopped_the_api_answers_and_each_event_is_published_once(
    fworld: World, fault_stack: Stack, http: httpx.AsyncClient
) -> None:
    crm = fworld.clients["crm_hub"]
    fault_stack.stop("nats")

    created = [
        await http.post(
            "/v21.1/sessions",
            headers=crm.bearer,
            json={
                "customer": ADA,
                "sourceName": "crm_hub",
                "data": {"Contact": {"Email": f"ada{i}@example.com"}},
            },
        )
        for i in range(3)
    ]
    sessions = [expect(answer, 201) for answer in created]
    opened = await http.post(
        f"/v21.1/sessions/{sessions[0]['id']}/lifecycle/opened",
        headers=crm.bearer,
        json={},
    )
    assert opened.status_code == 200
    session_ids = [str(s["id"]) for s in sessions]
    event_ids = [
        str(row[0])
        for row in fworld.rows(
            "SELECT id FROM outbox WHERE payload LIKE ? OR payload LIKE ? "
            "OR payload LIKE ?",
            *(f"%{sid}%" for sid in session_ids),
        )
    ]
    assert len(event_ids) == 4
    assert unpublished(fworld, event_ids) == 4
    metrics = (await http.get("/metrics")).text
    assert "hubwire_outbox_pending_events 4.0" in metrics

    fault_stack.start_nats()
    await eventually(
        lambda: unpublished(fworld, event_ids) == 0,
        timeout=60,
        what="the outbox to drain once NATS is back",
    )

    stored = await stream_events(fworld.nats_url, f"hubwire.events.{fworld.account}.>")
    mine = [e for e in stored if e.session_id in session_ids]
    assert Counter(e.doc["id"] for e in mine) == Counter(dict.fromkeys(event_ids, 1))
    assert Counter(e.type for e in mine) == {"session.created": 3, "session.opened": 1}
    assert {e.doc["hubwireattributes"]["customer_email"] for e in mine} == {  # type: ignore[index]
        "ada0@example.com",
        "ada1@example.com",
        "ada2@example.com",
    }


async def test_a_client_over_its_rate_limit_gets_429_with_retry_after(
    fworld: World, http: httpx.AsyncClient
) -> None:
    greedy = fworld.hub("greedy_hub")
    calm = fworld.hub("calm_hub")
    assert greedy is not None and calm is not None

    statuses = [
        (await http.get("/v21.1/sessions/ses_none", headers=greedy.bearer))
        for _ in range(RATE_LIMIT + 2)
    ]
    codes = [answer.status_code for answer in statuses]
    other = await http.get("/v21.1/sessions/ses_none", headers=calm.bearer)
    admin = await http.get("/admin/v1/hubs", headers=fworld.admin)

    # The token endpoint took one request of the bucket.
    assert codes[: RATE_LIMIT - 1] == [404] * (RATE_LIMIT - 1)
    assert codes[-1] == 429
    limited = statuses[-1]
    assert limited.headers["content-type"] == "application/problem+json"
    assert int(limited.headers["retry-after"]) >= 1
    assert limited.json()["type"] == "https://hubwire.dev/problems/rate_limited"
    assert other.status_code == 404
    assert admin.status_code == 200


async def test_with_the_mapping_service_down_a_create_is_a_503_with_retry_after(
    fworld: World, fault_stack: Stack, http: httpx.AsyncClient
) -> None:
    crm = fworld.hub("late_hub")
    assert crm is not None
    [(sessions_before,)] = fworld.rows("SELECT count(*) FROM sessions")
    assert fault_stack.log_dir is not None
    log_file = fault_stack.log_dir / "gateway.log"
    log_start = log_file.stat().st_size
    fault_stack.stop("mapping")

    answer = await http.post(
        "/v21.1/sessions",
        headers=crm.basic,
        json={"customer": ADA, "data": {"customer_email": "ada@example.com"}},
    )

    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "5"
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json() == {
        "type": "https://hubwire.dev/problems/unavailable",
        "title": "Service unavailable",
        "status": 503,
        "detail": "an internal service is unavailable",
        "instance": "/v21.1/sessions",
    }
    assert fworld.rows("SELECT count(*) FROM sessions") == [(sessions_before,)]
    with log_file.open(encoding="utf-8") as fh:
        fh.seek(log_start)
        log = fh.read()
    assert "Traceback" not in log
    assert "route=/v21.1/sessions status=503" in log


async def test_requests_that_authenticate_nobody_are_limited_per_address(
    fworld: World, http: httpx.AsyncClient
) -> None:
    codes = [
        (await http.get("/v21.1/sessions/ses_none")).status_code
        for _ in range(RATE_LIMIT + 5)
    ]
    login = await http.post(
        "/admin/v1/login",
        json={"account": fworld.account, "username": "root", "password": "guess"},
    )

    assert codes[0] == 401
    assert codes[-1] == 429
    assert set(codes) == {401, 429}
    # Guessing passwords from this address now waits too.
    assert login.status_code == 429
    assert int(login.headers["retry-after"]) >= 1
