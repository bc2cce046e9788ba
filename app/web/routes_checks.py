"""Run a step's checks (or one check) in the background and stream each result as it finishes
(Server-Sent Events: one row per event; polling as the fallback); ignore a failing check with a
reason, or stop ignoring it."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from app import applicability
from app.answers import STEPS
from app.checks.engine import checks_for
from app.i18n.message import N_, msg
from app.store.models import utcnow
from app.web import runs
from app.web.deps import Csrf, StoreDep, load_profile, render
from app.web.routes_profiles import require_step
from app.web.stepper import stepper, unresolved

router = APIRouter()


QUICK = 0.1  # seconds the "Run checks" answer waits, so a step that finishes at once comes back finished
HEARTBEAT = 15.0  # seconds between keep-alive comments on an idle stream
STORE_POLL = 0.25  # seconds between store reads when the run belongs to another wizard process


def panel_context(
    store,
    answers,
    step: str,
    run_id: int | None = None,
    *,
    poll: bool = False,
    latest: dict | None = None,
    ignores: dict | None = None,
) -> dict:
    """The checks panel's context: the rows to show, the not-applicable ones folded (one line per reason)."""
    rows, progress = runs.rows(store, answers, step, run_id, latest=latest, ignores=ignores)
    shown, folds = applicability.fold(rows, answers)
    return {
        "profile": answers.profile,
        "step": step,
        "rows": shown,
        "folds": folds,
        "progress": progress,
        "run_id": run_id if not progress["done"] else None,
        "poll": poll,
        "unresolved": unresolved(rows),
    }


def _panel(request, store, answers, step, run_id, poll=False, timeout=None):
    latest, ignores = store.latest_results(answers.profile), store.ignores(answers.profile)  # once per request
    context = panel_context(store, answers, step, run_id, poll=poll, latest=latest, ignores=ignores)
    context["timeout"] = timeout
    finished = run_id is not None and context["progress"]["done"]
    # refresh the stepper's states
    context["stepper_oob"] = stepper(store, answers, latest=latest, ignores=ignores) if finished else None
    return render(request, "_checks.html", context)


def _event(name: str, html: str = "") -> str:
    """One Server-Sent Event; every line of the data gets its own `data:` field."""
    return f"event: {name}\n" + "".join(f"data: {line}\n" for line in (html.splitlines() or [""])) + "\n"


def _html(request, template: str, context: dict) -> str:
    return render(request, template, context).body.decode()


@router.post("/p/{name}/checks/{step}", dependencies=[Csrf])
async def run_step(
    request: Request,
    name: str,
    step: str,
    store: StoreDep,
    only: str | None = Form(None),
    timeout: float | None = Form(None),  # the step's timeout setting (seconds per check)
):
    require_step(step, STEPS)
    answers, _ = await run_in_threadpool(load_profile, store, name)
    if only is not None and only not in {c.id for c in checks_for([step])}:
        raise HTTPException(404, msg("unknown check %(only)s in step %(step)s", only=repr(only), step=step))
    if timeout is not None and not 0 < timeout <= 600:
        raise HTTPException(422, N_("timeout: a number of seconds between 1 and 600"))
    timeout = timeout or request.app.state.settings.check_timeout
    run_id = await runs.start(request.app, store, answers, step, only, timeout)
    feed = runs.feeds(request.app)[run_id]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + QUICK
    while not feed.done and (left := deadline - loop.time()) > 0:
        try:
            await asyncio.wait_for(feed.waiter().wait(), left)
        except TimeoutError:
            break
    return await run_in_threadpool(_panel, request, store, answers, step, run_id, False, timeout)


@router.get("/p/{name}/checks/{step}")
def poll(request: Request, name: str, step: str, store: StoreDep, run: int | None = None):
    """The panel, polling itself while the run goes on (the fallback where events do not get through)."""
    require_step(step, STEPS)
    answers, _ = load_profile(store, name)
    try:
        return _panel(request, store, answers, step, run, poll=True)
    except LookupError:
        raise HTTPException(404, msg("unknown check run %(run)s", run=run)) from None


