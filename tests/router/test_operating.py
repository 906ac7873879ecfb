"""Operating it through the router's gRPC API: the delivery log and its
filters, replay, and test connectivity."""

from __future__ import annotations

import grpc
import pytest

from hubwire.common.times import iso, utcnow
from hubwire.rpc.router.v1 import router_pb2 as pb
from tests.router.conftest import MakeEndpoint
from tests.router.endpoints import (
    answer_204,
    answer_in_turn,
    answer_status,
    closed_port,
)
from tests.router.harness import ACCOUNT, Destination, RouterHarness, wait_until


async def test_the_log_keeps_every_attempt_with_a_cut_and_safely_decoded_body(
    router: RouterHarness, make_endpoint: MakeEndpoint
) -> None:
    body = b"\xff\xfe broken \xc3(" + b"x" * 10_000
    endpoint = await make_endpoint(answer_status(500, body=body))
    dest = Destination("session.created", endpoint.url)
    await router.put_hub_and_wait("crm", [dest])

    event = await router.publish()

    dead = await router.wait_status(event, dest, "dead")
    assert [a.number for a in dead.attempts] == [1, 2, 3]
    first = dead.attempts[0]
    assert (first.status_code, first.error) == (500, "HTTP 500")
    assert first.response_body.startswith("\\xff\\xfe broken \\xc3(xxx")
    assert len(first.response_body) == router.settings.response_body_limit
    assert first.latency_ms >= 0 and first.at.endswith("Z")
    assert dead.attempts[0].at <= dead.attempts[1].at <= dead.attempts[2].at
    assert dead.reason == "HTTP 500 (attempt 3, the last)"


async def test_the_log_filters_by_hub_event_type_session_status_and_time(
    router: RouterHarness, make_endpoint: MakeEndpoint
) -> None:
    ok, failing = await make_endpoint(), await make_endpoint(answer_status(500))
    crm = Destination("session.created", ok.url)
    crm_closed = Destination("session.closed", ok.url)
    bank = Destination("session.created", failing.url)
    await router.put_hub_and_wait("crm", [crm, crm_closed])
    await router.put_hub_and_wait("bank", [bank])
    before = iso(utcnow())

    first = await router.publish(session_id="ses_a")
    second = await router.publish(event_type="session.closed", session_id="ses_b")
    await router.wait_status(first, bank, "dead")
    await router.wait_status(second, crm_closed, "succeeded")
    await router.wait_status(first, crm, "succeeded")

    async def listed(**filters: object) -> list[tuple[str, str, str]]:
        reply = await router.rpc.ListDeliveries(
            pb.ListDeliveriesRequest(account_id=ACCOUNT, **filters)
        )
        return sorted((d.hub_name, d.event_type, d.status) for d in reply.deliveries)

    assert await listed(hub_name="bank") == [("bank", "session.created", "dead")]
    assert await listed(event_type="session.closed") == [
        ("crm", "session.closed", "succeeded")
    ]
    assert await listed(session_id="ses_a") == [
        ("bank", "session.created", "dead"),
        ("crm", "session.created", "succeeded"),
    ]
    assert await listed(status="succeeded") == [
        ("crm", "session.closed", "succeeded"),
        ("crm", "session.created", "succeeded"),
    ]
    assert len(await listed(since=before)) == 3
    assert await listed(until=before) == []
    assert await listed(hub_name="crm", status="dead") == []


async def test_a_bad_time_filter_is_refused_with_invalid_argument(
    router: RouterHarness,
) -> None:
    with pytest.raises(grpc.aio.AioRpcError, match="since is not an ISO 8601 time"):
        await router.rpc.ListDeliveries(
            pb.ListDeliveriesRequest(account_id=ACCOUNT, since="yesterday")
        )


async def test_replaying_a_dead_task_delivers_it_again_with_the_same_webhook_id(
    router: RouterHarness, make_endpoint: MakeEndpoint
) -> None:
    failing = answer_status(500)
    endpoint = await make_endpoint(
        answer_in_turn(failing, failing, failing, answer_204)
    )
    dest = Destination("session.created", endpoint.url)
    await router.put_hub_and_wait("crm", [dest])
    event = await router.publish()
    dead = await router.wait_status(event, dest, "dead")

    reply = await router.rpc.Replay(
        pb.ReplayRequest(account_id=ACCOUNT, delivery_id=dead.id)
    )

    assert reply.replayed == 1
    done = await router.wait_status(event, dest, "succeeded")
    assert [a.number for a in done.attempts] == [1, 2, 3, 4]
    assert set(endpoint.ids()) == {dead.id}

    await router.rpc.Replay(pb.ReplayRequest(account_id=ACCOUNT, delivery_id=dead.id))

    requests = await endpoint.wait_for(5)
    assert {r.webhook_id for r in requests} == {dead.id}

    async def five_attempts() -> bool:
        return len((await router.delivery(event, dest)).attempts) == 5

    await wait_until(five_attempts, what="the fifth attempt in the log")


