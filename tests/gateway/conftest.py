"""One running stack for the gateway tests (package scope: starting the four
services costs seconds on a small machine), with console telemetry so that
the gateway's log shows its spans, and an account set up through the admin
API: hubs, credentials, Attributes and a schema mapping.

The fault tests (NATS stopped, mapping stopped, a low rate limit) start a
stack of their own in their module.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from hubwire.devstack.stack import Ports, Stack
from tests.gateway.support import Client, EventTap, World, open_world

STACK_ENV = {
    "HUBWIRE_RETRY_SCHEDULE": "0,0.5,1",
    "HUBWIRE_LOG_LEVEL": "INFO",
    "HUBWIRE_TELEMETRY": "console",
    # High enough that no test but the rate-limit one meets it.
    "HUBWIRE_RATE_LIMIT_PER_MINUTE": "100000",
}


def start_stack(var_dir: Path, **env: str) -> Stack:
    stack = Stack(
        var_dir=var_dir,
        ports=Ports.free(),
        log_dir=var_dir / "logs",
        extra_env={**STACK_ENV, **env},
    )
    try:
        stack.start()
    except Exception:
        stack.stop()
        raise
    return stack


@pytest.fixture(scope="package")
def gateway_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = start_stack(tmp_path_factory.mktemp("gateway"))
    yield stack
    stack.stop()


@pytest.fixture(scope="package")
def world(gateway_stack: Stack) -> World:
    """Account ``gw``: ``crm_hub`` maps Contact.Email and Contact.Phone to
    customer_email and customer_phone; ``events_hub`` is a second hub to
    target; ``dormant_hub`` is inactive."""
    world = open_world(gateway_stack, "gw")
    world.hub("crm_hub")
    world.hub("events_hub")
    world.hub("dormant_hub", credentials=False)
    world.admin_call("PATCH", "/admin/v1/hubs/dormant_hub", 200, json={"active": False})
    for name, type_ in (("customer_email", "email"), ("customer_phone", "phone")):
        world.admin_call(
            "POST", "/admin/v1/attributes", 201, json={"name": name, "type": type_}
        )
    schema = {
        "objects": {"Contact": {"Email": "customer_email", "Phone": "customer_phone"}}
    }
    world.admin_call(
        "PUT", "/admin/v1/hubs/crm_hub/schema", 200, content=json.dumps(schema)
    )
    return world


@pytest.fixture(scope="package")
def stranger(gateway_stack: Stack) -> Client:
    """A client of another account on the same stack."""
    client = open_world(gateway_stack, "gw_other").hub("other_hub")
    assert client is not None
    return client


@pytest.fixture
async def events(world: World) -> AsyncIterator[EventTap]:
    async with EventTap(world.nats_url, world.account) as tap:
        yield tap
