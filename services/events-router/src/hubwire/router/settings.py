"""Settings of the events-router (``HUBWIRE_…`` variables)."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from hubwire.common.settings import ServiceSettings

# Close to: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
DEFAULT_SCHEDULE = "0,5,300,1800,7200,18000,36000,36000"


class RouterSettings(ServiceSettings):
    router_database_url: str = ""
    # Prometheus /metrics (deliveries by outcome); 0: not served.
    router_metrics_port: int = Field(default=0, ge=0, le=65535)
    # Seconds before each attempt; the task is dead after the last one.
    retry_schedule: str = DEFAULT_SCHEDULE
    retry_jitter: float = Field(default=0.1, ge=0, le=0.5)
    connect_timeout: float = Field(default=5.0, gt=0)
    request_timeout: float = Field(default=15.0, gt=0)
    retry_after_cap: float = Field(default=3600.0, gt=0)
    # Attempts (and tasks waiting for their destination) held by one replica.
    max_in_flight: int = Field(default=512, ge=1, le=10_000)
    # Attempts in flight to one destination; more wait, then are deferred.
    per_destination_in_flight: int = Field(default=32, ge=1)
    # Events fanned out at once by one replica.
    events_in_flight: int = Field(default=64, ge=1, le=10_000)
    # How long JetStream waits for an ack before it hands a message to another
    # replica. A replica extends it for work still running, so it bounds how
    # long a killed replica's messages wait, not how long a request may take.
    ack_wait_seconds: float = Field(default=30.0, ge=1)
    response_body_limit: int = Field(default=4096, ge=0)
    delivery_log: bool = True

    @field_validator("retry_schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        try:
            delays = [float(x) for x in value.split(",") if x.strip()]
        except ValueError as exc:
            raise ValueError("retry_schedule is a comma-separated list") from exc
        if not delays or any(d < 0 for d in delays):
            raise ValueError("retry_schedule is a comma-separated list of seconds >= 0")
        return value

    @model_validator(mode="after")
    def _timeouts(self) -> RouterSettings:
        if self.connect_timeout > self.request_timeout:
            raise ValueError("connect_timeout cannot exceed request_timeout")
        return self

    def schedule(self) -> list[float]:
        return [float(x) for x in self.retry_schedule.split(",") if x.strip()]

    def database_url(self) -> str:
        return self.router_database_url or self.sqlite_url("router")
