"""Delivery: the request, signatures, status codes, network failures, retries
and outcome events, against real HTTP endpoints."""

from __future__ import annotations

import json

import pytest
from nats.aio.msg import Msg
from standardwebhooks.webhooks import Webhook

from hubwire.common import webhooks
from hubwire.router.tasks import delivery_id
from tests.router.conftest import MakeEndpoint, MakeRouter
from tests.router.endpoints import (
    ResettingEndpoint,
    answer_204,
    answer_after,
    answer_in_turn,
    answer_status,
    closed_port,
)
from tests.router.harness import ACCOUNT, Destination, RouterHarness, wait_until


async def test_a_delivery_posts_the_designed_body_with_basic_auth_and_signature(
    router: RouterHarness, make_endpoint: MakeEndpoint
) -> None:
    endpoint = await make_endpoint()
    dest = Destination("session.created", endpoint.url, "crm-user", "pässword 1")
    await router.put_hub_and_wait("crm", [dest])

    event = await router.publish(
        session_id="ses_9", attributes={"customer_email": "ada@example.com"}
    )

    (request,) = await endpoint.wait_for(1)
    assert request.json() == {
        "id": event,
        "type": "session.created",
        "time": "2026-01-01T00:00:00Z",
        "account": ACCOUNT,
        "hub": "crm",
        "session_id": "ses_9",
        "data": {"customer": {"name": "Ada"}},
        "attributes": {"customer_email": "ada@example.com"},
    }
    assert request.basic == ("crm-user", "pässword 1")
    assert request.headers["Content-Type"] == "application/json"
    assert request.webhook_id == delivery_id(ACCOUNT, event, dest.id)
    # The reference library accepts it as it stands.
    Webhook(router.secret).verify(request.body, request.headers)


async def test_during_a_secret_rotation_both_secrets_sign(
    router: RouterHarness, make_endpoint: MakeEndpoint
) -> None:
    endpoint = await make_endpoint()
    new, old = webhooks.generate_secret(), router.secret
    await router.put_hub_and_wait(
        "crm", [Destination("session.created", endpoint.url)], secrets=[new, old]
    )

    await router.publish()

    (request,) = await endpoint.wait_for(1)
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    assert request.verifies(new) and request.verifies(old)
    assert not request.verifies(webhooks.generate_secret())


async def test_a_hub_with_mappings_gets_fields_and_one_without_does_not(
    make_router: MakeRouter, make_endpoint: MakeEndpoint
) -> None:
    async def fields_of(
        account: str, hub: str, attributes: dict[str, object]
    ) -> dict[str, object]:
        if hub != "crm":
            return {}
        return {"Contact": {"Email": attributes["customer_email"]}}

    router = await make_router(fields_of=fields_of)
    crm, bank = await make_endpoint(), await make_endpoint()
    await router.put_hub_and_wait("crm", [Destination("session.created", crm.url)])
    await router.put_hub_and_wait("bank", [Destination("session.created", bank.url)])

    await router.publish(attributes={"customer_email": "ada@example.com"})

    (to_crm,) = await crm.wait_for(1)
    (to_bank,) = await bank.wait_for(1)
    assert to_crm.json()["fields"] == {"Contact": {"Email": "ada@example.com"}}
    assert "fields" not in to_bank.json()


async def test_a_redirect_is_not_followed_and_counts_as_a_failure(
    router: RouterHarness, make_endpoint: MakeEndpoint
) -> None:
    elsewhere = await make_endpoint()
    redirecting = await make_endpoint(
        answer_status(307, headers={"Location": elsewhere.url})
    )
    dest = Destination("session.created", redirecting.url)
    await router.put_hub_and_wait("crm", [dest])

    event = await router.publish()

    dead = await router.wait_status(event, dest, "dead")
    assert [a.status_code for a in dead.attempts] == [307, 307, 307]
    assert dead.attempts[0].error == "HTTP 307 (redirects are not followed)"
    assert elsewhere.requests == []


async def test_a_410_disables_the_destination_and_records_why(
    make_router: MakeRouter, make_endpoint: MakeEndpoint
) -> None:
    disabled: list[tuple[str, str, str]] = []

    async def disable(account: str, destination_id: str, reason: str) -> None:
        disabled.append((account, destination_id, reason))

    router = await make_router(disable=disable)
    endpoint = await make_endpoint(answer_status(410))
    dest = Destination("session.created", endpoint.url)
    await router.put_hub_and_wait("crm", [dest])

    event = await router.publish()

    dead = await router.wait_status(event, dest, "dead")
    reason = "HTTP 410: the endpoint is gone; destination disabled"
    assert dead.reason == reason
    assert len(dead.attempts) == 1
    assert disabled == [(ACCOUNT, dest.id, reason)]


