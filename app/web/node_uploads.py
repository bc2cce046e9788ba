"""Node-report uploads (POST /probe/node-upload): judged and stored by one worker thread, in batches.

A fleet uploads at once (every node runs the probe from the same loop). One thread-pool task per
upload made up to 40 threads compete with the event loop for the GIL and for the database's write
lock, each upload with its own transactions and commits (7 s of CPU for 200 uploads, ORM included).
Here the event loop only reads each body and queues it; one worker thread (started when uploads wait,
ended when none do) takes up to MAX_BATCH waiting uploads, judges each (JSON, token, report) and
stores the accepted ones in one transaction of a few statements (`Store.accept_node_reports`: 0.07 s
for 200), then answers each request: the same status and message as one upload at a time, and every
valid upload accepted.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from typing import Any

from fastapi import HTTPException

from app.i18n.message import N_
from app.store import Conflict, Store

MAX_BATCH = 20  # uploads per transaction: few commits, yet a batch's answers do not flood the event loop
HANDOFF_S = 0.0005  # between two uploads' judging, the GIL goes to the event loop (see _store)

Judge = Callable[[Any, Any], dict]


class UploadQueue:
    """The uploads waiting for the worker of one store."""

    def __init__(self, store: Store, judge: Judge):
        self.store, self.judge = store, judge
        self._lock = threading.Lock()
        self._waiting: list[tuple[bytes, asyncio.Future, asyncio.AbstractEventLoop]] = []
        self._running = False

    async def submit(self, body: bytes) -> tuple[str, dict]:
        """(profile name, stored report) once the upload is stored; raises HTTPException when refused."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future = loop.create_future()
        with self._lock:
            self._waiting.append((body, future, loop))
            if not self._running:
                self._running = True
                threading.Thread(target=self._work, name="wbsetup-node-uploads", daemon=True).start()
        return await future

    def _work(self) -> None:
        while True:
            with self._lock:
                batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
                if not batch:
                    self._running = False
                    return
            try:
                outcomes = self._store(batch)
                if len(outcomes) != len(batch):
                    raise RuntimeError(len(outcomes), len(batch))  # outcomes for uploads: a store bug
            except Exception as exc:  # noqa: BLE001 - the store failed: every upload of the batch says so
                outcomes = [exc] * len(batch)
            for (_, future, loop), outcome in zip(batch, outcomes, strict=True):  # every request gets its answer
                try:
                    loop.call_soon_threadsafe(_settle, future, outcome)
                except RuntimeError:  # that request's event loop is closed (the server stopped)
                    pass

    def _store(self, batch) -> list[Any]:
        parsed: list[Any] = [_parse(body) for body, _, _ in batch]
        valid = [p for p in parsed if not isinstance(p, Exception)]

        def judge(found, uploaded):
            # Judging is pure Python: without a pause, this thread keeps the GIL until the interpreter
            # forces a switch (5 ms), at every one of the event loop's many wake-ups in a burst. A short
            # sleep hands it over at once (measured: /healthz p99 over a burst ~30 % lower, bench/README.md).
            time.sleep(HANDOFF_S)
            return self.judge(found, uploaded)

        stored = iter(self.store.accept_node_reports(valid, judge)) if valid else iter(())
        return [p if isinstance(p, Exception) else next(stored) for p in parsed]


def _settle(future: asyncio.Future, outcome: Any) -> None:
    if future.done():  # the client went away
        return
    if isinstance(outcome, Conflict):
        outcome = HTTPException(409, str(outcome))
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


def _parse(body: bytes) -> tuple[str, Any] | HTTPException:
    """(token hash, uploaded report) of an upload body, or the 400 refusing it."""
    from app.probe import tokens as probe_tokens

    try:
        doc = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return HTTPException(400, N_("upload is not JSON (expected an object with token and report)"))
    if not isinstance(doc, dict) or set(doc) != {"token", "report"}:
        return HTTPException(400, N_("upload must be a JSON object with exactly token and report"))
    token = doc["token"]
    if not isinstance(token, str) or not probe_tokens.TOKEN_RE.match(token):
        return HTTPException(400, N_("token: missing or malformed (use the command the wizard shows)"))
    return probe_tokens.token_hash(token), doc["report"]


def queue_for(app, store: Store, judge: Judge) -> UploadQueue:
    """The app's upload queue for `store` (made on first use)."""
    queue = getattr(app.state, "node_uploads", None)
    if queue is None or queue.store is not store:
        queue = app.state.node_uploads = UploadQueue(store, judge)
    return queue
