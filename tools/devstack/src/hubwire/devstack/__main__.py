"""``python -m hubwire.devstack run|demo``."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

from hubwire.devstack import demo
from hubwire.devstack.stack import Ports, Stack


def run() -> int:
    var_dir = Path(os.environ.get("HUBWIRE_VAR_DIR", "var")).resolve()
    ports = Ports(
        nats=int(os.environ.get("HUBWIRE_NATS_PORT", 14222)),
        registry=int(os.environ.get("HUBWIRE_REGISTRY_PORT", 50151)),
        mapping=int(os.environ.get("HUBWIRE_MAPPING_PORT", 50152)),
        router=int(os.environ.get("HUBWIRE_ROUTER_PORT", 50153)),
        gateway=int(os.environ.get("HUBWIRE_GATEWAY_PORT", 8080)),
    )
    stack = Stack(
        var_dir=var_dir, ports=ports, nats_url=os.environ.get("HUBWIRE_NATS_URL")
    )
    signal.signal(signal.SIGTERM, _interrupt)
    # A stack started in the background inherits an ignored SIGINT; restore
    # it so `kill -INT` works as Ctrl-C does.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        print(
            f"starting NATS and the four services (data in {var_dir}) ...", flush=True
        )
        stack.start()
        _bootstrap(stack, var_dir)
        _write_state(var_dir, stack)
        print(
            f"\nHubwire is up: {stack.gateway_url}  "
            f"(OpenAPI: {stack.gateway_url}/openapi.json)"
        )
        print(
            "Run `make demo` in another terminal. Ctrl-C stops everything.\n",
            flush=True,
        )
        while all(p.poll() is None for p in stack.processes.values()):
            time.sleep(0.5)
        print("a process exited; stopping", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        # A second Ctrl-C (or the SIGINT a terminal sends the whole process
        # group) must not interrupt the orderly stop.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("stopping...", flush=True)
        stack.stop()
        (var_dir / "stack.json").unlink(missing_ok=True)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _write_state(var_dir: Path, stack: Stack) -> None:
    """Tell `make demo` (and users) where this stack's gateway listens."""
    state = {"gateway_url": stack.gateway_url, "pid": os.getpid()}
    (var_dir / "stack.json").write_text(json.dumps(state))


def _bootstrap(stack: Stack, var_dir: Path) -> None:
    """Create the bootstrap admin once; its password is printed once and kept
    in var/admin.json (mode 0600) for `make demo`."""
    path = var_dir / "admin.json"
    if path.exists():
        print(f"bootstrap admin exists (credentials in {path})")
        return
    admin = stack.create_account("demo", "admin")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(admin, fh)
    print(
        f"bootstrap admin: account={admin['account']} username={admin['username']} "
        f"password={admin['password']}  (shown once; saved in {path} for make demo)"
    )


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else "run"
    if command == "run":
        return run()
    if command == "demo":
        return demo.main()
    print("usage: python -m hubwire.devstack run|demo", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
