"""Delivery tasks: one per (event, destination), carried on the bus.

A task message holds everything needed to attempt it and to write its row in
the delivery log, so no replica reads the database on the hot path, and a log
write that arrives late (another replica, a crash before a flush) can still
create the row.

A task is immutable once published. A retry is a successor message with one
more try and a ``not_before`` time, published before the current one is
acknowledged: attempts are counted in the message, not by JetStream
redeliveries, so deferring a task (its destination is busy) or a redelivery
after a crash never uses up the retry schedule.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace

# Every task subject, ``hubwire.deliveries.tasks.<account>``: what the tasks
# consumer reads (outcomes share the stream under another prefix).
TASKS_FILTER = "hubwire.deliveries.tasks.>"

_INT_FIELDS = ("round", "tries", "base")


def delivery_id(account_id: str, event_id: str, destination_id: str) -> str:
    """The task's id, also its ``webhook-id``.

    Derived from the (event, destination) pair, so an event fanned out twice
    (a replayed event message, a second replica) yields the same id without a
    database lookup, and receivers de-duplicate on it.
    """
    key = f"{account_id}\x00{event_id}\x00{destination_id}".encode()
    return "msg_" + hashlib.sha256(key).hexdigest()[:32]


@dataclass(frozen=True, kw_only=True)
class Task:
    delivery_id: str
    account_id: str
    hub: str
    destination_id: str
    event_id: str
    event_type: str
    session_id: str
    url: str
    body: str
    created_at: str
    # round: 0 for the fan-out, n for the n-th replay. tries: attempts made in
    # this round. base: attempts made before this round (log numbering).
    round: int = 0
    tries: int = 0
    base: int = 0
    not_before: float = 0.0
    # W3C trace context of the request that caused the event, so each
    # delivery attempt joins that trace.
    traceparent: str = ""

    @property
    def attempt(self) -> int:
        """The number of the next attempt, counted over every round."""
        return self.base + self.tries + 1

    def encode(self) -> bytes:
        return json.dumps(self.__dict__, separators=(",", ":")).encode()

    @classmethod
    def decode(cls, raw: bytes) -> Task:
        """Raises ``ValueError``, ``KeyError`` or ``TypeError`` for a
        malformed message."""
        doc = json.loads(raw)
        if not isinstance(doc, dict):
            raise TypeError("a task is a JSON object")
        values: dict[str, object] = {}
        for name in cls.__dataclass_fields__:
            if name in _INT_FIELDS:
                values[name] = int(doc.get(name, 0))
            elif name == "not_before":
                values[name] = float(doc.get(name, 0.0))
            elif name == "traceparent":  # absent from tasks queued before it
                values[name] = str(doc.get(name, ""))
            else:
                values[name] = str(doc[name])
        return cls(**values)  # type: ignore[arg-type]

    def msg_id(self) -> str:
        """The ``Nats-Msg-Id`` of this message: publishing it twice is a no-op."""
        if self.round == 0 and self.tries == 0:
            return f"{self.event_id}:{self.destination_id}"
        if self.tries == 0:
            return f"{self.delivery_id}:replay:{self.round}"
        return f"{self.delivery_id}:{self.round}:{self.tries}"

    def retry(self, *, not_before: float) -> Task:
        return replace(self, tries=self.tries + 1, not_before=not_before)
