"""Scale-out: router replicas as real processes sharing one durable consumer
and one delivery log (a shared SQLite file in WAL mode)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from hubwire.devstack.stack import free_port
from hubwire.router.tasks import delivery_id
from hubwire.rpc.router.v1 import router_pb2 as pb
from hubwire.rpc.router.v1 import router_pb2_grpc
from tests.router.conftest import MakeEndpoint
from tests.router.endpoints import Endpoint, answer_after
from tests.router.harness import ACCOUNT, Bus, Destination, settings_for, wait_until
from tests.support.natsserver import NatsServer

pytestmark = pytest.mark.e2e

EVENTS = 300
PROBE_TYPE = "form.submitted"


class Replicas:
    """Router processes on one bus and one ``var`` folder."""

    def __init__(self, nats_url: str, var_dir: Path, **env: str) -> None:
        self.nats_url = nats_url
        self.var_dir = var_dir
        self.env = env
        self.procs: list[subprocess.Popen[bytes]] = []
        self.ports: list[int] = []

    def start(self, count: int) -> None:
        for n in range(count):
            port = free_port()
            env = dict(os.environ) | {
                "HUBWIRE_NATS_URL": self.nats_url,
                "HUBWIRE_VAR_DIR": str(self.var_dir),
                "HUBWIRE_ROUTER_PORT": str(port),
                "HUBWIRE_ALLOW_PRIVATE_URLS": "true",
                "HUBWIRE_ALLOW_HTTP_URLS": "true",
                # Events carry no attributes: the mapping is never asked.
                "HUBWIRE_MAPPING_PORT": str(free_port()),
                "HUBWIRE_REGISTRY_PORT": str(free_port()),
                "HUBWIRE_ACK_WAIT_SECONDS": "2",
                "HUBWIRE_RETRY_SCHEDULE": "0,0.2,0.4",
            }
            log = open(self.var_dir / f"router{n}.log", "wb")  # noqa: SIM115
            self.procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "hubwire.router"],
                    env=env | self.env,
                    stdout=log,
                    stderr=log,
                )
            )
            self.ports.append(port)
        for port in self.ports:
            self._wait_serving(port, timeout=30)

    def _wait_serving(self, port: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for proc in self.procs:
                assert proc.poll() is None, f"a replica exited: {proc.returncode}"
            with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
                try:
                    health_pb2_grpc.HealthStub(channel).Check(
                        health_pb2.HealthCheckRequest(), timeout=1
                    )
                    return
                except grpc.RpcError:
                    time.sleep(0.1)
        raise AssertionError(f"replica on port {port} did not start")

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture(scope="module")
def replicas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replicas]:
    """Two replicas for the whole module, started once (a process takes
    seconds to start on a busy machine). The kill test runs last."""
    tmp = tmp_path_factory.mktemp("replicas")
    server = NatsServer(tmp / "nats")
    server.start()
    group = Replicas(server.url, tmp / "var", HUBWIRE_PER_DESTINATION_IN_FLIGHT="4")
    group.var_dir.mkdir()
    try:
        group.start(2)
        yield group
    finally:
        group.stop()
        server.stop()


@pytest.fixture
async def bus(replicas: Replicas, tmp_path: Path) -> AsyncIterator[Bus]:
    client = await Bus(settings_for(replicas.nats_url, tmp_path)).connect()
    yield client
    await client.nc.close()


async def test_two_replicas_deliver_every_task_exactly_once(
    replicas: Replicas, bus: Bus, make_endpoint: MakeEndpoint
) -> None:
    endpoint = await make_endpoint(answer_after(0.005))
    dest = Destination("session.created", endpoint.url)
    await _put_hub_everywhere(replicas, bus, "crm", dest, await make_endpoint())
    events = await asyncio.gather(*(bus.publish() for _ in range(EVENTS)))

    await endpoint.wait_for(EVENTS, timeout=30)
    with pytest.raises(TimeoutError):
        await endpoint.wait_for(EVENTS + 1, timeout=2.5)  # past ack_wait
    expected = {delivery_id(ACCOUNT, e, dest.id) for e in events}
    assert Counter(endpoint.ids()) == Counter(expected)


async def test_killing_a_replica_mid_load_loses_nothing(
    replicas: Replicas, bus: Bus, make_endpoint: MakeEndpoint
) -> None:
    endpoint = await make_endpoint(answer_after(0.05))
    dest = Destination("session.closed", endpoint.url)
    await _put_hub_everywhere(replicas, bus, "bank", dest, await make_endpoint())
    events = await asyncio.gather(
        *(bus.publish("session.closed") for _ in range(EVENTS))
    )
    await endpoint.wait_for(EVENTS // 5, timeout=30)

    replicas.procs[0].send_signal(signal.SIGKILL)
    assert len(endpoint.requests) < EVENTS, "the load was over before the kill"

    expected = {delivery_id(ACCOUNT, e, dest.id) for e in events}
    await _wait_for_ids(endpoint.ids, expected, timeout=40)
    by_id: dict[str, set[bytes]] = {}
    for request in endpoint.requests:
        by_id.setdefault(request.webhook_id, set()).add(request.body)
    assert set(by_id) == expected
    # A duplicate is a task that was in flight at the kill: same id, same body.
    assert all(len(bodies) == 1 for bodies in by_id.values())
    duplicates = len(endpoint.requests) - len(expected)
    assert duplicates <= 64, duplicates


async def _put_hub_everywhere(
    replicas: Replicas, bus: Bus, hub: str, dest: Destination, probe: Endpoint
) -> None:
    """Write the hub's config, then wait until every replica has it: each
    answers a test ping to the hub's probe destination."""
    await bus.put_hub(hub, [dest, Destination(PROBE_TYPE, probe.url)])
    request = pb.TestConnectivityRequest(
        account_id=ACCOUNT, hub_name=hub, event_type=PROBE_TYPE
    )
    for port in replicas.ports:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = router_pb2_grpc.RouterServiceStub(channel)

            async def has_it(stub: router_pb2_grpc.RouterServiceStub = stub) -> bool:
                try:
                    reply = await stub.TestConnectivity(request)
                except grpc.aio.AioRpcError:
                    return False
                return reply.results[0].ok

            await wait_until(has_it, what=f"the config of {hub} on port {port}")


async def _wait_for_ids(ids: object, expected: set[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not expected <= set(ids()):  # type: ignore[operator]
        missing = len(expected - set(ids()))  # type: ignore[operator]
        assert time.monotonic() < deadline, f"{missing} tasks never delivered"
        await asyncio.sleep(0.05)
