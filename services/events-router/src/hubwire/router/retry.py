"""When to try a failed delivery again."""

from __future__ import annotations

import random
from collections.abc import Sequence


class RetryPolicy:
    """A schedule of delays with jitter; ``Retry-After`` honoured up to a cap.

    ``schedule[i]`` is the delay before attempt ``i + 1``, counted from the
    previous attempt; the first entry is 0 (the first attempt is made as soon
    as the task exists). After ``len(schedule)`` failed attempts the task is
    dead.
    """

    def __init__(
        self, schedule: Sequence[float], *, jitter: float, retry_after_cap: float
    ) -> None:
        self.schedule = tuple(schedule)
        self.jitter = jitter
        self.retry_after_cap = retry_after_cap

    @property
    def attempts(self) -> int:
        """How many attempts a task gets in one round."""
        return len(self.schedule)

    def delay(self, tries: int, *, retry_after: float | None = None) -> float | None:
        """Seconds before the next attempt after ``tries`` failed ones, or
        ``None`` when the last allowed attempt has failed."""
        if tries >= len(self.schedule):
            return None
        delay = self.schedule[tries]
        delay *= 1 + random.uniform(-self.jitter, self.jitter)
        if retry_after is not None:
            # The endpoint asked for a pause; never longer than the cap, so a
            # hostile Retry-After cannot park a task for a year.
            delay = max(delay, min(retry_after, self.retry_after_cap))
        return max(delay, 0.0)
