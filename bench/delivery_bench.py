"""Delivery benchmark: the events-router against a plain HTTP client.

    .venv/bin/python bench/delivery_bench.py [--events 5000] [--rate 500]

Starts, on loopback only: a nats-server with JetStream, a receiver (plain
uvicorn, in its own process) and one events-router process with its delivery
log on (SQLite). Then, in one run:

1. plain: an aiohttp client with 100 connections POSTs ``--events`` bodies
   of the router's shape to the receiver: the ceiling on this machine;
2. router: ``--events`` events published at once; the receiver counts each
   webhook and the time from publish to receipt; the run ends when every
   task is received and acknowledged on the bus;
3. steady: events published at a fixed ``--rate`` for ``--seconds``; p50/p99
   publish-to-receipt latency;
4. isolation: the same burst to two hubs, first both healthy, then with the
   second one's endpoint hanging; the healthy hub's rate in both.

Everything runs on one machine and shares its cores, so the figures are a
floor for a dedicated deployment, and mostly useful side by side.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HANG = "/hang"


# -- the receiver (its own process) ------------------------------------------


def receiver_app() -> object:
    """A bare ASGI app: records the publish-to-receipt latency of each POST
    per path; ``GET /stats/<path>`` answers and resets them; ``/hang`` never
    answers."""
    seen: dict[str, list[float]] = {}

    async def app(scope: dict, receive: object, send: object) -> None:  # type: ignore[type-arg]
        if scope["type"] != "http":
            return
        path = scope["path"]
        if scope["method"] == "GET" and path.startswith("/stats/"):
            await _answer(send, 200, json.dumps(seen.pop(path[6:], [])).encode())
            return
        body = b""
        more = True
        while more:
            message = await receive()  # type: ignore[operator]
            body += message.get("body", b"")
            more = message.get("more_body", False)
        now = time.time()
        if path == HANG:
            await asyncio.sleep(3600)
        sent = json.loads(body)["data"]["bench_sent_at"]
        seen.setdefault(path, []).append(now - sent)
        await _answer(send, 204, b"")

    return app


async def _answer(send: object, status: int, body: bytes) -> None:
    headers = [(b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})  # type: ignore[operator]
    await send({"type": "http.response.body", "body": body})  # type: ignore[operator]


def run_receiver(port: int) -> None:
    import uvicorn

    uvicorn.run(
        receiver_app(),  # type: ignore[arg-type]
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        timeout_keep_alive=60,
    )


# -- processes -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


class Processes:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.procs: list[subprocess.Popen[bytes]] = []
        self.nats_port = free_port()
        self.receiver_port = free_port()
        self.router_port = free_port()

    def start(self, router_env: dict[str, str]) -> None:
        from hubwire.devstack.stack import nats_server_binary

        self._spawn(
            [
                nats_server_binary(),
                "-a",
                "127.0.0.1",
                "-p",
                str(self.nats_port),
                "-js",
                "-sd",
                str(self.workdir / "nats"),
            ]  # fmt: skip
        )
        self.receiver = self._spawn(
            [sys.executable, __file__, "--receiver", str(self.receiver_port)]
        )
        wait_port(self.nats_port)
        wait_port(self.receiver_port)
        env = dict(os.environ, **self.router_env(), **router_env)
        log = open(self.workdir / "router.log", "wb")  # noqa: SIM115
        profile = os.environ.get("BENCH_PROFILE")  # a file for cProfile's stats
        wrap = ["-m", "cProfile", "-o", profile] if profile else []
        self.router = self._spawn(
            [sys.executable, *wrap, "-m", "hubwire.router"], env=env, out=log
        )
        wait_port(self.router_port)

    def router_env(self) -> dict[str, str]:
        return {
            "HUBWIRE_NATS_URL": self.nats_url,
            "HUBWIRE_VAR_DIR": str(self.workdir / "var"),
            "HUBWIRE_ROUTER_PORT": str(self.router_port),
            "HUBWIRE_ALLOW_PRIVATE_URLS": "true",
            "HUBWIRE_ALLOW_HTTP_URLS": "true",
            "HUBWIRE_LOG_LEVEL": "WARNING",
            "HUBWIRE_DELIVERY_LOG": "true",
            "HUBWIRE_REQUEST_TIMEOUT": "600",
        }

    @property
    def nats_url(self) -> str:
        return f"nats://127.0.0.1:{self.nats_port}"

    def _spawn(
        self, args: list[str], env: dict[str, str] | None = None, out: object = None
    ) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=out)  # type: ignore[arg-type]
        self.procs.append(proc)
        return proc

    def stop(self) -> None:
        for proc in reversed(self.procs):
            proc.send_signal(signal.SIGTERM)
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


# -- measuring -----------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def body(sent_at: float, n: int) -> bytes:
    """A webhook body of the router's shape, for the plain client."""
    return json.dumps(
        {
            "id": f"evt_{n}",
            "type": "session.created",
            "time": "2026-01-01T00:00:00Z",
            "account": "bench",
            "hub": "fast",
            "session_id": f"ses_{n}",
            "data": {"customer": {"name": "Ada"}, "bench_sent_at": sent_at},
            "attributes": {},
        }
    ).encode()


