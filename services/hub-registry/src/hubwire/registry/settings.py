"""Settings of the hub-registry service (``HUBWIRE_…`` variables)."""

from __future__ import annotations

from pydantic import Field

from hubwire.common.settings import ServiceSettings


class RegistrySettings(ServiceSettings):
    registry_database_url: str = ""
    client_token_ttl_seconds: int = Field(default=3600, ge=60, le=86400)
    admin_token_ttl_seconds: int = Field(default=900, ge=60, le=43200)
    signing_secret_grace_hours: float = Field(default=24, ge=0, le=24 * 30)
    api_password_min_length: int = Field(default=12, ge=12)

    def database_url(self) -> str:
        return self.registry_database_url or self.sqlite_url("registry")
