"""Waiting on a condition in tests: poll with a deadline, never a bare sleep."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable


async def wait_until(
    condition: Callable[[], object | Awaitable[object]],
    *,
    timeout: float = 10.0,
    what: str = "condition",
    interval: float = 0.02,
) -> None:
    """Poll ``condition`` (plain or async) until it is truthy; an
    AssertionError naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(interval)
