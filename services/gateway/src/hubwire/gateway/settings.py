"""Settings of the gateway (``HUBWIRE_…`` variables)."""

from __future__ import annotations

from pydantic import Field

from hubwire.common.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8080
    gateway_database_url: str = ""
    # Proxies whose X-Forwarded-For is believed (comma-separated addresses);
    # empty: none, the connection's own address counts.
    forwarded_allow_ips: str = ""
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # Sustained requests per minute of one caller (a client id, an admin, or
    # the IP address of unauthenticated requests); a full minute's worth may
    # come in one burst.
    rate_limit_per_minute: int = Field(default=600, ge=1)
    # How long an Idempotency-Key is remembered.
    idempotency_ttl_hours: float = Field(default=24, gt=0)
    outbox_poll_seconds: float = Field(default=0.2, gt=0)

    # Accounts whose admins operate this installation (blocked-services list).
    operator_accounts: str = ""

    def operator_account_ids(self) -> frozenset[str]:
        return frozenset(
            a.strip() for a in self.operator_accounts.split(",") if a.strip()
        )

    def database_url(self) -> str:
        return self.gateway_database_url or self.sqlite_url("gateway")
