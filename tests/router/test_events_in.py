"""Events in: invalid events are set aside, duplicates are delivered once."""

from __future__ import annotations

import pytest

from hubwire.common import subjects
from hubwire.router.tasks import Task
from hubwire.rpc.router.v1 import router_pb2 as pb
from tests.router.conftest import MakeEndpoint
from tests.router.harness import ACCOUNT, Destination, RouterHarness, wait_until


async def test_an_invalid_event_is_set_aside_and_the_next_one_is_still_delivered(
    router: RouterHarness, make_endpoint: MakeEndpoint
) -> None:
    endpoint = await make_endpoint()
    await router.put_hub_and_wait("crm", [Destination("session.created", endpoint.url)])

    await router.publish(raw=b"{not json")
    await router.publish(data={"customer": "Ada"})  # not the schema
    good = await router.publish()

    (request,) = await endpoint.wait_for(1)
    assert request.json()["id"] == good
    reply = pb.ListDeadLettersResponse()

    async def both_set_aside() -> bool:
        request = pb.ListDeadLettersRequest(account_id=ACCOUNT)
        reply.CopyFrom(await router.rpc.ListDeadLetters(request))
        return len(reply.dead_letters) == 2

    await wait_until(both_set_aside, what="two dead letters")
    reasons = sorted(d.reason for d in reply.dead_letters)
    assert len(reasons) == 2
    assert reasons[0].startswith("invalid event: ")
    assert any("not JSON" in r for r in reasons)
    assert any("/customer" in r for r in reasons)
    assert {d.subject for d in reply.dead_letters} == {
        "hubwire.events.acc1.session.created"
    }


async def test_the_same_event_id_published_twice_is_delivered_once(
    router: RouterHarness, make_endpoint: MakeEndpoint
) -> None:
    endpoint = await make_endpoint()
    await router.put_hub_and_wait("crm", [Destination("session.created", endpoint.url)])

    first = await router.publish(event_id="evt_twice")
    await router.publish(event_id="evt_twice")
    marker = await router.publish()

    requests = await endpoint.wait_for(2)
    with pytest.raises(TimeoutError):
        await endpoint.wait_for(3, timeout=0.5)
    assert sorted(r.json()["id"] for r in requests) == sorted([first, marker])


async def test_a_task_whose_body_names_another_account_than_its_subject_is_not_sent(
    router: RouterHarness, make_endpoint: MakeEndpoint
) -> None:
    endpoint = await make_endpoint()
    dest = Destination("session.created", endpoint.url)
    await router.put_hub_and_wait("crm", [dest])
    forged = Task(
        delivery_id="msg_forged",
        account_id=ACCOUNT,
        hub="crm",
        destination_id=dest.id,
        event_id="evt_forged",
        event_type="session.created",
        session_id="s",
        url=endpoint.url,
        body='{"forged": true}',
        created_at="2026-01-01T00:00:00Z",
    )

    # Published on another account's subject, naming ACCOUNT in its body.
    await router.nc.jetstream().publish(
        subjects.task_subject("intruder"), forged.encode()
    )
    marker = await router.publish()

    (request,) = await endpoint.wait_for(1)
    assert request.json()["id"] == marker
    with pytest.raises(TimeoutError):
        await endpoint.wait_for(2, timeout=1.0)
    reply = await router.rpc.ListDeadLetters(
        pb.ListDeadLettersRequest(account_id="intruder")
    )
    assert [d.reason for d in reply.dead_letters] == [
        "task account does not match its subject"
    ]
