"""Node-report uploads in a burst (issue 30): a whole fleet uploading at once is judged and stored by
one worker in batches (app/web/node_uploads.py, Store.accept_node_reports), every valid upload
accepted and stored, every refused one answered as it would be alone. No timings here: /healthz
latency under the burst is a `make bench` figure (bench/upload_burst.py)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from fastapi import HTTPException

from app.answers import parse_document
from app.probe.tokens import new_token, token_hash
from app.run_sync import run_sync
from app.web.routes_probe import _judge_node_upload
from tests.services.wizard import Client
from tests.test_nodes_checks import ANSWERS, report

PROFILE = ANSWERS["profile"]


def _tokens(store, count: int, role: str = "node-app") -> list[str]:
    tokens = [new_token() for _ in range(count)]
    for t in tokens:
        store.add_probe_token(PROFILE, token_hash(t), role, "node", timedelta(hours=1))
    return tokens


@pytest.fixture
def wizard(live_server):
    with Client(live_server.app, base_url=live_server.url) as c:
        c.login()
        c.create(PROFILE)
        live_server.app.state.store.save_answers(parse_document(ANSWERS), replace=True)
        yield live_server


async def _post_all(url: str, bodies: list[dict]) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=len(bodies), max_keepalive_connections=len(bodies))
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as c:
        return await asyncio.gather(*(c.post("/probe/node-upload", json=b) for b in bodies))


def test_200_concurrent_uploads_are_all_accepted_and_stored(wizard):
    store = wizard.app.state.store
    tokens = _tokens(store, 200)
    reports = [report(f"gpu-{i:03d}") for i in range(200)]
    answers = run_sync(lambda: _post_all(wizard.url, [{"token": t, "report": r} for t, r in zip(tokens, reports)]))
    assert [a.status_code for a in answers] == [200] * 200
    for a, r in zip(answers, reports):
        assert str(a.json()["message"]) == f"stored the app node report of {r['node']} for profile {PROFILE}"
    stored = {doc["node"]: doc for _, doc in store.node_reports(PROFILE)}
    assert sorted(stored) == [r["node"] for r in reports]
    assert stored["gpu-123"] == reports[123]
    again = run_sync(lambda: _post_all(wizard.url, [{"token": tokens[0], "report": reports[0]}]))  # each token once
    assert again[0].status_code == 409 and "already used" in again[0].text


def test_a_burst_answers_each_upload_as_it_would_alone(wizard):
    """Valid, refused and reused uploads in one burst: each gets its own answer; the refused ones
    store nothing and do not spend their token."""
    store = wizard.app.state.store
    good, bad_profile, client_role = _tokens(store, 30), _tokens(store, 5), _tokens(store, 5, "node-client")
    bodies = (
        [{"token": t, "report": report(f"ok-{i}")} for i, t in enumerate(good)]
        + [{"token": t, "report": report(f"other-{i}", profile="elsewhere")} for i, t in enumerate(bad_profile)]
        + [{"token": t, "report": report(f"role-{i}")} for i, t in enumerate(client_role)]
        + [{"token": new_token(), "report": report("unknown")}, {"token": "short", "report": {}}]
    )
    answers = run_sync(lambda: _post_all(wizard.url, bodies))
    codes = [a.status_code for a in answers]
    assert codes == [200] * 30 + [400] * 5 + [403] * 5 + [403, 400]
    assert "profile: the report is for profile 'elsewhere'" in answers[30].text
    assert "node-client reports, not app" in answers[35].text
    assert "unknown probe token" in answers[40].text
    assert sorted(doc["node"] for _, doc in store.node_reports(PROFILE)) == sorted(f"ok-{i}" for i in range(30))
    retry = run_sync(
        lambda: _post_all(wizard.url, [{"token": t, "report": report(f"fixed-{i}")} for i, t in enumerate(bad_profile)])
    )
    assert [a.status_code for a in retry] == [200] * 5  # a refused report did not spend its token


def test_one_transaction_spends_each_token_once_and_keeps_one_report_per_node(wizard):
    store = wizard.app.state.store
    t1, t2, t3 = _tokens(store, 3)
    first, second = report("app-1"), report("app-1", **{"hardware.cpu_cores": 64})
    out = store.accept_node_reports(
        [(token_hash(t1), first), (token_hash(t1), report("app-2")), (token_hash(t2), second), (token_hash(t3), [1])],
        _judge_node_upload,
    )
    assert out[0] == (PROFILE, first) and out[2] == (PROFILE, second)
    assert isinstance(out[1], HTTPException) and out[1].status_code == 409 and "already used" in str(out[1].detail)
    assert isinstance(out[3], HTTPException) and out[3].status_code == 400
    ((_, stored),) = store.node_reports(PROFILE)  # the same node twice: the later report replaced the first
    assert stored["hardware"]["cpu_cores"] == 64
    assert store.peek_probe_token(token_hash(t3))[0].used_at is None  # refused: not spent


def test_no_request_passes_a_base_http_middleware_nor_a_thread_hop_for_the_store(wizard):
    """Every layer around the routes is plain ASGI (a BaseHTTPMiddleware costs a task, memory streams and
    several event-loop turns per request: 200 times over in a burst) and the store dependency runs on the
    loop (a sync dependency would be a thread-pool hop per request)."""
    import inspect

    from starlette.middleware.base import BaseHTTPMiddleware

    from app.web.deps import get_store

    layers = [m.cls for m in wizard.app.user_middleware]
    assert layers and not [c for c in layers if isinstance(c, type) and issubclass(c, BaseHTTPMiddleware)]
    assert inspect.iscoroutinefunction(get_store)
