"""The web's support bundle (SPEC §6.1): "Download support bundle" on the Verify and review pages.

POST starts the collection in a worker thread (its own event loop: nothing blocks the server's), and
answers with a panel that polls its job every second, showing progress; when the bundle is made, the
panel offers the download (the same archive `wbsetup support-bundle` writes, with the profile's stored
check runs and stored node reports) and shows the analysis. Jobs live in this process's memory: the
newest few per server, each archive downloadable until it is pushed out.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from app.i18n.message import msg
from app.web.deps import Csrf, StoreDep, load_profile, render

router = APIRouter()
KEEP = 8  # finished jobs kept per server


@dataclass
class Job:
    profile: str
    started: float = field(default_factory=time.monotonic)
    finished: list = field(default_factory=list)  # names of the collectors done so far
    made: Any = None  # app.support.run.Made
    failed: str | None = None
    done: threading.Event = field(default_factory=threading.Event)


def _jobs(app) -> dict[str, Job]:
    return app.state.__dict__.setdefault("support_jobs", {})


def _work(job: Job, store, answers, timeout: float) -> None:
    from app.support.history import stored_runs
    from app.support.run import make_bundle
    from app.web import runs

    try:
        job.made = make_bundle(
            runs.resolved(answers),
            timeout=timeout,
            node_reports=runs.node_reports(store, answers.profile),
            history=stored_runs(store, answers.profile),
            progress=job.finished.append,
        )
    except Exception as exc:  # recorded for the page; never a 500 on a later poll
        job.failed = type(exc).__name__
    finally:
        job.done.set()


def _panel(request: Request, name: str, job_id: str | None, job: Job | None):
    return render(
        request, "_support_bundle.html", {"profile": name, "job_id": job_id, "job": job, "now": time.monotonic()}
    )


@router.post("/p/{name}/support-bundle", dependencies=[Csrf])
def start(request: Request, name: str, store: StoreDep):
    answers, _ = load_profile(store, name)
    jobs = _jobs(request.app)
    finished = [k for k, j in jobs.items() if j.done.is_set()]
    for key in finished[: max(0, len(finished) - KEEP + 1)]:
        jobs.pop(key, None)
    job_id, job = secrets.token_urlsafe(12), Job(name)
    jobs[job_id] = job
    threading.Thread(
        target=_work,
        args=(job, store, answers, request.app.state.settings.check_timeout),
        daemon=True,
        name="wbsetup-support-bundle",
    ).start()
    return _panel(request, name, job_id, job)


def _job(request: Request, name: str, job_id: str) -> Job:
    job = _jobs(request.app).get(job_id)
    if job is None or job.profile != name:
        raise HTTPException(404, msg("unknown support bundle %(job)s: make a new one", job=repr(job_id)))
    return job


@router.get("/p/{name}/support-bundle/{job_id}")
def progress(request: Request, name: str, job_id: str, store: StoreDep):
    load_profile(store, name)
    return _panel(request, name, job_id, _job(request, name, job_id))


@router.get("/p/{name}/support-bundle/{job_id}/download")
def download(request: Request, name: str, job_id: str, store: StoreDep):
    load_profile(store, name)
    job = _job(request, name, job_id)
    if job.made is None:
        raise HTTPException(409, msg("the support bundle is not ready yet"))
    made = job.made
    return Response(
        made.data,
        media_type="application/gzip",
        headers={"Content-Disposition": f'attachment; filename="{made.name}"', "Cache-Control": "no-store"},
    )
