"""Check runs started from the web: run in the server's event loop, store each result as it finishes (in a
worker thread), publish it to the run's `Feed` (the page's event stream shows it at once; polling reads
the store), and tell which results are stale."""

from __future__ import annotations

import asyncio
import json
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from app.answers import Answers
from app.checks.engine import REGISTRY, STATUSES, Result, apply_ignore, checks_for, run_checks, step_inputs
from app.i18n.message import Text, with_messages
from app.store import Store
from app.store.models import utcnow
from app.store.runs import RunRef
from app.web.feeds import Feeds

log = logging.getLogger("wbsetup")


def digest(store: Store, answers: Answers, step: str, doc: dict | None = None) -> str:
    """The digest of what `step`'s checks read (engine.step_inputs, from their declarations): a result
    is stale when it differs from its run's. `doc`: answers.to_document(secrets="plain") when the
    caller already has it (one per page)."""
    doc = answers.to_document(secrets="plain") if doc is None else doc
    keys = step_inputs(step)
    part = doc if keys is None else {k: doc.get(k) for k in keys}
    return store.box.digest(json.dumps(part, sort_keys=True, ensure_ascii=False))


def resolved(answers: Answers) -> Answers:
    """Secret references resolve from the server's environment; unset ones count as missing input."""
    return answers.resolved(os.environ, strict=False)


def node_reports(store: Store, name: str) -> list[dict]:
    return [r for _, r in store.node_reports(name)]


def feeds(app) -> Feeds:
    """The feeds of the runs this process started (create_app makes one `Feeds` per app)."""
    return app.state.feeds


async def start(app, store: Store, answers: Answers, step: str, only: str | None, timeout: float) -> int:
    """Start a run of `step` (or just check `only`) in the background; returns the run id. The store's
    reads and writes run in worker threads, never on the event loop (bench/scale.py)."""
    ids = [only] if only else None
    selected = [c for c in checks_for([step]) if ids is None or c.id in ids]

    def prepare():
        run_id = store.start_run(
            answers.profile, step if not only else f"check:{only}", digest(store, answers, step), len(selected)
        )
        return run_id, store.ignores(answers.profile), node_reports(store, answers.profile)

    run_id, ignores, reports = await asyncio.to_thread(prepare)
    live = feeds(app)
    feed = live.open(run_id)
    writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wbsetup-run-writer")
    loop = asyncio.get_running_loop()
    writes: list[asyncio.Future] = []

    def on_result(result) -> None:
        # The engine applied the ignores (once): the result is final as it comes. The page hears of it
        # at once; the store write (a commit: milliseconds on SQLite, a round trip on MySQL) runs off
        # the event loop, in order, on the run's own writer thread.
        row = result.to_data()  # English text plus the structured messages ("i18n") for the store
        feed.publish(with_messages(row))  # the page renders the messages in the reader's language
        writes.append(loop.run_in_executor(writer, store.add_result, run_id, row))

    async def work():
        try:
            await run_checks(
                resolved(answers),
                steps=[step],
                only=ids,
                timeout=timeout,
                ignore=ignores,
                node_reports=reports,
                on_result=on_result,
            )
        finally:
            for failed in await asyncio.gather(*writes, return_exceptions=True):
                if isinstance(failed, Exception):  # the page saw it; the store could not keep it
                    log.error("check run %s: storing a result failed: %s", run_id, type(failed).__name__)
            writer.shutdown(wait=False)
            await asyncio.to_thread(store.finish_run, run_id)
            await asyncio.to_thread(store.prune_runs, answers.profile)
            live.finish(run_id)

    live.track(loop.create_task(work()))
    return run_id


@dataclass
class Row:
    id: str
    title: Text
    status: str  # a check status, or "pending" / "never"
    result: dict | None
    stale: bool = False
    ignored_reason: str | None = None


def progress_of(results: list[dict], total: int, elapsed: float | None) -> dict:
    """The progress of a whole-step run from the results heard so far (no store read)."""
    counts = {s: 0 for s in (*STATUSES, "pending", "never")}
    for r in results:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    counts["pending"] = max(0, total - len(results))
    return {"done": False, "counts": counts, "total": total, "elapsed": elapsed, "finished": len(results)}


def row(result: dict) -> Row:
    """The row of a result that just finished (its ignore already applied by the engine), titled as its
    check declares it (a message: it reads in the reader's language)."""
    known = REGISTRY.get(result["id"])
    title = known.title if known is not None else result["title"]
    return Row(result["id"], title, result["status"], result, ignored_reason=result.get("ignore_reason"))


def rows(
    store: Store,
    answers: Answers,
    step: str,
    active_run: int | None = None,
    *,
    latest: dict | None = None,
    ignores: dict | None = None,
    doc: dict | None = None,
) -> tuple[list[Row], dict]:
    """One row per check of `step`: pending when the active run has not reported it yet, else its
    newest result judged by the current ignores (engine.apply_ignore: ignoring is reversible without
    re-running).

    `latest`/`ignores` (from `store.latest_results`/`store.ignores`) let a page that shows every
    step read them once instead of once per step (bench/README.md: 4 queries and a digest per call);
    `doc` likewise spares the digest a fresh answers.to_document per step."""
    latest = store.latest_results(answers.profile) if latest is None else latest
    ignores = store.ignores(answers.profile) if ignores is None else ignores
    pending: set[str] = set()
    done = True
    elapsed = None
    if active_run is not None:
        run, results = store.get_run(active_run)
        # The active run's own results win over `latest`, which the caller may have read before the
        # run stored its last result: a run read as done then shows every one of its results.
        latest = {**latest, **{r["id"]: (r, RunRef(active_run, run.digest, run.status)) for r in results}}
        done = run.status == "done"
        elapsed = ((run.finished_at or utcnow()) - run.started_at).total_seconds()
        reported = {r["id"] for r in results}
        wanted = {c.id for c in checks_for([step])}
        if run.steps.startswith("check:"):
            wanted = {run.steps[6:]}
        pending = set() if done else wanted - reported
    current = digest(store, answers, step, doc) if latest else None  # only results can be stale
    out = []
    for c in checks_for([step]):
        if c.id in pending:
            out.append(Row(c.id, c.title, "pending", None))
            continue
        if c.id not in latest:
            out.append(Row(c.id, c.title, "never", None))
            continue
        stored, ref = latest[c.id]
        judged = Result.from_dict(stored)
        now = apply_ignore(judged, ignores)  # the ignores set or lifted since the run (the engine's rule)
        result = dict(stored) if now is judged else now.to_dict()
        reason = ignores.get(c.id)
        out.append(Row(c.id, c.title, result["status"], result, stale=ref.digest != current, ignored_reason=reason))
    counts = {s: sum(r.status == s for r in out) for s in (*STATUSES, "pending", "never")}
    return out, {
        "done": done,
        "counts": counts,
        "total": len(out),
        "elapsed": elapsed,
        "finished": len(out) - counts["pending"],
    }
