"""A profile's History page (SPEC §7 "Revisions"): its revisions newest first, 50 a page, the bundle diff
between any two, and restoring one as a new revision."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from starlette.concurrency import run_in_threadpool

from app.i18n.message import msg
from app.store import Conflict, NotFound
from app.web import routes_drift
from app.web.deps import Csrf, StoreDep, load_profile, redirect, render
from app.web.stepper import stepper

router = APIRouter()
router.include_router(routes_drift.router)  # the Verify page's drift panel
PER_PAGE = 50


def _number(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and 0 < int(text) < 1_000_000_000 else None


@router.get("/p/{name}/history")
def history(request: Request, name: str, store: StoreDep):
    answers, row = load_profile(store, name)
    query = request.query_params
    total = store.count_revisions(name)
    pages = max(1, -(-total // PER_PAGE))
    page = min(_number(query.get("page")) or 1, pages)
    revisions = store.list_revisions(name, offset=(page - 1) * PER_PAGE, limit=PER_PAGE, newest_first=True)
    old, new = _number(query.get("a")), _number(query.get("b"))
    diff, error = None, None
    if old is not None and new is not None:
        try:
            diff = _diff(store, name, old, new)
        except NotFound:
            error = msg("no revision %(a)s or %(b)s of this profile", a=old, b=new)
    return render(
        request,
        "history.html",
        {
            "answers": answers,
            "profile": name,
            "step": "history",
            "version": row.version,
            "stepper": stepper(store, answers),
            "revisions": revisions,
            "page": page,
            "pages": pages,
            "total": total,
            "a": old,
            "b": new,
            "diff": diff,
            "error": error,
            "restored": _number(query.get("restored")),
        },
        404 if error else 200,
    )


def _diff(store, name: str, old: int, new: int):
    from app.change.revisions import diff_revisions

    return diff_revisions(store, name, old, new)


@router.post("/p/{name}/history/restore", dependencies=[Csrf])
async def restore(request: Request, name: str, store: StoreDep, revision: int = Form(...), version: int = Form(...)):
    return await run_in_threadpool(_restore, request, store, name, revision, version)


def _restore(request: Request, store, name: str, revision: int, version: int):
    load_profile(store, name)
    try:
        answers, _ = store.get_revision(name, revision)
        new = store.save_answers(answers, expected_version=version, source="restore")
    except NotFound:
        return render(
            request, "error.html", {"status": 404, "detail": msg("no revision %(n)s of this profile", n=revision)}, 404
        )
    except Conflict as exc:
        return render(request, "error.html", {"status": 409, "detail": exc.args[0]}, 409)
    return redirect(request, f"/p/{name}/history?restored={revision}&a={revision}&b={new}")
