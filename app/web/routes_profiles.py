"""Login, the profile list, create / clone / delete / import / export, resume."""

from __future__ import annotations

import re

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import PlainTextResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from app import i18n
from app.answers import Answers, AnswersError, loads
from app.artifacts.serialize import dump_yaml
from app.i18n.message import N_, MsgList, Text, msg
from app.store import Conflict
from app.web.auth import COOKIE
from app.web.deps import PROFILE_NAME, Csrf, StoreDep, load_profile, redirect, render

router = APIRouter()
MAX_IMPORT = 512 * 1024
LOCAL_PATH = re.compile(r"/(?![/.])[A-Za-z0-9_/.-]{0,200}")


@router.get("/login")
async def login(request: Request, token: str | None = None, next: str | None = None):
    auth = request.app.state.auth
    if token is None:
        return render(request, "login.html", {"error": None})
    if not auth.check_token(token[:200]):
        return render(
            request,
            "login.html",
            {"error": N_("This login link is invalid or was already used. Use the URL printed by `wbsetup serve`.")},
            403,
        )
    # `next`: a plain path on this server only (browsers drop tabs/newlines, so "/\t/evil" would be
    # //evil): letters, digits and / _ . - after a single leading slash; never an open redirect.
    local = next is not None and LOCAL_PATH.fullmatch(next) is not None
    response = RedirectResponse(next if next is not None and local else "/", status_code=303)
    auth.set_cookie(response, auth.new_session(), request)
    return response


@router.post("/logout", dependencies=[Csrf])
async def logout(request: Request):
    request.app.state.auth.revoke(request.state.sid)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


PER_PAGE = 25


def _listing(request: Request, store) -> dict:
    """One page of the profile list from the query string: q (part of a name), sort name|updated, page."""
    query = request.query_params
    search = (query.get("q") or "").strip()[:63] or None
    sort = "updated" if query.get("sort") == "updated" else "name"
    page_text = query.get("page", "1")
    page = int(page_text) if page_text.isdigit() and 0 < int(page_text) < 1_000_000 else 1
    total = store.count_profiles(search)
    return {
        "profiles": store.list_profiles(search=search, sort=sort, offset=(page - 1) * PER_PAGE, limit=PER_PAGE),
        "listing": {
            "search": search,
            "sort": sort,
            "page": page,
            "total": total,
            "pages": max(1, -(-total // PER_PAGE)),
        },
    }


@router.get("/")
def profiles(request: Request, store: StoreDep, error: str | None = None):
    return render(request, "profiles.html", {**_listing(request, store), "error": error})


def _list_error(request: Request, store, message: Text, status: int = 400):
    return render(request, "profiles.html", {**_listing(request, store), "error": message}, status)


@router.post("/profiles", dependencies=[Csrf])
def create_profile(request: Request, store: StoreDep, name: str = Form(..., max_length=200)):
    name = name.strip()
    if not PROFILE_NAME.match(name):
        return _list_error(
            request,
            store,
            N_(
                "Profile name: lower-case letters, digits and - (start with a letter or "
                "digit, at most 63 characters), e.g. acme-prod"
            ),
        )
    try:
        # A new profile starts in the language the operator is using (switcher or browser).
        store.create_profile(Answers(schema=1, profile=name, language=i18n.choose(request)))  # type: ignore[call-arg]  # alias; Secret() fields default at run time
    except Conflict as exc:
        return _list_error(request, store, str(exc), 409)
    return redirect(request, f"/p/{name}/hardware")


@router.post("/p/{name}/clone", dependencies=[Csrf])
def clone_profile(request: Request, name: str, store: StoreDep, new_name: str = Form(..., max_length=200)):
    load_profile(store, name)
    new_name = new_name.strip()
    if not PROFILE_NAME.match(new_name):
        return _list_error(request, store, N_("New profile name: lower-case letters, digits and - (at most 63)"))
    try:
        store.clone_profile(name, new_name)
    except Conflict as exc:
        return _list_error(request, store, str(exc), 409)
    return redirect(request, f"/p/{new_name}/hardware")


@router.post("/p/{name}/delete", dependencies=[Csrf])
def delete_profile(request: Request, name: str, store: StoreDep):
    load_profile(store, name)
    store.delete_profile(name)
    return redirect(request, "/")


@router.post("/profiles/import", dependencies=[Csrf])
async def import_profile(request: Request, store: StoreDep, file: UploadFile = File(...)):
    data = await file.read(MAX_IMPORT + 1)
    if len(data) > MAX_IMPORT:
        return _list_error(request, store, N_("Answers file too large (at most 512 KiB)"), 413)
    try:
        answers = loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        return _list_error(request, store, N_("Answers file: not UTF-8 text"))
    except AnswersError as exc:
        return _list_error(
            request, store, MsgList([N_("Answers file rejected, nothing was stored: "), MsgList(exc.errors)], sep="")
        )
    await run_in_threadpool(store.save_answers, answers, replace=True, source="import")  # the write off the event loop
    return redirect(request, f"/p/{answers.profile}/hardware")


@router.get("/p/{name}/export.yaml")
def export_profile(name: str, store: StoreDep):
    answers, _ = load_profile(store, name)
    return PlainTextResponse(
        dump_yaml(answers.to_document(secrets="refs")),
        media_type="application/yaml",
        headers={"Content-Disposition": f'attachment; filename="{name}.yaml"'},
    )


@router.get("/p/{name}")
def resume(name: str, store: StoreDep):
    _, row = load_profile(store, name)
    return RedirectResponse(f"/p/{name}/{row.last_step}", status_code=303)


def require_step(step: str, allowed) -> None:
    if step not in allowed:
        raise HTTPException(404, msg("unknown step %(step)s", step=repr(step)))