def summary(latencies: list[float]) -> tuple[float, float]:
    """p50 and p99 in milliseconds."""
    ordered = sorted(latencies)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return p50 * 1000, p99 * 1000


@dataclass
class Run:
    rate: float  # per second
    latencies: list[float]  # seconds, send or publish to receipt
    cpu_us: float  # CPU of the sender (client or router) per item

    def line(self, name: str, unit: str) -> str:
        p50, p99 = summary(self.latencies)
        return (
            f"{name:<22} {self.rate:7.0f} {unit}/s  p50 {p50:7.1f} ms  "
            f"p99 {p99:7.1f} ms  CPU {self.cpu_us:5.0f} us each"
        )


class Bench:
    def __init__(self, procs: Processes, events: int) -> None:
        self.procs = procs
        self.events = events
        self.base = f"http://127.0.0.1:{procs.receiver_port}"
        self.expected_unacked = 0

    async def stats(self, path: str) -> list[float]:
        import aiohttp

        async with (
            aiohttp.ClientSession() as http,
            http.get(f"{self.base}/stats{path}") as resp,
        ):
            return list(json.loads(await resp.read()))

    async def received(self, path: str, count: int) -> list[float]:
        got: list[float] = []
        while len(got) < count:
            got += await self.stats(path)
            await asyncio.sleep(0.02)
        return got

    async def plain(self) -> Run:
        import aiohttp

        connector = aiohttp.TCPConnector(limit=100)
        async with aiohttp.ClientSession(connector=connector) as http:
            queue = iter(range(self.events))

            async def worker() -> None:
                for n in queue:
                    async with http.post(
                        f"{self.base}/plain",
                        data=body(time.time(), n),
                        headers={"content-type": "application/json"},
                    ) as resp:
                        await resp.read()

            start, cpu = time.monotonic(), time.process_time()
            await asyncio.gather(*(worker() for _ in range(100)))
            took, cpu = time.monotonic() - start, time.process_time() - cpu
        latencies = await self.received("/plain", self.events)
        return Run(self.events / took, latencies, cpu / self.events * 1e6)

    async def setup_bus(self) -> None:
        import nats

        from hubwire.common import bus, webhooks
        from hubwire.router.settings import RouterSettings

        self.nc = await nats.connect(self.procs.nats_url)
        self.js = self.nc.jetstream()
        await bus.ensure_streams(self.js)
        self.kv = await bus.config_bucket(self.js)
        self.box = RouterSettings().secret_box()
        self.secret = webhooks.generate_secret()

    async def put_hub(self, hub: str, path: str, dest_id: str) -> None:
        doc = {
            "account_id": "bench",
            "hub": hub,
            "active": True,
            "signing_secrets_enc": [self.box.encrypt(self.secret)],
            "previous_expires_at": None,
            "destinations": [
                {
                    "id": dest_id,
                    "event_type": "session.created",
                    "url": f"{self.base}{path}",
                    "username": "bench",
                    "password_enc": self.box.encrypt("pw"),
                    "disabled": False,
                }
            ],
        }
        await self.kv.put(f"bench.{hub}", json.dumps(doc).encode())
        await asyncio.sleep(0.5)  # the router's KV watch applies it

    async def publish(self, n: int) -> None:
        doc = {
            "specversion": "1.0",
            "id": f"evt_{time.time_ns()}_{n}",
            "source": "/bench",
            "type": "session.created",
            "hubwiresessionid": f"ses_{n}",
            "data": {"customer": {"name": "Ada"}, "bench_sent_at": time.time()},
        }
        await self.js.publish(
            "hubwire.events.bench.session.created",
            json.dumps(doc).encode(),
            headers={"Nats-Msg-Id": doc["id"]},
        )

    async def burst(self, path: str, events: int | None = None) -> Run:
        """Publish every event at once; until each is received and acked."""
        events = events or self.events
        router = self.procs.router.pid
        start, cpu = time.monotonic(), cpu_seconds(router)
        window = asyncio.Semaphore(1000)

        async def one(n: int) -> None:
            async with window:
                await self.publish(n)

        await asyncio.gather(*(one(n) for n in range(events)))
        latencies = await self.received(path, events)
        await self.acknowledged()
        took, cpu = time.monotonic() - start, cpu_seconds(router) - cpu
        return Run(events / took, latencies, cpu / events * 1e6)

    async def steady(self, path: str, rate: int, seconds: float) -> list[float]:
        total = int(rate * seconds)
        start = time.monotonic()
        for n in range(total):
            delay = start + n / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            await self.publish(n)
        return await self.received(path, total)

    async def acknowledged(self, timeout: float = 60) -> None:
        """Wait until the router has acknowledged every task it was given
        (but those parked for a hanging endpoint)."""
        from hubwire.common import subjects

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            info = await self.js.consumer_info(
                subjects.DELIVERIES_STREAM, subjects.ROUTER_TASKS_CONSUMER
            )
            if info.num_pending == 0 and info.num_ack_pending <= self.expected_unacked:
                return
            await asyncio.sleep(0.02)
        raise RuntimeError("tasks left unacknowledged")


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="hubwire-bench-") as tmp:
        procs = Processes(Path(tmp))
        procs.start(router_env={})
        try:
            await measure(procs, args)
        finally:
            procs.stop()


