"""The `verify.*` HTTP checks against the W&B stand-in behind REAL nginx running the bundle's own
docker-compose/nginx.conf (trustme certificate; only listen/ssl_certificate/proxy_pass rewritten to
loopback in the test copy, tests/services/nginx.py).

Each case is one thing that goes wrong after installing: the proxy limits bodies, W&B is still
migrating, the key is wrong, another version runs, nothing listens, something accepts TCP and never
answers. The W&B side is a stand-in (W&B's image cannot run here): app/demo/wandb_server.py.
"""

from __future__ import annotations

import base64
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

import pytest

from app.answers import parse_document
from app.checks.engine import checks_for, run_checks_sync
from tests import factories as f
from tests.services.net import free_port, silent_server

API_KEY = "local-7Qm2" + "x" * 30  # W&B keys are 40+ characters; unique enough to search for
VERSION = "0.70.0"
IDS = [c.id for c in checks_for(["verify"])]


def answers_for(
    host: str, ca_pem: str | None, *, key: str | None = API_KEY, target: str = "docker-compose", version: str = VERSION
):
    doc = f.answers_doc(
        f.MINIMAL,
        profile="verify-test",
        host=host,
        tls={"mode": "provided", **({"ca_pem": ca_pem} if ca_pem else {})},
        deploy={"target": target, "version": version},
    )
    if key is not None:
        doc["verify"] = {"api_key": key}
    return parse_document(doc)


def by_id(report) -> dict:
    return {r.id: r for r in report.results}


@pytest.fixture
def site(wandb_site):
    """start(edit=None, **standin_knobs) → (answers, standin): W&B behind nginx (tests/services/nginx.py)."""

    def start(edit=None, **knobs):
        host, ca_pem, standin = wandb_site(API_KEY, edit=edit, **{"version": VERSION, **knobs})
        return answers_for(host, ca_pem), standin

    return start


@pytest.fixture
def ca(wandb_ca):
    return wandb_ca


def test_healthy_install_passes_every_http_check(site):
    answers, standin = site()
    report = run_checks_sync(answers, steps=["verify"], timeout=10)
    results = by_id(report)
    assert [r.id for r in report.results] == IDS
    for check_id in IDS[:-1]:
        assert results[check_id].status == "pass", (check_id, results[check_id].message)
    assert results["verify.rollout"].status == "skip"  # docker-compose: no cluster
    assert "nginx" in str(results["verify.health"].message)  # what answered: the proxy's Server header
    assert "trusted through tls.ca_pem" in str(results["verify.tls"].message)
    assert str(results["verify.login"].message) == "logged in as admin"
    # the 10 MiB body went through nginx to W&B, whole
    assert ("POST", "/graphql", 10 * 1024 * 1024) in standin.requests
    assert report.exit_code() == 0


def test_proxy_body_limit_fails_with_the_fix(site):
    answers, standin = site(edit=lambda conf: conf.replace("client_max_body_size 0;", "client_max_body_size 1m;"))
    result = by_id(run_checks_sync(answers, steps=["verify"], timeout=10))["verify.proxy_body"]
    assert result.status == "fail", result.message
    assert "413" in str(result.message) and "nginx" in str(result.message)
    assert "client_max_body_size 0;" in str(result.hint)
    assert not any(size > 1024 * 1024 for _, _, size in standin.requests)  # nginx refused it, W&B never saw it


def test_proxy_body_fix_names_the_ingress_annotation_on_kubernetes(site):
    answers, _ = site(edit=lambda conf: conf.replace("client_max_body_size 0;", "client_max_body_size 1m;"))
    doc = answers.to_document(secrets="plain")
    doc["deploy"]["target"] = "kubernetes"
    result = by_id(
        run_checks_sync(parse_document(doc), only=["verify.reach", "verify.tls", "verify.proxy_body"], timeout=10)
    )["verify.proxy_body"]
    assert result.status == "fail"
    assert 'nginx.ingress.kubernetes.io/proxy-body-size: "0"' in str(result.hint)


def test_ready_503_warns_still_starting(site):
    answers, _ = site(ready_status=503)
    results = by_id(run_checks_sync(answers, steps=["verify"], timeout=10))
    assert results["verify.ready"].status == "warn"
    assert "503" in str(results["verify.ready"].message) and "still starting" in str(results["verify.ready"].message)
    assert results["verify.health"].status == "pass"


def test_wrong_key_fails_login_and_skips_version(site):
    answers, _ = site()
    doc = answers.to_document(secrets="plain")
    doc["verify"]["api_key"] = "wrong-key-" + "y" * 30
    results = by_id(run_checks_sync(parse_document(doc), steps=["verify"], timeout=10))
    assert results["verify.login"].status == "fail"
    assert str(results["verify.login"].message) == "API key refused (HTTP 401)"
    assert results["verify.version"].status == "skip"


def test_no_key_skips_login_and_version(site):
    answers, _ = site()
    doc = answers.to_document(secrets="plain")
    del doc["verify"]
    results = by_id(run_checks_sync(parse_document(doc), steps=["verify"], timeout=10))
    assert results["verify.login"].status == "skip" and "verify.api_key" in str(results["verify.login"].message)
    assert results["verify.version"].status == "skip"


