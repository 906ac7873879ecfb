"""Hub delivery config, kept current from the registry's KV bucket.

The registry writes each hub's config under ``<account>.<hub>``; a watcher
applies every change as it arrives (well within a second), so routing needs no
registry call per event.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field

from nats.js.kv import KeyValue

from hubwire.common.crypto import SecretBox

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class DestinationConfig:
    id: str
    hub: str
    event_type: str
    url: str
    username: str
    password: str | None = field(repr=False)
    disabled: bool


@dataclass(frozen=True, kw_only=True)
class HubConfig:
    account_id: str
    hub: str
    active: bool
    signing_secrets: tuple[str, ...] = field(repr=False)
    destinations: tuple[DestinationConfig, ...]

    def destination_for(self, event_type: str) -> DestinationConfig | None:
        for dest in self.destinations:
            if dest.event_type == event_type and not dest.disabled:
                return dest
        return None


class ConfigCache:
    def __init__(self, box: SecretBox) -> None:
        self.box = box
        self.hubs: dict[tuple[str, str], HubConfig] = {}
        self.ready = asyncio.Event()

    def account_hubs(self, account_id: str) -> list[HubConfig]:
        return [h for (a, _), h in self.hubs.items() if a == account_id]

    def get(self, account_id: str, hub: str) -> HubConfig | None:
        return self.hubs.get((account_id, hub))

    def destination(
        self, account_id: str, hub: str, destination_id: str
    ) -> tuple[HubConfig, DestinationConfig] | None:
        config = self.get(account_id, hub)
        if config is None:
            return None
        for dest in config.destinations:
            if dest.id == destination_id:
                return config, dest
        return None

    def apply(self, key: str, value: bytes | None) -> None:
        account_id, _, hub = key.partition(".")
        if not value:
            self.hubs.pop((account_id, hub), None)
            log.info("config removed account=%s hub=%s", account_id, hub)
            return
        try:
            self.hubs[(account_id, hub)] = self._parse(json.loads(value))
        except (ValueError, KeyError, TypeError) as exc:
            log.error("ignoring malformed hub config key=%s: %s", key, exc)
            return
        log.debug("config applied account=%s hub=%s", account_id, hub)

    def _parse(self, doc: dict) -> HubConfig:  # type: ignore[type-arg]
        hub = doc["hub"]
        return HubConfig(
            account_id=doc["account_id"],
            hub=hub,
            active=bool(doc["active"]),
            signing_secrets=tuple(
                self.box.decrypt(s) for s in doc["signing_secrets_enc"] if s
            ),
            destinations=tuple(
                DestinationConfig(
                    id=d["id"],
                    hub=hub,
                    event_type=d["event_type"],
                    url=d["url"],
                    username=d.get("username") or "",
                    password=self.box.decrypt(d["password_enc"])
                    if d.get("password_enc")
                    else None,
                    disabled=bool(d.get("disabled")),
                )
                for d in doc["destinations"]
            ),
        )

    async def watch(self, kv: KeyValue) -> None:
        """Apply the bucket's current values, then every change, forever."""
        watcher = await kv.watchall()
        async for entry in watcher:
            if entry is None:  # end of the initial values
                self.ready.set()
                continue
            deleted = entry.operation in ("DEL", "PURGE")
            self.apply(entry.key, None if deleted else entry.value)
