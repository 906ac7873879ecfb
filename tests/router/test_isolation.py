"""Isolation: a hanging destination does not slow a healthy one."""

from __future__ import annotations

import asyncio
import time

from tests.router.conftest import MakeEndpoint, MakeRouter
from tests.router.endpoints import Endpoint, answer_never
from tests.router.harness import Destination, RouterHarness

EVENTS = 400


async def _time_to_deliver(router: RouterHarness, healthy: Endpoint) -> float:
    """Seconds from the first publish until ``healthy`` has every event."""
    already = len(healthy.requests)
    start = time.monotonic()
    await asyncio.gather(*(router.publish() for _ in range(EVENTS)))
    await healthy.wait_for(already + EVENTS, timeout=30)
    return time.monotonic() - start


async def test_a_hanging_destination_slows_a_healthy_one_by_less_than_ten_percent(
    make_router: MakeRouter, make_endpoint: MakeEndpoint
) -> None:
    router = await make_router(request_timeout=60.0)
    healthy, twin = await make_endpoint(), await make_endpoint()
    hanging = await make_endpoint(answer_never)
    await router.put_hub_and_wait("fast", [Destination("session.created", healthy.url)])
    other = Destination("session.created", twin.url)
    await router.put_hub_and_wait("other", [other])
    await _time_to_deliver(router, healthy)  # warm up connections and caches

    # The same work with the second hub's endpoint healthy, then hanging.
    baseline = await _time_to_deliver(router, healthy)
    await router.put_hub_and_wait(
        "other", [Destination("session.created", hanging.url, id=other.id)]
    )
    with_hanging = await _time_to_deliver(router, healthy)

    assert hanging.requests, "the hanging endpoint was never called"
    assert with_hanging <= baseline * 1.10 + 0.05, (baseline, with_hanging)
