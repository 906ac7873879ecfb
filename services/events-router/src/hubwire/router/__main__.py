"""``python -m hubwire.router`` runs the events-router."""

from __future__ import annotations

import asyncio

from hubwire.common import logs
from hubwire.router.app import run
from hubwire.router.settings import RouterSettings


def main() -> None:
    settings = RouterSettings()
    logs.setup("events-router", settings.log_level)
    asyncio.run(run(settings))


if __name__ == "__main__":
    main()
