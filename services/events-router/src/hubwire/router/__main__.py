"""``python -m hubwire.router`` runs the events-router."""

from __future__ import annotations

import asyncio

from hubwire.common import logs, telemetry
from hubwire.router.app import run
from hubwire.router.settings import RouterSettings


def main() -> None:
    settings = RouterSettings()
    logs.setup("events-router", settings.log_level)
    telemetry.setup("events-router", settings)
    telemetry.serve_metrics(settings.router_metrics_port)
    try:
        # uvloop measured faster for the router's mix of NATS and HTTP (see
        # docs/benchmarks.md); the standard loop works the same, only slower.
        import uvloop
    except ImportError:
        asyncio.run(run(settings))
    else:
        uvloop.run(run(settings))


if __name__ == "__main__":
    main()
