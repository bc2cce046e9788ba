"""Hardware probe: a one-time token per role, the served probe script (no session: the token is the
credential), the upload, a paste box for air-gapped hosts, and one-click probing of the wizard host.
Node reports (deploy step, §4.5) the same way: a "node-app"/"node-client" token, the node script
served at the same URL, and /probe/node-upload; a token of one kind is refused by the other's upload."""

from __future__ import annotations

import asyncio
import json

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.concurrency import run_in_threadpool

from app.answers import AnswersError, parse_document
from app.i18n.message import N_, MsgList, message_of, msg
from app.probe import host as probe, reports as nodes, script as probe_script, tokens as probe_tokens
from app.store import Store
from app.web import node_uploads
from app.web.deps import Csrf, StoreDep, load_profile, redirect, render

router = APIRouter()
NODE_PREFIX = "node-"  # the token role of node reports: node-app, node-client (ProbeToken.role ≤ 16)
MAX_NODE_UPLOAD = 64 * 1024


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
        raise HTTPException(422, N_("role: app or database"))
    load_profile(store, name)
    token = probe_tokens.new_token()
    store.add_probe_token(name, probe_tokens.token_hash(token), role, "hardware", probe_tokens.TOKEN_TTL)
    return render(
        request,
        "_probe_usage.html",
        {
            "role": role,
            "usage": probe_script.usage(_base_url(request), token, role),
            "minutes": int(probe_tokens.TOKEN_TTL.total_seconds() // 60),
            "profile": name,
        },
    )


@router.get(probe_script.SCRIPT_PATH)
def served_script(request: Request, store: StoreDep, token: str):
    found = store.peek_probe_token(probe_tokens.token_hash(token[:200]))
    if found is None:
        raise HTTPException(403, N_("unknown probe token: create a new one on the hardware step"))
    tok, name = found
    if tok.role.startswith(NODE_PREFIX):  # what the node must reach, from the answers as they are now
        answers = store.get_answers(name)
        if answers is None:
            raise HTTPException(404, N_("the profile of this probe token no longer exists"))
        targets = nodes.targets(answers)
        text = probe_script.node_script(_base_url(request), token, targets, tok.role[len(NODE_PREFIX) :])
    else:
        text = probe_script.probe_script(_base_url(request), token, tok.role)
    return PlainTextResponse(text, media_type="text/x-shellscript")


@router.post(probe_script.UPLOAD_PATH)
async def upload(request: Request, store: StoreDep):
    body = await request.body()
    return await run_in_threadpool(_store_upload, store, body)  # SQLite/MySQL writes: never on the event loop


def _store_upload(store: Store, body: bytes):
    try:
        up = probe_tokens.parse_upload(body)
    except probe_tokens.UploadError as exc:
        raise HTTPException(400, message_of(exc)) from None
    token_hash = up.token_hash
    assert token_hash is not None  # parse_upload requires the token by default
    peeked = store.peek_probe_token(token_hash)
    if peeked is not None and peeked[0].role.startswith(NODE_PREFIX):  # refused without spending it
        raise HTTPException(403, N_("this probe token is for node reports, not for the hardware probe"))
    found = store.use_probe_token(token_hash)
    if found is None:
        raise HTTPException(403, N_("unknown probe token"))
    tok, name = found
    problem = probe_tokens.token_problem(
        expires_at=tok.expires_at, used_at=tok.used_at, role=tok.role, upload_role=up.role
    )
    if problem:
        raise HTTPException(409 if tok.used_at else 403, problem)
    _merge(store, name, up.role, up.node, up.facts)
    return JSONResponse(
        {
            "ok": True,
            "message": str(  # the API speaks English (the CLI's probe prints it)
                msg("received %(role)s facts from %(node)s for profile %(name)s", role=up.role, node=up.node, name=name)
            ),
        }
    )


@router.post("/p/{name}/hardware/paste", dependencies=[Csrf])
def paste(
    request: Request, name: str, store: StoreDep, role: str = Form(...), report: str = Form(..., max_length=16384)
):
    load_profile(store, name)
    try:
        up = probe_tokens.parse_upload(report.encode(), require_token=False)
    except probe_tokens.UploadError as exc:
        raise HTTPException(400, msg("pasted probe output: %(exc)s", exc=exc)) from None
    if up.role != role:
        raise HTTPException(
            400, msg("pasted probe output is for role %(role)s, not %(expected)s", role=up.role, expected=role)
        )
    _merge(store, name, up.role, up.node, up.facts)
    return redirect(request, f"/p/{name}/hardware?saved=1")


@router.post("/p/{name}/hardware/probe-local", dependencies=[Csrf])
async def probe_local(request: Request, name: str, store: StoreDep, role: str = Form("app")):
    if role not in probe_tokens.ROLES:
        raise HTTPException(422, N_("role: app or database"))
    load_profile(store, name)
    facts = await asyncio.to_thread(probe.measure)
    await run_in_threadpool(_merge, store, name, role, N_("wizard host"), dict(facts))
    return redirect(request, f"/p/{name}/hardware?saved=1")


# --- node reports (deploy step) ------------------------------------------------------------------
@router.post("/p/{name}/deploy/probe-token", dependencies=[Csrf])
def node_probe_token(request: Request, name: str, store: StoreDep, role: str = Form(...)):
    if role not in probe_script.NODE_ROLES:
        raise HTTPException(422, N_("role: app or client"))
    answers, _ = load_profile(store, name)
    token = probe_tokens.new_token()
    store.add_probe_token(name, probe_tokens.token_hash(token), NODE_PREFIX + role, "node", probe_tokens.TOKEN_TTL)
    return render(
        request,
        "_node_probe_usage.html",
        {
            "role": role,
            "usage": probe_script.node_usage(_base_url(request), token, nodes.targets(answers), role),
            "minutes": int(probe_tokens.TOKEN_TTL.total_seconds() // 60),
            "profile": name,
        },
    )


async def _read_limited(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it passes `limit` bytes (announced or streamed)."""
    announced = request.headers.get("content-length") or "0"
    if not announced.isdigit() or int(announced) > limit:  # BodyLimit already refused non-numbers; be sure
        raise HTTPException(413, msg("node report upload too large (at most %(limit)s KiB)", limit=limit // 1024))
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(413, msg("node report upload too large (at most %(limit)s KiB)", limit=limit // 1024))
    return bytes(body)


def _accept_report(doc, name: str) -> dict:
    """validate_report (which also guarantees what storing needs); HTTP 400 naming the problem."""
    try:
        return nodes.validate_report(doc, name)
    except AnswersError as exc:
        raise HTTPException(400, msg("node report rejected: %(errors)s", errors=MsgList(exc.errors))) from None


@router.post(probe_script.NODE_UPLOAD_PATH)
async def node_upload(request: Request, store: StoreDep):
    body = await _read_limited(request, MAX_NODE_UPLOAD)
    # Judged and stored by one worker thread, a burst in one transaction (app/web/node_uploads.py): a
    # whole fleet uploading at once must not stall the event loop (other pages, /healthz).
    name, report = await node_uploads.queue_for(request.app, store, _judge_node_upload).submit(body)
    return JSONResponse(
        {
            "ok": True,
            "message": str(  # the API speaks English (the node probe prints it)
                msg(
                    "stored the %(role)s node report of %(node)s for profile %(name)s",
                    role=report["role"],
                    node=report["node"],
                    name=name,
                )
            ),
        }
    )


def _judge_node_upload(found, uploaded) -> dict:
    """The report to store for an upload with token `found` (token, profile name), or the HTTP error
    refusing it (the token is not spent for a refused report: it may be retried)."""
    if found is None:
        raise HTTPException(403, N_("unknown probe token"))
    tok, name = found
    if not tok.role.startswith(NODE_PREFIX):
        raise HTTPException(403, N_("this probe token is for the hardware probe, not for node reports"))
    problem = probe_tokens.token_problem(
        expires_at=tok.expires_at, used_at=tok.used_at, role=tok.role, upload_role=tok.role
    )  # used or expired
    if problem:
        raise HTTPException(409 if tok.used_at else 403, problem)
    report = _accept_report(uploaded, name)
    if NODE_PREFIX + report["role"] != tok.role:
        raise HTTPException(
            403,
            msg(
                "this probe token was issued for %(role)s reports, not %(expected)s",
                role=tok.role,
                expected=report["role"],
            ),
        )
    return report


@router.post("/p/{name}/node-reports/paste", dependencies=[Csrf])
def paste_node_report(
    request: Request, name: str, store: StoreDep, report: str = Form(..., max_length=MAX_NODE_UPLOAD)
):
    load_profile(store, name)
    try:
        doc = json.loads(report)
    except ValueError:
        raise HTTPException(400, N_("node report: not JSON (paste the output of the node probe)")) from None
    store.add_node_report(name, _accept_report(doc, name))
    return redirect(request, f"/p/{name}/deploy?saved=1")
