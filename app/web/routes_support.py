"""The web's support bundle (SPEC §6.1): "Download support bundle" on the Verify and review pages.

POST starts the collection in a worker thread (its own event loop: nothing blocks the server's), and
answers with a panel that polls the bundle every second, showing progress; when the bundle is made, the
panel offers the download (the same archive `wbsetup support-bundle` writes, with the profile's stored
check runs and stored node reports) and shows the analysis. The bundle lives in the state store
(app/store/support.py), so any replica behind a load balancer shows its progress and serves it (§7).
"""

from __future__ import annotations

import json
import logging
import threading
from types import SimpleNamespace

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from app.i18n.message import Msg, MsgList, from_data, msg, to_data
from app.store.models import SupportBundle, utcnow
from app.web.deps import Csrf, StoreDep, load_profile, render

router = APIRouter()

log = logging.getLogger("wbsetup")


def _work(bundle_id: str, store, answers, timeout: float) -> None:
    from app.support.history import stored_runs
    from app.support.run import make_bundle
    from app.web import runs

    finished: list[str] = []
    lock = threading.Lock()

    def progress(collector: str) -> None:
        with lock:
            finished.append(collector)
            store.support_bundle_progress(bundle_id, list(finished))

    try:
        made = make_bundle(
            runs.resolved(answers),
            timeout=timeout,
            node_reports=runs.node_reports(store, answers.profile),
            history=stored_runs(store, answers.profile),
            progress=progress,
        )
        analysis = [_stored_finding(finding, made.redactor.text) for finding in made.analysis]
        store.finish_support_bundle(
            bundle_id, name=made.name, data=made.data, analysis=analysis, failed_collectors=len(made.errors)
        )
    except Exception as exc:  # recorded for the page; never a 500 on a later poll
        log.error("support bundle %s of %s failed: %s", bundle_id, answers.profile, type(exc).__name__)
        store.fail_support_bundle(bundle_id, _shown(exc))


def _shown(exc: Exception) -> str:
    """What the page may say of a failure: the store's key errors are the product's own sentences (the
    operator's fix); any other error's text may quote what was read, so only its type is shown."""
    from app.store.crypto import KeyError_

    return str(exc) if isinstance(exc, KeyError_) else type(exc).__name__  # the store keeps 255 characters


def _stored_finding(finding: dict, redact) -> dict:
    """A finding as JSON data, its texts as the archive has them: every text value of its title, message
    and hint through the bundle's redactor (the templates are the catalog's; values carry what was read)."""

    def clean(value):
        return redact(value) if isinstance(value, str) else value

    out = {}
    for key, value in finding.items():
        if key in ("title", "message", "hint"):
            value = value.map_values(clean) if isinstance(value, (Msg, MsgList)) else clean(value)
        out[key] = to_data(value)
    return out


def _job(row: SupportBundle | None) -> SimpleNamespace | None:
    """The stored bundle as the panel reads it."""
    if row is None:
        return None
    made = None
    if row.name is not None and row.finished_at is not None:
        analysis = [{k: from_data(v) for k, v in f.items()} for f in json.loads(row.analysis or "[]")]
        made = SimpleNamespace(name=row.name, analysis=analysis, failed_collectors=row.failed_collectors)
    return SimpleNamespace(
        done=row.finished_at is not None,
        finished=json.loads(row.collectors),
        seconds=max(0, round(((row.finished_at or utcnow()) - row.created_at).total_seconds())),
        failed=row.failed,
        made=made,
    )


def _panel(request: Request, name: str, job_id: str | None, row: SupportBundle | None):
    return render(request, "_support_bundle.html", {"profile": name, "job_id": job_id, "job": _job(row)})


@router.post("/p/{name}/support-bundle", dependencies=[Csrf])
def start(request: Request, name: str, store: StoreDep):
    answers, _ = load_profile(store, name)
    bundle_id = store.start_support_bundle(name)
    threading.Thread(
        target=_work,
        args=(bundle_id, store, answers, request.app.state.settings.check_timeout),
        daemon=True,
        name="wbsetup-support-bundle",
    ).start()
    return _panel(request, name, bundle_id, store.get_support_bundle(name, bundle_id))


def _stored(store, name: str, job_id: str, *, with_data: bool = False) -> SupportBundle:
    row = store.get_support_bundle(name, job_id, with_data=with_data)
    if row is None:
        raise HTTPException(404, msg("unknown support bundle %(job)s: make a new one", job=repr(job_id)))
    return row


@router.get("/p/{name}/support-bundle/{job_id}")
def progress(request: Request, name: str, job_id: str, store: StoreDep):
    load_profile(store, name)
    return _panel(request, name, job_id, _stored(store, name, job_id))


@router.get("/p/{name}/support-bundle/{job_id}/download")
def download(request: Request, name: str, job_id: str, store: StoreDep):
    load_profile(store, name)
    row = _stored(store, name, job_id, with_data=True)
    if row.data is None or row.name is None:
        raise HTTPException(409, msg("the support bundle is not ready yet"))
    return Response(
        row.data,
        media_type="application/gzip",
        headers={"Content-Disposition": f'attachment; filename="{row.name}"', "Cache-Control": "no-store"},
    )
