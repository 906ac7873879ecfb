"""``python -m hubwire.mapping`` runs the mapping service."""

from __future__ import annotations

import asyncio

from hubwire.common import logs, telemetry
from hubwire.mapping.app import run
from hubwire.mapping.settings import MappingSettings


def main() -> None:
    settings = MappingSettings()
    logs.setup("mapping", settings.log_level)
    telemetry.setup("mapping", settings)
    telemetry.serve_metrics(settings.mapping_metrics_port)
    asyncio.run(run(settings))


if __name__ == "__main__":
    main()
