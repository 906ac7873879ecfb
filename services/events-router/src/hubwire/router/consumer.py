"""A durable JetStream pull consumer that keeps a bounded number of messages
in hand and asks for more as soon as a slot frees.

nats-py's ``fetch(n)`` waits for the whole batch (up to its timeout) once it
has to linger, which adds up to the timeout to the latency of a lone message.
This consumer speaks the pull protocol itself instead: it keeps pull requests
outstanding for exactly its free slots, so a message is handled the moment
JetStream has it, and a busy replica never takes more than it can work on.

Every replica binds the same durable consumer, so replicas share the work.
Work that outlasts a third of ``ack_wait`` is kept alive with ``in_progress``;
``ack_wait`` therefore bounds how long the messages of a killed replica wait
before another replica gets them, not how long a delivery may take.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

log = logging.getLogger(__name__)

Handler = Callable[[Msg], Awaitable[None]]

_EXPIRES = 5.0  # a pull request's life on the server
_HEARTBEAT = 1.0  # the server's idle heartbeat on a waiting pull request
_SILENCE = 3.5  # no word from the server for this long: requests are gone


class PullConsumer:
    def __init__(
        self,
        nc: Client,
        *,
        stream: str,
        durable: str,
        subject: str,
        handler: Handler,
        limit: int,
        ack_wait: float,
    ) -> None:
        self.nc = nc
        self.stream = stream
        self.durable = durable
        self.subject = subject
        self.handler = handler
        self.limit = limit
        self.ack_wait = ack_wait
        self._running: dict[asyncio.Task[None], tuple[Msg, float]] = {}
        self._requested = 0
        self._last_heard = time.monotonic()
        self._stopping = False
        self._inbox = ""
        self._sub: object = None
        self._keeper: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.nc.jetstream().add_consumer(self.stream, config=self._config())
        self._inbox = self.nc.new_inbox()
        self._sub = await self.nc.subscribe(self._inbox, cb=self._on_message)
        self._keeper = asyncio.create_task(self._keep_alive())
        await self._pull()
        log.info("consuming durable=%s subject=%s", self.durable, self.subject)

    def _config(self) -> ConsumerConfig:
        # No cap on unacknowledged messages: tasks waiting hours for a retry
        # stay unacknowledged, and a cap would stop every destination once
        # that many were waiting. What a replica holds is bounded by ``limit``.
        return ConsumerConfig(
            durable_name=self.durable,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=self.ack_wait,
            max_ack_pending=-1,
            deliver_policy=DeliverPolicy.ALL,
            filter_subject=self.subject,
            max_deliver=-1,
        )

    async def stop(self, timeout: float = 15) -> None:
        """Stop taking messages and wait up to ``timeout`` for those in hand;
        any left unfinished go to another replica after ``ack_wait``."""
        self._stopping = True
        if self._sub is not None:
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()  # type: ignore[attr-defined]
        if self._running:
            await asyncio.wait(list(self._running), timeout=timeout)
        if self._keeper is not None:
            self._keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keeper

    @property
    def in_hand(self) -> int:
        return len(self._running)

    # -- the pull protocol ----------------------------------------------------

    async def _pull(self) -> None:
        free = self.limit - len(self._running) - self._requested
        # Ask in batches of a quarter of the slots at least, unless nothing is
        # outstanding: one request per freed slot would cost a round trip each.
        if self._stopping or free <= 0:
            return
        if self._requested and free < max(1, self.limit // 4):
            return
        self._requested += free
        request = {
            "batch": free,
            "expires": int(_EXPIRES * 1e9),
            "idle_heartbeat": int(_HEARTBEAT * 1e9),
        }
        await self.nc.publish(
            f"$JS.API.CONSUMER.MSG.NEXT.{self.stream}.{self.durable}",
            json.dumps(request).encode(),
            reply=self._inbox,
        )

    async def _on_message(self, msg: Msg) -> None:
        self._last_heard = time.monotonic()
        status = msg.headers.get("Status") if msg.headers else None
        if status is not None:
            await self._on_status(status, msg)
            return
        self._requested = max(0, self._requested - 1)
        if self._stopping:
            await msg.nak()
            return
        task = asyncio.create_task(self._run(msg))
        self._running[task] = (msg, time.monotonic())

    async def _on_status(self, status: str, msg: Msg) -> None:
        if status == "100":  # idle heartbeat: the request is still waiting
            return
        pending = (msg.headers or {}).get("Nats-Pending-Messages")
        if pending is not None and pending.isdigit():
            self._requested = max(0, self._requested - int(pending))
        else:
            # A request refused as a whole (409) whose size we cannot tell:
            # start the count afresh; at worst a few messages too many arrive.
            self._requested = 0
            if status not in ("404", "408"):
                description = (msg.headers or {}).get("Description", "")
                log.warning(
                    "pull refused durable=%s: %s %s", self.durable, status, description
                )
        await self._pull()

    async def _run(self, msg: Msg) -> None:
        try:
            await self.handler(msg)
        except Exception:  # noqa: BLE001 - one bad message never stops the loop
            log.exception("handler failed subject=%s", msg.subject)
            with contextlib.suppress(Exception):
                await msg.nak(delay=5)
        finally:
            self._running.pop(asyncio.current_task(), None)  # type: ignore[arg-type]
            await self._pull()

    async def _keep_alive(self) -> None:
        """Extend ``ack_wait`` for long work; recover from lost requests."""
        period = min(self.ack_wait / 3, 1.0)
        while True:
            await asyncio.sleep(period)
            now = time.monotonic()
            for task, (msg, since) in list(self._running.items()):
                if now - since >= self.ack_wait / 3:
                    self._running[task] = (msg, now)
                    with contextlib.suppress(Exception):
                        await msg.in_progress()
            if self._requested and now - self._last_heard > _SILENCE:
                # Requests die with a reconnect, silently: ask again.
                self._requested = 0
                self._last_heard = now
            await self._pull()
