"""``python -m hubwire.gateway`` serves the HTTP API with uvicorn.

SIGTERM and SIGINT stop it gracefully (in-flight requests finish, the outbox
relay stops) and the process exits 0: a requested stop is not a failure.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import uvicorn

from hubwire.common import logs, telemetry
from hubwire.gateway.app import create_app
from hubwire.gateway.settings import GatewaySettings


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        with super().capture_signals():
            yield
            # uvicorn re-raises the stop signal after a graceful shutdown,
            # turning a clean stop into exit code -15; forget it instead.
            self._captured_signals.clear()


def main() -> None:
    settings = GatewaySettings()
    logs.setup("gateway", settings.log_level)
    telemetry.setup("gateway", settings)
    config = uvicorn.Config(
        create_app(settings),
        host=settings.gateway_host,
        port=settings.gateway_port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
        # X-Forwarded-For decides the per-IP rate limit bucket, so it is only
        # believed from the proxies the operator names.
        proxy_headers=bool(settings.forwarded_allow_ips),
        forwarded_allow_ips=settings.forwarded_allow_ips or None,
    )
    _Server(config).run()


if __name__ == "__main__":
    main()
