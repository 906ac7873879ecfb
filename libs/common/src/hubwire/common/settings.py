"""Settings shared by every service; each service extends ``ServiceSettings``.

Values come from ``HUBWIRE_…`` environment variables. Settings are built when a
service starts (never at import time), and refuse insecure defaults outside
development.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from hubwire.common.crypto import SecretBox
from hubwire.common.outbound import OutboundPolicy, load_blocked_domains

DEFAULT_BLOCKED_FILE = Path(__file__).parent / "data" / "blocked_services.txt"

# A fixed development key so that `make run` works with no setup. It is refused
# when HUBWIRE_ENVIRONMENT=production.
DEV_SECRET_KEY = "hubwire-development-key-do-not-use-in-production"


class ServiceSettings(BaseSettings):
    """What every Hubwire process needs: the bus, the secret key, logging."""

    model_config = SettingsConfigDict(env_prefix="HUBWIRE_", extra="ignore")

    environment: Literal["development", "production"] = "development"
    nats_url: str = "nats://127.0.0.1:14222"
    # JetStream replicas of the streams and the config bucket (3 on a cluster).
    stream_replicas: int = Field(default=1, ge=1, le=5)
    secret_key: str = Field(default=DEV_SECRET_KEY, min_length=16, repr=False)
    # Previous keys, comma separated, still accepted for decryption (rotation).
    previous_secret_keys: str = Field(default="", repr=False)
    log_level: str = "INFO"
    var_dir: Path = Path("var")
    allow_private_urls: bool = False
    allow_http_urls: bool = False
    blocked_services_file: Path | None = None
    telemetry: Literal["none", "console", "otlp"] = "none"
    # OTLP/gRPC collector; empty: OTEL_EXPORTER_OTLP_ENDPOINT or localhost:4317.
    otlp_endpoint: str = ""

    # Where the services listen; the *_target settings are how others reach
    # them (default: the same host and port).
    registry_host: str = "127.0.0.1"
    registry_port: int = 50151
    registry_target: str = ""
    mapping_host: str = "127.0.0.1"
    mapping_port: int = 50152
    mapping_target: str = ""
    router_host: str = "127.0.0.1"
    router_port: int = 50153
    router_target: str = ""

    @model_validator(mode="after")
    def _refuse_insecure_production(self) -> ServiceSettings:
        if self.environment == "production":
            if self.secret_key == DEV_SECRET_KEY:
                raise ValueError("HUBWIRE_SECRET_KEY must be set in production")
            if self.allow_private_urls or self.allow_http_urls:
                raise ValueError(
                    "HUBWIRE_ALLOW_PRIVATE_URLS and HUBWIRE_ALLOW_HTTP_URLS are "
                    "development settings and are refused in production"
                )
        return self

    @model_validator(mode="after")
    def _default_targets(self) -> ServiceSettings:
        for svc in ("registry", "mapping", "router"):
            if not getattr(self, f"{svc}_target"):
                host, port = getattr(self, f"{svc}_host"), getattr(self, f"{svc}_port")
                setattr(self, f"{svc}_target", target(host, port))
        return self

    def blocked_services_path(self) -> Path:
        """The operator's list of refused webhook-inspection services; seeded
        from the list shipped with Hubwire when it does not exist yet."""
        path = self.blocked_services_file or self.var_dir / "blocked_services.txt"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(DEFAULT_BLOCKED_FILE.read_text(encoding="utf-8"))
        return path

    def outbound_policy(self) -> OutboundPolicy:
        return OutboundPolicy(
            allow_private=self.allow_private_urls,
            allow_http=self.allow_http_urls,
            blocked_domains=load_blocked_domains(self.blocked_services_path()),
        )

    def secret_box(self) -> SecretBox:
        previous = [k.strip() for k in self.previous_secret_keys.split(",")]
        return SecretBox(self.secret_key, previous=previous)

    def sqlite_url(self, name: str) -> str:
        self.var_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite+aiosqlite:///{(self.var_dir / f'{name}.db').resolve()}"


def target(host: str, port: int) -> str:
    return f"{host}:{port}"
