"""The Verify page's drift panel (SPEC §10): the same comparison as `wbsetup drift`, read-only."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from app.web.deps import Csrf, StoreDep, load_profile, render

router = APIRouter()


@router.post("/p/{name}/drift", dependencies=[Csrf])
async def drift(request: Request, name: str, store: StoreDep):
    answers, _ = load_profile(store, name)
    doc = None
    if answers.deploy.target != "docker-compose" and answers.deploy.kubeconfig:
        from app.change.drift_run import run_drift
        from app.web.runs import resolved

        timeout = request.app.state.settings.check_timeout
        doc = (await run_in_threadpool(run_drift, resolved(answers), timeout)).doc
    return render(request, "_drift.html", {"profile": name, "answers": answers, "drift": doc})
