"""Per-caller rate limits: one token bucket per caller key.

Keys: ``client:<client id>`` and ``admin:<account>/<username>`` for requests
that authenticated, ``ip:<address>`` for everything else (the token and login
endpoints, failed authentications). A bucket holds a minute's worth of
requests and refills continuously.

The buckets live in this process: with N gateway replicas behind a balancer a
caller gets up to N times the limit. That is the known cost of needing no
shared store; a shared limiter (NATS KV, Redis) can replace this class behind
the same two methods.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable

import grpc

from hubwire.common.errors import HubwireError

# Least recently seen callers are forgotten past this many keys; a forgotten
# caller starts again with a full bucket, which errs on the side of serving.
MAX_KEYS = 100_000


class RateLimited(HubwireError):
    """The caller used up its requests; ``retry_after`` seconds until the
    next one is allowed."""

    code = "rate_limited"
    grpc_status = grpc.StatusCode.RESOURCE_EXHAUSTED
    http_status = 429

    def __init__(self, retry_after: float) -> None:
        super().__init__("too many requests; retry after the Retry-After delay")
        self.retry_after = retry_after

    def retry_after_header(self) -> str:
        return str(max(1, math.ceil(self.retry_after)))


class RateLimiter:
    def __init__(
        self,
        *,
        per_minute: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = float(per_minute)
        self.per_second = per_minute / 60.0
        self._clock = clock
        # key -> (tokens, when they were counted)
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, key: str) -> float:
        """Take one token: 0.0 when the request may go, otherwise the seconds
        until it may."""
        now = self._clock()
        tokens = self._level(key, now)
        if tokens < 1:
            self._store(key, tokens, now)
            return (1 - tokens) / self.per_second
        self._store(key, tokens - 1, now)
        return 0.0

    def check(self, key: str) -> None:
        """Take one token or raise ``RateLimited``."""
        wait = self.take(key)
        if wait > 0:
            raise RateLimited(wait)

    def blocked_for(self, key: str) -> float:
        """Seconds until ``key`` has a token again, taking none."""
        tokens = self._level(key, self._clock())
        return 0.0 if tokens >= 1 else (1 - tokens) / self.per_second

    def _level(self, key: str, now: float) -> float:
        tokens, then = self._buckets.get(key, (self.capacity, now))
        return min(self.capacity, tokens + (now - then) * self.per_second)

    def _store(self, key: str, tokens: float, now: float) -> None:
        self._buckets[key] = (tokens, now)
        self._buckets.move_to_end(key)
        while len(self._buckets) > MAX_KEYS:
            self._buckets.popitem(last=False)
