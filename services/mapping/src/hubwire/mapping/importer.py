"""Import now: read a hub's app catalogue and store it.

The steps are strictly ordered so that a failure at any of them changes
nothing: connectivity from the registry, the HTTP read (guarded, timed,
bounded), the contract check, and only then one transaction that replaces
the catalogue and flags sources.
"""

from __future__ import annotations

import logging

from hubwire.mapping.appclient import AppClient
from hubwire.mapping.connectivity import ConnectivitySource
from hubwire.mapping.contract import parse_import_answer
from hubwire.mapping.imported import ImportedCatalogue, ImportReport

log = logging.getLogger(__name__)


class Importer:
    def __init__(
        self,
        *,
        connectivity: ConnectivitySource,
        client: AppClient,
        catalogue: ImportedCatalogue,
    ) -> None:
        self.connectivity = connectivity
        self.client = client
        self.catalogue = catalogue

    async def import_now(self, account_id: str, hub_name: str) -> ImportReport:
        """Import the hub's objects and answer the report; raise (and change
        nothing) when the app cannot be read or breaks the contract."""
        conn = await self.connectivity.connection(account_id, hub_name)

        try:
            body = await self.client.fetch_objects(conn)
            objects = parse_import_answer(body)
        except Exception as exc:
            log.info("import failed account=%s hub=%s: %s", account_id, hub_name, exc)
            raise

        report = await self.catalogue.replace(account_id, hub_name, objects)
        log.info(
            "imported account=%s hub=%s objects=%d added=%d removed=%d broken=%d",
            account_id,
            hub_name,
            len(objects),
            len(report.changes.added),
            len(report.changes.removed),
            len(report.sources["broken_sources"]),
        )
        return report