async def test_replaying_a_hub_replays_its_dead_tasks_only(
    router: RouterHarness, make_endpoint: MakeEndpoint
) -> None:
    failing = answer_status(500)
    flaky = await make_endpoint(answer_in_turn(*[failing] * 6, answer_204))
    fine = await make_endpoint()
    bad = Destination("session.created", flaky.url)
    good = Destination("session.closed", fine.url)
    await router.put_hub_and_wait("crm", [bad, good])
    dead_ones = [await router.publish(), await router.publish()]
    delivered = await router.publish(event_type="session.closed")
    for event in dead_ones:
        await router.wait_status(event, bad, "dead")
    await router.wait_status(delivered, good, "succeeded")

    reply = await router.rpc.Replay(
        pb.ReplayRequest(account_id=ACCOUNT, hub_name="crm")
    )

    assert reply.replayed == 2
    for event in dead_ones:
        await router.wait_status(event, bad, "succeeded")
    assert len(fine.requests) == 1


async def test_replaying_a_time_range_replays_every_task_created_in_it(
    router: RouterHarness, make_endpoint: MakeEndpoint
) -> None:
    endpoint = await make_endpoint()
    dest = Destination("session.created", endpoint.url)
    await router.put_hub_and_wait("crm", [dest])
    early = await router.publish()
    await router.wait_status(early, dest, "succeeded")
    since = iso(utcnow())
    late = [await router.publish(), await router.publish()]
    for event in late:
        await router.wait_status(event, dest, "succeeded")

    reply = await router.rpc.Replay(
        pb.ReplayRequest(account_id=ACCOUNT, since=since, until=iso(utcnow()))
    )

    assert reply.replayed == 2
    requests = await endpoint.wait_for(5)
    bodies = [r.json()["id"] for r in requests]
    assert bodies.count(early) == 1
    assert all(bodies.count(event) == 2 for event in late)


async def test_replay_without_a_delivery_hub_or_range_is_refused(
    router: RouterHarness,
) -> None:
    with pytest.raises(grpc.aio.AioRpcError, match="name a delivery, a hub"):
        await router.rpc.Replay(pb.ReplayRequest(account_id=ACCOUNT))
    with pytest.raises(grpc.aio.AioRpcError, match="delivery 'msg_x' not found"):
        await router.rpc.Replay(
            pb.ReplayRequest(account_id=ACCOUNT, delivery_id="msg_x")
        )


async def test_test_connectivity_pings_each_destination_with_a_signed_hub_test(
    router: RouterHarness, make_endpoint: MakeEndpoint
) -> None:
    ok, failing = await make_endpoint(), await make_endpoint(answer_status(503))
    dests = [
        Destination("session.created", ok.url, "user", "pw"),
        Destination("session.closed", failing.url),
        Destination("form.submitted", f"http://127.0.0.1:{closed_port()}/x"),
    ]
    await router.put_hub_and_wait("crm", dests)

    reply = await router.rpc.TestConnectivity(
        pb.TestConnectivityRequest(account_id=ACCOUNT, hub_name="crm")
    )

    results = {r.event_type: r for r in reply.results}
    assert (results["session.created"].ok, results["session.created"].status_code) == (
        True,
        204,
    )
    assert results["session.closed"].error == "HTTP 503"
    assert results["form.submitted"].error.startswith("connection to 127.0.0.1")
    assert results["session.created"].destination_id == dests[0].id
    (ping,) = ok.requests
    assert ping.json()["type"] == "hub.test" and ping.json()["hub"] == "crm"
    assert ping.basic == ("user", "pw")
    assert ping.verifies(router.secret)


async def test_test_connectivity_of_one_event_type_pings_that_destination_only(
    router: RouterHarness, make_endpoint: MakeEndpoint
) -> None:
    one, other = await make_endpoint(), await make_endpoint()
    await router.put_hub_and_wait(
        "crm",
        [
            Destination("session.created", one.url),
            Destination("session.closed", other.url),
        ],
    )

    reply = await router.rpc.TestConnectivity(
        pb.TestConnectivityRequest(
            account_id=ACCOUNT, hub_name="crm", event_type="session.closed"
        )
    )

    assert [r.url for r in reply.results] == [other.url]
    assert (len(one.requests), len(other.requests)) == (0, 1)
    with pytest.raises(grpc.aio.AioRpcError, match="hub 'nope' not found"):
        await router.rpc.TestConnectivity(
            pb.TestConnectivityRequest(account_id=ACCOUNT, hub_name="nope")
        )