def test_other_version_warns_naming_both(site):
    answers, _ = site(version="0.69.1")
    result = by_id(run_checks_sync(answers, steps=["verify"], timeout=10))["verify.version"]
    assert result.status == "warn"
    assert "0.69.1" in str(result.message) and VERSION in str(result.message)


def test_healthz_error_names_who_answered(site):
    answers, _ = site(health_status=500)
    result = by_id(run_checks_sync(answers, steps=["verify"], timeout=10))["verify.health"]
    assert result.status == "fail"
    assert "500" in str(result.message) and "server:" in str(result.message)


def test_upstream_down_is_the_proxy_answering_502(site):
    answers, standin = site()
    standin.stop()  # nginx runs, W&B does not
    results = by_id(run_checks_sync(answers, steps=["verify"], timeout=10))
    assert results["verify.health"].status == "fail"
    assert "502" in str(results["verify.health"].message) and "nginx" in str(results["verify.health"].message)
    assert "cannot reach W&B" in str(results["verify.health"].hint)


def test_closed_port_fails_reach_and_skips_the_rest(ca):
    port = free_port()
    answers = answers_for(f"https://localhost:{port}", ca.cert_pem.bytes().decode())
    results = by_id(run_checks_sync(answers, steps=["verify"], timeout=5))
    assert results["verify.reach"].status == "fail"
    assert "refused" in str(results["verify.reach"].message)
    for check_id in IDS[1:-1]:
        assert results[check_id].status == "skip", check_id
        assert "verify.reach" in str(results[check_id].message)


def test_unresolvable_host_names_dns():
    answers = answers_for("https://wandb.does-not-exist.invalid", None)
    result = by_id(run_checks_sync(answers, only=["verify.reach"], timeout=5))["verify.reach"]
    assert result.status == "fail" and str(result.message).startswith("DNS:")


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_silent_host_ends_within_the_timeout(scheme):
    with silent_server() as port:
        answers = answers_for(f"{scheme}://localhost:{port}", None)
        report = run_checks_sync(answers, steps=["verify"], timeout=1.5)  # how long: bench/timeouts.py
    results = by_id(report)
    assert results["verify.reach"].status == "pass"
    assert all(r.status != "error" for r in report.results), [(r.id, r.message) for r in report.results]
    if scheme == "http":
        assert results["verify.health"].status == "fail"
        assert "sent no HTTP answer" in str(results["verify.health"].message)
    else:
        assert results["verify.tls"].status == "fail"
        assert results["verify.health"].status == "skip"


def test_untrusted_certificate_fails_tls_and_skips_http_checks(site):
    answers, _ = site()
    doc = answers.to_document(secrets="plain")
    del doc["tls"]["ca_pem"]  # the trustme CA is in no trust store
    results = by_id(run_checks_sync(parse_document(doc), steps=["verify"], timeout=10))
    assert results["verify.tls"].status == "fail" and "not trusted" in str(results["verify.tls"].message)
    assert results["verify.login"].status == "skip"


def test_redirect_is_reported_not_followed():
    """A plain-http host that redirects (as the bundle's port-80 block does): every HTTP check names
    the redirect; nothing is sent to the Location, and the API key never leaves for it."""
    seen = []

    class Redirect(BaseHTTPRequestHandler):
        def _answer(self):
            seen.append((self.command, self.path, self.headers.get("Authorization")))
            self.send_response(301)
            echo = quote(self.headers.get("Authorization") or "", safe="") or "none"  # a hostile echo of the key
            self.send_header("Location", "https://elsewhere.invalid" + self.path + "?auth=" + echo)
            self.send_header("Server", "echo " + (self.headers.get("Authorization") or ""))
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = _answer

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        answers = answers_for(f"http://localhost:{server.server_address[1]}", None)
        results = by_id(run_checks_sync(answers, steps=["verify"], timeout=5))
    finally:
        server.shutdown()
        server.server_close()
    for check_id in ("verify.health", "verify.ready", "verify.login"):
        assert results[check_id].status == "fail", check_id
        assert "redirect to https://elsewhere.invalid" in str(results[check_id].message)
        assert "not followed" in str(results[check_id].message)
    assert results["verify.version"].status == "skip"
    assert any(auth for _, _, auth in seen)  # the login check did send the key to the host itself
    basic = base64.b64encode(f"api:{API_KEY}".encode()).decode()
    for r in results.values():
        text = f"{r.message} {r.hint} {r.observed}"
        assert API_KEY not in text and basic not in text and quote(basic, safe="") not in text, r.id


def test_remote_text_echoing_the_key_is_scrubbed(site):
    """A server that puts the key into what checks quote (the viewer's name, the version string)."""
    basic = base64.b64encode(f"api:{API_KEY}".encode()).decode()
    answers, _ = site(username=f"{API_KEY} {basic}", version=basic)
    results = by_id(run_checks_sync(answers, steps=["verify"], timeout=10))
    assert results["verify.login"].status == "pass" and results["verify.version"].status == "warn"
    for r in results.values():
        text = f"{r.message} {r.hint} {r.observed} {r.expected}"
        assert API_KEY not in text and basic not in text, r.id
