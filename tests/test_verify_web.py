"""The Verify page (stepper step 7, after the review), `wbsetup verify`, and the API key that never
leaks: not in the CLI's output, pages, the state database, the server log, reports or the bundle.

W&B is the stand-in (app/demo/wandb_server.py); the web run goes to it directly over http here (the
checks against real nginx are in tests/test_verify_checks.py)."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import tarfile
import time
import xml.etree.ElementTree as ET
import zipfile

import pytest

from app.demo.wandb_server import WandbStandin
from tests.serve_proc import ROOT, ServeProc

API_KEY = "DISTINCTIVE-apikey-" + "k" * 24
VERIFY_IDS = [
    "verify.reach",
    "verify.tls",
    "verify.health",
    "verify.ready",
    "verify.proxy_body",
    "verify.login",
    "verify.version",
    "verify.rollout",
]


@pytest.fixture
def wandb():
    with WandbStandin(api_key=API_KEY, version="0.70.0") as standin:
        yield standin


def _cli(*args, env=None):
    e = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "app", *args], cwd=ROOT, env=e, capture_output=True, text=True, timeout=90
    )


def _answers_file(tmp_path, host: str, key) -> str:
    path = tmp_path / "acme.yaml"
    verify = f"verify: {{api_key: {json.dumps(key)}}}\n" if key else ""
    path.write_text(
        f"schema: 1\nprofile: acme\nhost: {host}\ndeploy: {{target: docker-compose, version: '0.70.0'}}\n" + verify
    )
    return str(path)


# --- the command line ------------------------------------------------------------------------------
def test_validate_without_step_does_not_run_verify(tmp_path):
    out = _cli("validate", _answers_file(tmp_path, "http://127.0.0.1:9", None), "--format", "json", "--timeout", "1")
    ids = [c["id"] for c in json.loads(out.stdout)["checks"]]
    assert ids and not any(i.startswith("verify.") for i in ids)
    assert {i.split(".")[0] for i in ids} == {"hardware", "database", "object_store", "tls", "deploy"}


def test_verify_is_validate_step_verify(tmp_path, wandb):
    answers = _answers_file(tmp_path, wandb.url, API_KEY)
    verify = _cli("verify", answers, "--format", "json")
    validate = _cli("validate", answers, "--step", "verify", "--format", "json")
    a, b = json.loads(verify.stdout), json.loads(validate.stdout)
    assert [c["id"] for c in a["checks"]] == [c["id"] for c in b["checks"]] == VERIFY_IDS
    assert [c["status"] for c in a["checks"]] == [c["status"] for c in b["checks"]]
    assert set(a) == {"schema", "profile", "requirements", "duration_ms", "summary", "checks"}
    # http host: verify.tls warns; everything else passes; rollout skips (docker-compose)
    assert a["summary"] == {"pass": 6, "warn": 1, "fail": 0, "skip": 1, "error": 0}
    assert verify.returncode == validate.returncode == 0
    assert _cli("verify", answers, "--strict").returncode == 1  # the warn counts with --strict
    junit = ET.fromstring(_cli("verify", answers, "--format", "junit").stdout)
    assert junit.get("tests") == "8" and [t.get("name") for t in junit.iter("testcase")] == VERIFY_IDS
    assert _cli("verify", answers, "--step", "database").returncode == 2  # verify has no --step


def test_verify_exit_codes_and_ignore(tmp_path, wandb):
    answers = _answers_file(tmp_path, wandb.url, "wrong-" + "w" * 30)
    failed = _cli("verify", answers)
    assert failed.returncode == 1 and "API key refused (HTTP 401)" in failed.stdout
    ignored = _cli("verify", answers, "--ignore", "verify.login", "--format", "json")
    login = next(c for c in json.loads(ignored.stdout)["checks"] if c["id"] == "verify.login")
    assert ignored.returncode == 0 and login["status"] == "warn" and login["original_status"] == "fail"
    assert _cli("verify", str(tmp_path / "missing.yaml")).returncode == 2


def test_api_key_never_in_cli_output(tmp_path, wandb):
    for key in (API_KEY, API_KEY + "-wrong"):  # accepted and refused
        answers = _answers_file(tmp_path, wandb.url, {"env": "WB_VERIFY_KEY"})
        for fmt in ("text", "json", "junit"):
            out = _cli("verify", answers, "--format", fmt, env={"WB_VERIFY_KEY": key})
            assert out.returncode in (0, 1)
            assert "DISTINCTIVE" not in out.stdout + out.stderr, fmt


# --- the web wizard: the page, the run, the review, the bundle, and no leak ------------------------------
def _run(c, step: str) -> str:
    started = c.post(f"/p/acme/checks/{step}", headers={"X-CSRF-Token": c.csrf}).text
    run = re.search(rf"checks/{step}\?run=(\d+)", started)
    deadline = time.monotonic() + 30
    while (
        run and time.monotonic() < deadline and "hx-trigger" in c.get(f"/p/acme/checks/{step}?run={run.group(1)}").text
    ):
        time.sleep(0.2)
    return c.get(f"/p/acme/checks/{step}").text


def _version(c, step: str) -> str:
    return c.get(f"/p/acme/{step}").text.split('name="version" value="')[1].split('"')[0]


def test_verify_page_run_review_bundle_and_no_key_anywhere(tmp_path, wandb):
    server = ServeProc(tmp_path).start()
    try:
        c = server.client()
        assert c.post_form("/profiles", {"name": "acme"}).status_code == 303
        assert (
            c.post_form(
                "/p/acme/tls", {"version": _version(c, "tls"), "host": wandb.url, "tls.mode": "none"}
            ).status_code
            == 303
        )
        assert (
            c.post_form(
                "/p/acme/deploy",
                {"version": _version(c, "deploy"), "deploy.target": "docker-compose", "deploy.version": "0.70.0"},
            ).status_code
            == 303
        )
        page = c.get("/p/acme/verify").text
        assert 'type="password"' in page and 'name="verify.api_key"' in page
        assert re.search(r'<span class="num">7</span>\s*Verify', page)  # stepper step 7, after the review
        saved = c.post_form("/p/acme/verify", {"version": _version(c, "verify"), "verify.api_key": API_KEY})
        assert saved.status_code == 303
        pages = [c.get("/p/acme/verify").text]
        panel = _run(c, "verify")
        pages.append(panel)
        statuses = dict(re.findall(r'data-check="(verify\.[a-z_]+)" data-status="(\w+)"', panel))
        assert statuses == {
            "verify.reach": "pass",
            "verify.tls": "warn",
            "verify.health": "pass",
            "verify.ready": "pass",
            "verify.proxy_body": "pass",
            "verify.login": "pass",
            "verify.version": "pass",
        }, statuses
        # verify.rollout does not apply to docker-compose: folded into one line (app/applicability.py)
        assert "1 Kubernetes cluster check does not apply to docker-compose" in panel
        assert "logged in as admin" in panel
        review = c.get("/p/acme/review").text
        pages.append(review)
        assert 'data-check="verify.login" data-status="pass"' in review and 'href="/p/acme/verify"' in review
        for secrets in ("false", "true"):
            data = c.get(f"/p/acme/bundle.zip?secrets={secrets}").content
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                report = json.loads(z.read("report/validation.json"))
                assert "verify.login" in z.read("report/validation.html").decode()
                pages += [z.read(n).decode("utf-8", "replace") for n in z.namelist()]
            ids = {r["id"]: r["status"] for r in report["checks"]}
            assert ids["verify.login"] == "pass" and ids["verify.proxy_body"] == "pass"
        with tarfile.open(fileobj=io.BytesIO(c.get("/p/acme/bundle.tar.gz").content)) as t:
            pages += [t.extractfile(m).read().decode("utf-8", "replace") for m in t.getmembers() if m.isfile()]
        # a wrong key: the refusal is on the page, the key is not
        c.post_form("/p/acme/verify", {"version": _version(c, "verify"), "verify.api_key": API_KEY + "-bad"})
        pages.append(_run(c, "verify"))
        assert 'data-check="verify.login" data-status="fail"' in pages[-1]
        for path in ("/", "/p/acme/verify", "/p/acme/review", "/p/acme/export.yaml", "/p/acme/deploy"):
            pages.append(c.get(path).text)
    finally:
        server.stop()
    leaks = [i for i, p in enumerate(pages) if "DISTINCTIVE" in p]
    assert leaks == []
    for name in ("state.db", "state.db-wal", server.log.name):
        path = tmp_path / name
        if path.exists():
            assert b"DISTINCTIVE" not in path.read_bytes(), name
    full = subprocess.run(
        [sys.executable, "-m", "app", "export", "acme", "--include-secrets"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "WBSETUP_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    assert API_KEY + "-bad" in full  # it was really stored (encrypted), so its absence above means something


def test_stepper_order_and_navigation(client):
    client.create("acme")
    deploy = client.get("/p/acme/deploy").text
    assert re.search(r'href="/p/acme/review" role="button" data-testid="next"', deploy)
    verify = client.get("/p/acme/verify").text
    nav = re.findall(r'<a href="/p/acme/(\w+)"[^>]*>\s*<span class="num">(\d)</span>', verify)
    assert nav == [
        ("hardware", "1"),
        ("database", "2"),
        ("object_store", "3"),
        ("tls", "4"),
        ("deploy", "5"),
        ("review", "6"),
        ("verify", "7"),
    ]
    assert 'data-testid="next"' not in verify and 'href="/p/acme/review" role="button" class="secondary"' in verify
    assert 'data-testid="next"' in client.get("/p/acme/review").text
    client.get("/lang/ko?next=/", follow_redirects=False)  # the language switcher
    ko = client.get("/p/acme/verify").text
    assert "설치 확인" in ko and "API 키" in ko
