"""The runs this process started, as they go: each run's `Feed` (its results as they finish, which the
page's event stream waits on) and the background tasks running them, held by the app as one `Feeds`
(create_app: app.state.feeds). A run of another wizard replica has no feed here: its stream reads the
store."""

from __future__ import annotations

import asyncio

FEED_LINGER = 60.0  # seconds a finished run's feed stays for a late (re)connecting stream


class Feed:
    """The results of one run in this process, as they finish: the event stream waits on it.

    Everything runs in the server's event loop (the engine calls `on_result` there), so a waiter
    that read `results` and then `waiter()` without an await in between never misses a result."""

    def __init__(self):
        self.results: list[dict] = []
        self.done = False
        self._changed = asyncio.Event()

    def publish(self, result: dict) -> None:
        self.results.append(result)
        self._wake()

    def finish(self) -> None:
        self.done = True
        self._wake()

    def _wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def waiter(self) -> asyncio.Event:
        """The event set at the next change (take it before awaiting, after reading `results`)."""
        return self._changed


class Feeds:
    """The feeds of this process's runs by run id, and the tasks running them (kept referenced until
    done: the event loop holds tasks only weakly)."""

    def __init__(self, linger: float = FEED_LINGER):
        self.linger = linger
        self._feeds: dict[int, Feed] = {}
        self._tasks: set[asyncio.Task] = set()

    def open(self, run_id: int) -> Feed:
        feed = self._feeds[run_id] = Feed()
        return feed

    def get(self, run_id: int) -> Feed | None:
        return self._feeds.get(run_id)

    def __getitem__(self, run_id: int) -> Feed:
        return self._feeds[run_id]

    def pop(self, run_id: int) -> Feed | None:
        """Forget the run's feed now (its stream then reads the store)."""
        return self._feeds.pop(run_id, None)

    def finish(self, run_id: int) -> None:
        """The run is over: its feed says so, and stays `linger` seconds for a late stream. Call in the
        event loop."""
        feed = self._feeds.get(run_id)
        if feed is not None:
            feed.finish()
        asyncio.get_running_loop().call_later(self.linger, self.pop, run_id)

    def track(self, task: asyncio.Task) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
