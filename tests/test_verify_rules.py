"""The verify.* verdicts with plain facts (app/checks/_verify_rules.py): no server, no network."""

from __future__ import annotations

import pytest

from app.answers import parse_document
from app.checks import _verify_rules as r
from app.checks._verify_http import Answer
from app.checks.engine import Context
from app.requirements import load
from tests import factories as f


def ctx(version: str = "0.70.0") -> Context:
    doc = f.answers_doc(f.MINIMAL, profile="p", host="https://wandb.acme", deploy={"version": version})
    return Context(parse_document({**doc, "verify": {"api_key": "k" * 40}}), load("current"), 10.0)


def answer(status: int, body: bytes = b"", location: str = "") -> Answer:
    return Answer(status, "nginx", location, body, False)


@pytest.mark.parametrize(
    "cause, status, words",
    [
        pytest.param(None, "pass", "accepts TCP", id="connected"),
        pytest.param("dns", "fail", "does not resolve", id="dns"),
        pytest.param("refused", "fail", "nothing listens there", id="refused"),
        pytest.param("timeout", "fail", "timed out connecting", id="timeout"),
        pytest.param("unreachable", "fail", "is unreachable", id="unreachable"),
    ],
)
def test_reach(cause, status, words):
    got = r.judge_reach(ctx(), "wandb.acme", 443, cause, "10.0.0.5", "why")
    assert (got.status, words in str(got.message)) == (status, True)


@pytest.mark.parametrize(
    "judge, status_code, status",
    [
        pytest.param(r.judge_health, 200, "pass", id="health-ok"),
        pytest.param(r.judge_health, 502, "fail", id="health-bad-gateway"),
        pytest.param(r.judge_ready, 503, "warn", id="ready-still-starting"),
        pytest.param(r.judge_ready, 302, "fail", id="ready-redirect"),
    ],
)
def test_health_and_ready(judge, status_code, status):
    assert judge(ctx(), "GET /x", answer(status_code, location="https://elsewhere")).status == status


def test_proxy_body_413_names_the_fix():
    got = r.judge_proxy_body(ctx(), "a 10 MiB POST", "raise client_max_body_size", answer(413))
    assert (got.status, got.hint) == ("fail", "raise client_max_body_size")


@pytest.mark.parametrize(
    "chosen, body, status",
    [
        pytest.param(
            "0.70.0",
            b'{"data": {"serverInfo": {"latestLocalVersionInfo": {"versionOnThisInstanceString": "0.70.0"}}}}',
            "pass",
            id="as-chosen",
        ),
        pytest.param(
            "0.71.0",
            b'{"data": {"serverInfo": {"latestLocalVersionInfo": {"versionOnThisInstanceString": "0.70.0"}}}}',
            "warn",
            id="other-version",
        ),
        pytest.param("0.70.0", b"{}", "fail", id="no-version"),
    ],
)
def test_version(chosen, body, status):
    import json

    assert r.judge_version(ctx(chosen), "GraphQL serverInfo", answer(200, body), json.loads(body)).status == status


def test_login_refused_and_accepted():
    assert r.judge_login(ctx(), "viewer", answer(401), None).status == "fail"
    ok = r.judge_login(ctx(), "viewer", answer(200), {"data": {"viewer": {"username": "admin"}}})
    assert (ok.status, str(ok.message)) == ("pass", "logged in as admin")