async def measure(procs: Processes, args: argparse.Namespace) -> None:
    bench = Bench(procs, args.events)
    print(f"{args.events} events per burst; one router process, delivery log on")

    plain = await bench.plain()
    print(plain.line("plain aiohttp client", "POSTs"))

    await bench.setup_bus()
    await bench.put_hub("fast", "/router", "dst_fast")
    await bench.burst("/router", events=500)  # warm up: connections, caches
    router = await bench.burst("/router")
    print(router.line("router, burst", "deliveries"))
    print(
        f"ratio to the plain client: {router.rate / plain.rate:.2f} by rate, "
        f"{plain.cpu_us / router.cpu_us:.2f} by CPU per delivery"
    )

    p50, p99 = summary(await bench.steady("/router", args.rate, args.seconds))
    print(f"router at {args.rate} events/s: p50 {p50:.1f} ms  p99 {p99:.1f} ms")

    await isolation(bench, args)


async def isolation(bench: Bench, args: argparse.Namespace) -> None:
    """The healthy hub's figures beside a healthy twin, then a hanging one.
    Each event now makes two tasks, so the steady rate is halved to keep the
    deliveries per second the same."""
    rate = args.rate // 2
    await bench.put_hub("other", "/twin", "dst_other")
    twin = await bench.burst("/router")
    await bench.stats("/twin")
    twin_lat = await bench.steady("/router", rate, args.seconds)
    await bench.stats("/twin")

    await bench.put_hub("other", HANG, "dst_other")
    bench.expected_unacked = 10**9  # the hanging endpoint's tasks stay unacked
    hanging = await bench.burst("/router")
    hanging_lat = await bench.steady("/router", rate, args.seconds)
    print(
        f"isolation, burst: healthy hub {twin.rate:.0f} deliveries/s beside a "
        f"healthy hub, {hanging.rate:.0f}/s beside a hanging one "
        f"({hanging.rate / twin.rate:.0%})"
    )
    print(
        f"isolation at {rate} events/s to two hubs, healthy hub p50/p99: "
        "{:.1f}/{:.1f} ms beside a healthy hub, {:.1f}/{:.1f} ms beside a "
        "hanging one".format(*summary(twin_lat), *summary(hanging_lat))
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--rate", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--receiver", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.receiver:
        run_receiver(args.receiver)
        return
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
