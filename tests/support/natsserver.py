"""A real nats-server with JetStream on a free loopback port, for tests."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from hubwire.devstack.stack import nats_server_binary


class NatsServer:
    def __init__(self, store: Path) -> None:
        self.store = store
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self, port: int = -1, timeout: float = 15) -> None:
        """Start on ``port`` (-1: a random free one, read from the ports file
        the server writes once it listens)."""
        self.store.mkdir(parents=True, exist_ok=True)
        ports_dir = self.store / "ports"
        ports_dir.mkdir(exist_ok=True)
        for old in ports_dir.glob("*.ports"):
            old.unlink()
        self.proc = subprocess.Popen(
            [
                nats_server_binary(),
                "-a",
                "127.0.0.1",
                "-p",
                str(port),
                "-js",
                "-sd",
                str(self.store),
                "--ports_file_dir",
                str(ports_dir),
                "-l",
                str(self.store / "nats.log"),
            ],
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            files = list(ports_dir.glob("*.ports"))
            if files:
                ports = json.loads(files[0].read_text())
                self.port = int(ports["nats"][0].rsplit(":", 1)[1])
                return
            if self.proc.poll() is not None:
                raise RuntimeError(f"nats-server exited with {self.proc.returncode}")
            time.sleep(0.05)
        raise RuntimeError("nats-server did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def restart(self) -> None:
        """Stop and start again on the same port with the same store."""
        port = self.port
        self.stop()
        self.start(port=port)
