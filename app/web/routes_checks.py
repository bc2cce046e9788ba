"""Run a step's checks (or one check) in the background and stream rows as they finish (polling);
ignore a failing check with a reason, or stop ignoring it."""

from __future__ import annotations

from fastapi import APIRouter, Form, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from app.answers import STEPS
from app.checks.engine import checks_for
from app.checks import runs
from app.web.deps import Csrf, StoreDep, load_profile, render
from app.web.routes_profiles import require_step
from app.web.stepper import stepper, unresolved

router = APIRouter()


def _panel(request, store, answers, step, run_id):
    latest, ignores = store.latest_results(answers.profile), store.ignores(answers.profile)  # once per poll
    rows, progress = runs.rows(store, answers, step, run_id, latest=latest, ignores=ignores)
    finished = run_id is not None and progress["done"]
    return render(request, "_checks.html", {
        "stepper_oob": stepper(store, answers, latest=latest, ignores=ignores) if finished else None,

        "profile": answers.profile, "step": step, "rows": rows, "progress": progress,
        "run_id": run_id if not progress["done"] else None, "unresolved": unresolved(rows),
    })


@router.post("/p/{name}/checks/{step}", dependencies=[Csrf])
async def run_step(request: Request, name: str, step: str, store: StoreDep, only: str | None = Form(None)):
    require_step(step, STEPS)
    answers, _ = await run_in_threadpool(load_profile, store, name)
    if only is not None and only not in {c.id for c in checks_for([step])}:
        raise HTTPException(404, f"unknown check {only!r} in step {step}")
    timeout = request.app.state.settings.check_timeout
    run_id = await runs.start(request.app, store, answers, step, only, timeout)
    return await run_in_threadpool(_panel, request, store, answers, step, run_id)


@router.get("/p/{name}/checks/{step}")
def poll(request: Request, name: str, step: str, store: StoreDep, run: int | None = None):
    require_step(step, STEPS)
    answers, _ = load_profile(store, name)
    try:
        return _panel(request, store, answers, step, run)
    except LookupError:
        raise HTTPException(404, f"unknown check run {run}") from None


@router.post("/p/{name}/ignore", dependencies=[Csrf])
def ignore(request: Request, name: str, store: StoreDep, check_id: str = Form(..., max_length=128),
           reason: str = Form("", max_length=500)):
    answers, _ = load_profile(store, name)
    known = {c.id: c for c in checks_for()}
    if check_id not in known:
        raise HTTPException(404, f"unknown check {check_id!r}")
    reason = reason.strip()
    if not reason:
        raise HTTPException(422, "reason: say why this failure is acceptable (it is shown in the report)")
    store.set_ignore(name, check_id, reason)
    return _panel(request, store, answers, known[check_id].step, None)


@router.post("/p/{name}/unignore", dependencies=[Csrf])
def unignore(request: Request, name: str, store: StoreDep, check_id: str = Form(..., max_length=128)):
    answers, _ = load_profile(store, name)
    known = {c.id: c for c in checks_for()}
    if check_id not in known:
        raise HTTPException(404, f"unknown check {check_id!r}")
    store.set_ignore(name, check_id, None)
    return _panel(request, store, answers, known[check_id].step, None)
