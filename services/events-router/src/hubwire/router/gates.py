"""Per-destination gates: what keeps one slow endpoint from taking the others'
share of a replica.

A destination gets at most ``cap`` attempts in flight; its other tasks wait
their turn in memory, first come first served. Tasks that go back to
JetStream instead wait there for about as long as the destination needs to
work through what it holds:

* a fast destination (attempts under ``slow`` seconds on average) may have
  as many tasks waiting as the replica has slots: it frees them quickly, and
  sending its backlog back and forth to the server would only burn CPU;
* a slow one may hold ``hold`` tasks in all; those past that go back;
* a stalled one (every slot taken by an attempt older than ``patience``, the
  endpoint is hanging) keeps only its attempts: its waiting tasks go back,
  and so does every new one.

A hanging endpoint therefore pins only its ``cap`` attempts and parks its
backlog on the server instead of in the replica's free slots.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections import deque

_MIN_BACKOFF = 0.05
_MAX_BACKOFF = 30.0


class Gate:
    def __init__(
        self, *, cap: int, hold: int, patience: float = 1.0, slow: float = 0.25
    ) -> None:
        self.cap = cap
        self.hold = max(hold, cap)
        self.patience = patience
        self.slow = slow
        self._running: dict[int, float] = {}  # attempt token -> start
        self._waiting: deque[asyncio.Future[bool]] = deque()
        self._latency = 0.0  # moving average of an attempt, seconds
        self._check: asyncio.TimerHandle | None = None

    @property
    def holders(self) -> int:
        return len(self._running) + len(self._waiting)

    def _oldest(self) -> float:
        now = time.monotonic()
        return max((now - t for t in self._running.values()), default=0.0)

    @property
    def stalled(self) -> bool:
        """Every slot taken, the oldest attempt running past ``patience``."""
        return len(self._running) >= self.cap and self._oldest() > self.patience

    def _over_hold(self, extra: int = 0) -> bool:
        return self._latency > self.slow and self.holders + extra > self.hold

    def backoff(self) -> float:
        """Seconds to put a task back for: roughly until its turn could come."""
        per_turn = max(self._latency, self._oldest())
        wait = per_turn * self.holders / self.cap
        wait = min(max(wait, _MIN_BACKOFF), _MAX_BACKOFF)
        return wait * random.uniform(0.8, 1.2)

    async def enter(self, token: int) -> bool:
        """Take a slot, waiting if need be; ``False`` when the task should go
        back instead. After ``True`` the caller must :meth:`leave`."""
        if len(self._running) < self.cap and not self._waiting:
            self._running[token] = time.monotonic()
            return True
        if self.stalled or self._over_hold(extra=1):
            return False
        turn = asyncio.get_running_loop().create_future()
        self._waiting.append(turn)
        if self._check is None:
            self._check = asyncio.get_running_loop().call_later(
                self.patience, self._send_back_if_stalled
            )
        try:
            granted = await turn
        except asyncio.CancelledError:
            self._forget(turn)
            raise
        if granted:
            self._running[token] = time.monotonic()
        return granted

    def leave(self, token: int) -> None:
        start = self._running.pop(token)
        self._latency = 0.8 * self._latency + 0.2 * (time.monotonic() - start)
        while self._waiting:
            turn = self._waiting.popleft()
            if not turn.done():
                turn.set_result(True)
                return

    def _send_back_if_stalled(self) -> None:
        """Runs every ``patience`` seconds while tasks wait."""
        self._check = None
        stalled = self.stalled
        while self._waiting and (stalled or self._over_hold()):
            turn = self._waiting.pop()  # the newest waiter goes first
            if not turn.done():
                turn.set_result(False)
        if self._waiting:
            self._check = asyncio.get_running_loop().call_later(
                self.patience, self._send_back_if_stalled
            )

    def _forget(self, turn: asyncio.Future[bool]) -> None:
        with contextlib.suppress(ValueError):
            self._waiting.remove(turn)
        if turn.done() and not turn.cancelled() and turn.result():
            # The slot was handed over as the waiter was cancelled: pass it on.
            self._running[id(turn)] = time.monotonic()
            self.leave(id(turn))


class Gates:
    def __init__(self, *, cap: int, hold: int) -> None:
        self.cap = cap
        self.hold = hold
        self._gates: dict[str, Gate] = {}

    def of(self, destination_id: str) -> Gate:
        gate = self._gates.get(destination_id)
        if gate is None:
            gate = self._gates[destination_id] = Gate(cap=self.cap, hold=self.hold)
        return gate
