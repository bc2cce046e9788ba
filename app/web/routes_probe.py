"""Hardware probe: a one-time token per role, the served probe script (no session: the token is the
credential), the upload, a paste box for air-gapped hosts, and one-click probing of the wizard host."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from app import probe, probe_script, probe_tokens
from app.answers import parse_document
from app.store import Store
from app.web.deps import Csrf, StoreDep, load_profile, redirect, render

router = APIRouter()


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _merge(store: Store, name: str, role: str, node: str, facts: dict) -> None:
    """Measured facts fill hardware.<role> (typed values stay editable afterwards)."""
    answers, row = store.get_profile(name)
    doc = answers.to_document(secrets="plain")
    doc.setdefault("hardware", {}).setdefault(role, {}).update(probe_tokens.facts_to_section(role, facts))
    store.save_answers(parse_document(doc), expected_version=row.version)
    store.add_measurement(name, role, node, facts)


@router.post("/p/{name}/hardware/probe-token", dependencies=[Csrf])
def probe_token(request: Request, name: str, store: StoreDep, role: str = Form(...)):
    if role not in probe_tokens.ROLES:
        raise HTTPException(422, "role: app or database")
    load_profile(store, name)
    token = probe_tokens.new_token()
    store.add_probe_token(name, probe_tokens.token_hash(token), role, "hardware", probe_tokens.TOKEN_TTL)
    return render(request, "_probe_usage.html", {
        "role": role, "usage": probe_script.usage(_base_url(request), token, role),
        "minutes": int(probe_tokens.TOKEN_TTL.total_seconds() // 60), "profile": name})


@router.get(probe_script.SCRIPT_PATH)
def served_script(request: Request, store: StoreDep, token: str):
    found = store.peek_probe_token(probe_tokens.token_hash(token[:200]))
    if found is None:
        raise HTTPException(403, "unknown probe token: create a new one on the hardware step")
    tok, _ = found
    return PlainTextResponse(probe_script.probe_script(_base_url(request), token, tok.role),
                             media_type="text/x-shellscript")


@router.post(probe_script.UPLOAD_PATH)
async def upload(request: Request, store: StoreDep):
    body = await request.body()
    try:
        up = probe_tokens.parse_upload(body)
    except probe_tokens.UploadError as exc:
        raise HTTPException(400, str(exc)) from None
    found = store.use_probe_token(up.token_hash)
    if found is None:
        raise HTTPException(403, "unknown probe token")
    tok, name = found
    problem = probe_tokens.token_problem(expires_at=tok.expires_at, used_at=tok.used_at, role=tok.role,
                                         upload_role=up.role)
    if problem:
        raise HTTPException(409 if tok.used_at else 403, problem)
    _merge(store, name, up.role, up.node, up.facts)
    return JSONResponse({"ok": True, "message": f"received {up.role} facts from {up.node} for profile {name}"})


@router.post("/p/{name}/hardware/paste", dependencies=[Csrf])
def paste(request: Request, name: str, store: StoreDep, role: str = Form(...), report: str = Form(..., max_length=16384)):
    load_profile(store, name)
    try:
        up = probe_tokens.parse_upload(report.encode(), require_token=False)
    except probe_tokens.UploadError as exc:
        raise HTTPException(400, f"pasted probe output: {exc}") from None
    if up.role != role:
        raise HTTPException(400, f"pasted probe output is for role {up.role}, not {role}")
    _merge(store, name, up.role, up.node, up.facts)
    return redirect(request, f"/p/{name}/hardware?saved=1")


@router.post("/p/{name}/hardware/probe-local", dependencies=[Csrf])
async def probe_local(request: Request, name: str, store: StoreDep, role: str = Form("app")):
    if role not in probe_tokens.ROLES:
        raise HTTPException(422, "role: app or database")
    load_profile(store, name)
    facts = await asyncio.to_thread(probe.measure)
    _merge(store, name, role, "wizard host", dict(facts))
    return redirect(request, f"/p/{name}/hardware?saved=1")
