"""Step actions that change the operator's infrastructure, always after showing exactly what they
will do: apply the database bootstrap, create the bucket, apply the CORS policy. Plus the deploy
step's node reports (upload, delete)."""

from __future__ import annotations

import asyncio
import json

from fastapi import APIRouter, File, HTTPException, Request, UploadFile
from starlette.concurrency import run_in_threadpool

from app.answers import AnswersError
from app.i18n.message import N_, MsgList, msg
from app.web import runs
from app.web.deps import Csrf, StoreDep, load_profile, redirect, render

router = APIRouter()
MAX_REPORT = 64 * 1024


def _action_result(request, result, title: str):
    return render(request, "_action_result.html", {"result": result, "title": title})


@router.post("/p/{name}/actions/bootstrap", dependencies=[Csrf])
async def apply_bootstrap(request: Request, name: str, store: StoreDep):
    from app.actions.database import apply_bootstrap as run

    answers, _ = await run_in_threadpool(load_profile, store, name)
    result = await asyncio.to_thread(run, runs.resolved(answers), request.app.state.settings.check_timeout * 2)
    return _action_result(request, result, N_("Apply bootstrap"))


@router.post("/p/{name}/actions/create-bucket", dependencies=[Csrf])
async def create_bucket(request: Request, name: str, store: StoreDep):
    from app.actions.object_store import create_bucket as run

    answers, _ = await run_in_threadpool(load_profile, store, name)
    result = await asyncio.to_thread(run, runs.resolved(answers), request.app.state.settings.check_timeout)
    return _action_result(request, result, N_("Create bucket"))


@router.post("/p/{name}/actions/apply-cors", dependencies=[Csrf])
async def apply_cors(request: Request, name: str, store: StoreDep):
    from app.actions.object_store import apply_cors as run

    answers, _ = await run_in_threadpool(load_profile, store, name)
    result = await asyncio.to_thread(run, runs.resolved(answers), request.app.state.settings.check_timeout)
    return _action_result(request, result, N_("Apply CORS policy"))


@router.post("/p/{name}/node-reports", dependencies=[Csrf])
async def upload_node_report(request: Request, name: str, store: StoreDep, file: UploadFile = File(...)):
    data = await file.read(MAX_REPORT + 1)
    if len(data) > MAX_REPORT:
        raise HTTPException(413, N_("node report too large (at most 64 KiB)"))
    await run_in_threadpool(_store_node_report, store, name, data)  # validation and the write off the loop
    return redirect(request, f"/p/{name}/deploy?saved=1")


def _store_node_report(store, name: str, data: bytes) -> None:
    from app.probe.reports import validate_report

    load_profile(store, name)
    try:
        report = validate_report(json.loads(data.decode("utf-8")), name)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise HTTPException(400, N_("node report: not JSON (upload the output of `wbsetup probe --node`)")) from None
    except AnswersError as exc:
        raise HTTPException(400, msg("node report rejected: %(errors)s", errors=MsgList(exc.errors))) from None
    store.add_node_report(name, report)


@router.post("/p/{name}/node-reports/{report_id}/delete", dependencies=[Csrf])
def delete_node_report(request: Request, name: str, report_id: int, store: StoreDep):
    load_profile(store, name)
    store.delete_node_report(name, report_id)
    return redirect(request, f"/p/{name}/deploy")
