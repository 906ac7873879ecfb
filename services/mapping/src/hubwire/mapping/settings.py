"""Settings of the mapping service (``HUBWIRE_…`` variables)."""

from __future__ import annotations

from pydantic import Field, model_validator

from hubwire.common.settings import ServiceSettings
from hubwire.mapping.appclient import AppClientConfig
from hubwire.mapping.writeback import DEFAULT_RETRY_DELAYS, WritebackConfig


class MappingSettings(ServiceSettings):
    mapping_database_url: str = ""
    # Prometheus /metrics (write-back outcomes); 0: not served.
    mapping_metrics_port: int = Field(default=0, ge=0, le=65535)
    # Import now: the app's answer may not exceed this many bytes.
    import_max_bytes: int = Field(default=2 * 1024 * 1024, ge=1024)
    app_connect_timeout: float = Field(default=5.0, gt=0)
    app_timeout: float = Field(default=15.0, gt=0)
    # Write-back: seconds to wait before attempts 2, 3, ... (JSON list in the
    # environment); a task is dead after len + 1 attempts.
    writeback_retry_delays: list[float] = Field(
        default_factory=lambda: list(DEFAULT_RETRY_DELAYS)
    )
    writeback_workers: int = Field(default=4, ge=1, le=256)
    writeback_ack_wait: float = Field(default=60.0, gt=0)

    @model_validator(mode="after")
    def _ack_wait_covers_a_call(self) -> MappingSettings:
        # A task still being worked on must not be handed to another worker.
        if self.writeback_ack_wait <= self.app_connect_timeout + self.app_timeout:
            raise ValueError(
                "HUBWIRE_WRITEBACK_ACK_WAIT must exceed the app connect timeout "
                "plus the app timeout"
            )
        if any(delay < 0 for delay in self.writeback_retry_delays):
            raise ValueError("HUBWIRE_WRITEBACK_RETRY_DELAYS must not be negative")
        return self

    def database_url(self) -> str:
        return self.mapping_database_url or self.sqlite_url("mapping")

    def app_client_config(self) -> AppClientConfig:
        return AppClientConfig(
            policy=self.outbound_policy(),
            connect_timeout=self.app_connect_timeout,
            timeout=self.app_timeout,
            max_bytes=self.import_max_bytes,
        )

    def writeback_config(self) -> WritebackConfig:
        return WritebackConfig(
            retry_delays=tuple(self.writeback_retry_delays),
            workers=self.writeback_workers,
            ack_wait=self.writeback_ack_wait,
        )
