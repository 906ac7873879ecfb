"""Routing: which hubs get an event, one task per destination, live config."""

from __future__ import annotations

import time

import pytest

from hubwire.rpc.router.v1 import router_pb2 as pb
from tests.router.conftest import MakeEndpoint
from tests.router.endpoints import answer_204, answer_in_turn, answer_status
from tests.router.harness import ACCOUNT, Destination, RouterHarness, wait_until


async def test_an_event_goes_to_every_active_hub_of_its_account_only(
    router: RouterHarness, make_endpoint: MakeEndpoint
) -> None:
    crm, bank, idle, other = [await make_endpoint() for _ in range(4)]
    await router.put_hub_and_wait("crm", [Destination("session.created", crm.url)])
    await router.put_hub_and_wait("bank", [Destination("session.created", bank.url)])
    await router.put_hub_and_wait(
        "idle", [Destination("session.created", idle.url)], active=False
    )
    await router.put_hub_and_wait(
        "crm", [Destination("session.created", other.url)], account="acc2"
    )

    event = await router.publish()

    (to_crm,) = await crm.wait_for(1)
    (to_bank,) = await bank.wait_for(1)
    assert (to_crm.json()["hub"], to_bank.json()["hub"]) == ("crm", "bank")
    assert to_crm.json()["id"] == to_bank.json()["id"] == event
    assert to_crm.webhook_id != to_bank.webhook_id
    assert idle.requests == [] and other.requests == []


async def test_an_event_naming_a_target_hub_goes_to_that_hub_only(
    router: RouterHarness, make_endpoint: MakeEndpoint
) -> None:
    crm, bank = await make_endpoint(), await make_endpoint()
    await router.put_hub_and_wait("crm", [Destination("session.created", crm.url)])
    await router.put_hub_and_wait("bank", [Destination("session.created", bank.url)])

    await router.publish(target_hub="bank")

    (request,) = await bank.wait_for(1)
    assert request.json()["hub"] == "bank"
    with pytest.raises(TimeoutError):
        await crm.wait_for(1, timeout=0.5)


@pytest.mark.parametrize(
    ("active", "reason"),
    [
        (None, "undeliverable: target hub 'ghost' is unknown"),
        (False, "undeliverable: target hub 'ghost' is inactive"),
    ],
)
async def test_a_target_hub_unknown_or_inactive_is_recorded_as_undeliverable(
    router: RouterHarness,
    make_endpoint: MakeEndpoint,
    active: bool | None,
    reason: str,
) -> None:
    endpoint = await make_endpoint()
    await router.put_hub_and_wait("crm", [Destination("session.created", endpoint.url)])
    if active is not None:
        await router.put_hub_and_wait(
            "ghost", [Destination("session.created", endpoint.url)], active=active
        )

    event = await router.publish(target_hub="ghost")

    found: list[pb.DeadLetter] = []

    async def recorded() -> bool:
        reply = await router.rpc.ListDeadLetters(
            pb.ListDeadLettersRequest(account_id=ACCOUNT)
        )
        found[:] = list(reply.dead_letters)
        return bool(found)

    await wait_until(recorded, what="the dead letter")
    assert [(d.reason, d.subject) for d in found] == [
        (reason, "hubwire.events.acc1.session.created")
    ]
    assert event in found[0].payload
    assert endpoint.requests == []


async def test_a_failing_destination_is_retried_alone_and_a_success_is_not_repeated(
    router: RouterHarness, make_endpoint: MakeEndpoint
) -> None:
    healthy = await make_endpoint()
    flaky = await make_endpoint(
        answer_in_turn(answer_status(500), answer_status(500), answer_204)
    )
    ok_dest = Destination("session.created", healthy.url)
    flaky_dest = Destination("session.created", flaky.url)
    await router.put_hub_and_wait("crm", [ok_dest])
    await router.put_hub_and_wait("bank", [flaky_dest])

    event = await router.publish()

    await router.wait_status(event, flaky_dest, "succeeded")
    assert len(flaky.requests) == 3
    assert len(set(flaky.ids())) == 1
    assert len(healthy.requests) == 1
    delivered = await router.wait_status(event, ok_dest, "succeeded")
    assert [a.status_code for a in delivered.attempts] == [204]


async def test_a_config_change_takes_effect_within_a_second(
    router: RouterHarness, make_endpoint: MakeEndpoint
) -> None:
    old, new = await make_endpoint(), await make_endpoint()
    dest = Destination("session.created", old.url)
    await router.put_hub_and_wait("crm", [dest])

    written = time.monotonic()
    await router.put_hub("crm", [Destination("session.created", new.url, id=dest.id)])
    await wait_until(
        lambda: (
            router.router.cache.destination(ACCOUNT, "crm", dest.id)[1].url == new.url
        ),
        timeout=1.0,
        what="the new URL in the router's cache",
    )
    applied = time.monotonic() - written
    await router.publish()

    await new.wait_for(1)
    assert old.requests == []
    assert applied < 1.0
