"""The NATS JetStream connection and the streams every service relies on."""

from __future__ import annotations

import logging

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import (
    DiscardPolicy,
    KeyValueConfig,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import BucketNotFoundError
from nats.js.kv import KeyValue

from hubwire.common import subjects

log = logging.getLogger(__name__)

DAY = 24 * 3600


async def connect(url: str, *, name: str, **options: object) -> Client:
    """Connect with endless reconnects: a broker restart must not end a
    service, and callers keep working once it is back."""

    async def on_error(exc: Exception) -> None:
        # One line, no traceback: a broker restart is an expected event.
        log.warning("NATS connection problem (%s): %s", name, exc or type(exc).__name__)

    connected: list[Client] = []

    async def on_disconnect() -> None:
        if connected and connected[0].is_closed:  # our own close() at shutdown
            return
        log.warning("NATS disconnected (%s); reconnecting", name)

    async def on_reconnect() -> None:
        log.info("NATS reconnected (%s)", name)

    nc = await nats.connect(
        url,
        name=name,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        connect_timeout=5,
        error_cb=on_error,
        disconnected_cb=on_disconnect,
        reconnected_cb=on_reconnect,
        **options,  # type: ignore[arg-type]
    )
    connected.append(nc)
    log.info("connected to NATS at %s as %s", nc.connected_url.netloc, name)
    return nc


async def ensure_streams(js: JetStreamContext, *, replicas: int = 1) -> None:
    """Create (or update) the streams. Idempotent; every service calls it."""
    configs = [
        StreamConfig(
            name=subjects.EVENTS_STREAM,
            subjects=[subjects.EVENTS_SUBJECTS],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            max_age=7 * DAY,
            duplicate_window=2 * 60,
            num_replicas=replicas,
        ),
        StreamConfig(
            name=subjects.DELIVERIES_STREAM,
            subjects=[subjects.DELIVERIES_SUBJECTS],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            max_age=7 * DAY,
            duplicate_window=2 * 60,
            discard=DiscardPolicy.OLD,
            num_replicas=replicas,
        ),
        StreamConfig(
            name=subjects.WRITEBACK_STREAM,
            subjects=[subjects.WRITEBACK_SUBJECTS],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            max_age=7 * DAY,
            duplicate_window=2 * 60,
            num_replicas=replicas,
        ),
    ]
    for config in configs:
        try:
            await js.add_stream(config)
        except nats.js.errors.BadRequestError:
            await js.update_stream(config)


async def config_bucket(js: JetStreamContext, *, replicas: int = 1) -> KeyValue:
    try:
        return await js.key_value(subjects.CONFIG_BUCKET)
    except BucketNotFoundError:
        return await js.create_key_value(
            KeyValueConfig(
                bucket=subjects.CONFIG_BUCKET,
                history=1,
                storage=StorageType.FILE,
                replicas=replicas,
            )
        )