@router.get("/p/{name}/checks/{step}/events")
async def events(request: Request, name: str, step: str, store: StoreDep, run: int):
    """The run's results as Server-Sent Events: `hello` at once (the page then knows events get
    through), `row:<check id>` with the row's HTML as each result finishes, `progress` with the
    progress line, and `done` with the whole final panel. A run started by this process is followed
    through its in-memory feed (no delay); a run of another wizard replica through the store."""
    require_step(step, STEPS)
    answers, profile_row = await run_in_threadpool(load_profile, store, name)
    try:
        checked, _ = await run_in_threadpool(store.get_run, run)
    except LookupError:
        raise HTTPException(404, msg("unknown check run %(run)s", run=run)) from None
    if checked.profile_id != profile_row.id:
        raise HTTPException(404, msg("unknown check run %(run)s", run=run))

    async def stream():
        # The page listens for this one: if nothing arrives within 2 s, it falls back to polling.
        yield "retry: 2000\n" + _event("hello", "streaming")
        sent: set[str] = set()
        while True:
            feed = runs.feeds(request.app).get(run)
            if feed is not None:
                results, done, changed = list(feed.results), feed.done, feed.waiter()
            else:
                checked_run, results = await run_in_threadpool(store.get_run, run)
                done, changed = checked_run.status == "done", None
            fresh = [r for r in results if r["id"] not in sent]
            for result in fresh:
                sent.add(result["id"])
                yield _event(
                    f"row:{result['id']}",
                    _html(
                        request,
                        "_check_row.html",
                        {"r": runs.row(result), "profile": name, "step": step, "run_id": run, "poll": False},
                    ),
                )
            if done:
                context = await run_in_threadpool(panel_context, store, answers, step, run)
                context["stepper_oob"] = await run_in_threadpool(stepper, store, answers)
                yield _event("done", _html(request, "_checks.html", context))
                return
            if fresh and not checked.steps.startswith("check:"):
                if feed is not None:
                    elapsed = (utcnow() - checked.started_at).total_seconds()
                    progress = runs.progress_of(results, len(checks_for([step])), elapsed)
                else:
                    _, progress = await run_in_threadpool(runs.rows, store, answers, step, run)
                yield _event("progress", _html(request, "_checks_progress.html", {"progress": progress}))
            if changed is None:
                await asyncio.sleep(STORE_POLL)
                continue
            try:
                await asyncio.wait_for(changed.wait(), HEARTBEAT)
            except TimeoutError:
                yield ": keep-alive\n\n"

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    )


@router.post("/p/{name}/ignore", dependencies=[Csrf])
def ignore(
    request: Request,
    name: str,
    store: StoreDep,
    check_id: str = Form(..., max_length=128),
    reason: str = Form("", max_length=500),
):
    answers, _ = load_profile(store, name)
    known = {c.id: c for c in checks_for(STEPS)}
    if check_id not in known:
        raise HTTPException(404, msg("unknown check %(check_id)s", check_id=repr(check_id)))
    reason = reason.strip()
    if not reason:
        raise HTTPException(422, N_("reason: say why this failure is acceptable (it is shown in the report)"))
    store.set_ignore(name, check_id, reason)
    return _panel(request, store, answers, known[check_id].step, None)


@router.post("/p/{name}/unignore", dependencies=[Csrf])
def unignore(request: Request, name: str, store: StoreDep, check_id: str = Form(..., max_length=128)):
    answers, _ = load_profile(store, name)
    known = {c.id: c for c in checks_for(STEPS)}
    if check_id not in known:
        raise HTTPException(404, msg("unknown check %(check_id)s", check_id=repr(check_id)))
    store.set_ignore(name, check_id, None)
    return _panel(request, store, answers, known[check_id].step, None)