@pytest.mark.parametrize(
    ("status", "retry_after", "cap", "least", "most"),
    [
        (429, "1", 3600.0, 0.9, 2.5),
        (503, "1", 3600.0, 0.9, 2.5),
        (429, "86400", 0.6, 0.5, 1.8),
    ],
)
async def test_429_and_503_honour_retry_after_up_to_the_cap(
    make_router: MakeRouter,
    make_endpoint: MakeEndpoint,
    status: int,
    retry_after: str,
    cap: float,
    least: float,
    most: float,
) -> None:
    router = await make_router(retry_after_cap=cap)
    endpoint = await make_endpoint(
        answer_in_turn(
            answer_status(status, headers={"Retry-After": retry_after}), answer_204
        )
    )
    dest = Destination("session.created", endpoint.url)
    await router.put_hub_and_wait("crm", [dest])

    event = await router.publish()

    first, second = await endpoint.wait_for(2)
    assert least <= second.at - first.at <= most
    done = await router.wait_status(event, dest, "succeeded")
    assert [a.status_code for a in done.attempts] == [status, 204]


async def test_a_refused_connection_is_retried_until_the_last_attempt(
    router: RouterHarness,
) -> None:
    dest = Destination("session.created", f"http://127.0.0.1:{closed_port()}/hook")
    await router.put_hub_and_wait("crm", [dest])

    event = await router.publish()

    dead = await router.wait_status(event, dest, "dead")
    assert len(dead.attempts) == 3
    assert all(a.error.startswith("connection to 127.0.0.1:") for a in dead.attempts)
    assert dead.reason.endswith("(attempt 3, the last)")


async def test_a_dns_failure_is_retried_not_dead_at_once(
    router: RouterHarness,
) -> None:
    dest = Destination("session.created", "http://no-such-host.invalid/hook")
    await router.put_hub_and_wait("crm", [dest])

    event = await router.publish()

    dead = await router.wait_status(event, dest, "dead")
    assert len(dead.attempts) == 3
    assert dead.attempts[0].error.startswith(
        "DNS lookup of no-such-host.invalid failed"
    )


async def test_a_reset_connection_is_retried(
    router: RouterHarness, resetting_endpoint: ResettingEndpoint
) -> None:
    dest = Destination("session.created", resetting_endpoint.url)
    await router.put_hub_and_wait("crm", [dest])

    event = await router.publish()

    dead = await router.wait_status(event, dest, "dead")
    assert resetting_endpoint.connections == 3
    assert len(dead.attempts) == 3
    assert all(a.status_code == 0 and a.error for a in dead.attempts)


async def test_an_answer_slower_than_the_request_timeout_is_retried(
    make_router: MakeRouter, make_endpoint: MakeEndpoint
) -> None:
    router = await make_router(request_timeout=0.5, connect_timeout=0.5)
    endpoint = await make_endpoint(answer_in_turn(answer_after(3), answer_204))
    dest = Destination("session.created", endpoint.url)
    await router.put_hub_and_wait("crm", [dest])

    event = await router.publish()

    done = await router.wait_status(event, dest, "succeeded")
    assert [(a.status_code, a.error) for a in done.attempts] == [
        (0, "timed out"),
        (204, ""),
    ]
    assert 400 <= done.attempts[0].latency_ms < 2000
    assert len(set(endpoint.ids())) == 1


async def test_outcome_events_report_each_failure_then_the_death(
    router: RouterHarness, make_endpoint: MakeEndpoint
) -> None:
    outcomes: list[dict[str, object]] = []

    async def record(msg: Msg) -> None:
        outcomes.append({**json.loads(msg.data), "subject": msg.subject})

    sub = await router.nc.subscribe(
        f"hubwire.deliveries.outcomes.{ACCOUNT}.>", cb=record
    )
    failing, fine = await make_endpoint(answer_status(500)), await make_endpoint()
    failing_dest = Destination("session.created", failing.url)
    await router.put_hub_and_wait("crm", [failing_dest])
    await router.put_hub_and_wait("bank", [Destination("session.created", fine.url)])

    event = await router.publish()

    await router.wait_status(event, failing_dest, "dead")
    await wait_until(lambda: len(outcomes) == 4, what="four outcome events")
    await sub.unsubscribe()
    mine = [o for o in outcomes if o["destination_id"] == failing_dest.id]
    assert [(o["outcome"], o["attempt"]) for o in mine] == [
        ("failed", 1),
        ("failed", 2),
        ("dead", 3),
    ]
    assert {o["subject"] for o in mine} == {
        f"hubwire.deliveries.outcomes.{ACCOUNT}.failed",
        f"hubwire.deliveries.outcomes.{ACCOUNT}.dead",
    }
    assert "next_attempt_at" in mine[0] and mine[2]["reason"]
    assert [o["outcome"] for o in outcomes if o["hub"] == "bank"] == ["succeeded"]


async def test_a_loopback_receiver_is_refused_unless_private_urls_are_allowed(
    make_router: MakeRouter, make_endpoint: MakeEndpoint
) -> None:
    router = await make_router(allow_private_urls=False)
    endpoint = await make_endpoint()
    dest = Destination("session.created", endpoint.url)
    await router.put_hub_and_wait("crm", [dest])

    event = await router.publish()

    dead = await router.wait_status(event, dest, "dead")
    assert len(dead.attempts) == 1
    assert "127.0.0.1" in dead.reason and "loopback" in dead.reason
    assert endpoint.requests == []
