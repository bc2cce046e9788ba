"""Run a coroutine to completion from synchronous code (the CLI, the support bundle, drift, tests).

When the calling thread already runs an event loop (inside another framework, or a test session whose
Playwright keeps one), `asyncio.run` refuses: the coroutine then runs on a fresh loop in a worker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_sync(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """`make()` builds the coroutine in the thread that runs it."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()
