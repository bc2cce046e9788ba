"""tls.served against real HTTPS servers on 127.0.0.1, and `wbsetup validate --step tls` end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from app.checks import _served
from tests import factories as f

ROOT = Path(__file__).resolve().parents[1]


def served(host: str, timeout: float = 3, **tls):
    return f.result(f.answers(f.MINIMAL, profile="t", host=host, tls=tls), "tls.served", timeout=timeout)


@pytest.fixture
def site(pki):
    """The W&B certificate (localhost + 127.0.0.1) as the provided answers."""
    leaf = pki.leaf("localhost", "127.0.0.1")
    return leaf, dict(mode="provided", cert_pem=pki.chain_pem(leaf), key_pem=leaf.key_pem, ca_pem=pki.root_pem)


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_serving_the_provided_certificate_passes(pki, site, https_server, host):
    leaf, tls = site
    port = https_server(pki.chain_pem(leaf), leaf.key_pem)
    result = served(f"https://{host}:{port}", **tls)
    assert result.status == "pass", result.message
    assert "equals tls.cert_pem's leaf" in str(result.message)
    assert "trusted only through tls.ca_pem" in str(result.message)


def test_serving_a_different_certificate_warns(pki, site, https_server):
    leaf, tls = site
    other = pki.leaf("localhost")
    port = https_server(pki.chain_pem(other), other.key_pem)
    result = served(f"https://localhost:{port}", **tls)
    assert result.status == "warn"
    assert "differs from tls.cert_pem's leaf" in str(result.message)


@pytest.mark.parametrize(
    "sans, ca, status, says",
    [
        pytest.param(("localhost",), True, "pass", "trusted, covers localhost", id="trusted-through-ca-pem"),
        pytest.param(
            ("localhost",), False, "warn", "not trusted (unable to get local issuer certificate)", id="untrusted"
        ),
        pytest.param(("other.example",), True, "warn", "does not cover localhost", id="wrong-name"),
    ],
)
def test_external_mode_judges_what_is_served(pki, https_server, sans, ca, status, says):
    leaf = pki.leaf(*sans)
    port = https_server(pki.chain_pem(leaf), leaf.key_pem)
    result = served(f"https://localhost:{port}", mode="external", ca_pem=pki.root_pem if ca else None)
    assert (result.status, says in str(result.message)) == (status, True), result.message


def test_served_without_intermediate_is_not_trusted(pki, site, https_server):
    leaf, tls = site
    port = https_server(leaf.cert_pem, leaf.key_pem)  # the server forgets its intermediate
    result = served(f"https://localhost:{port}", **tls)
    assert result.status == "warn" and "not trusted" in str(result.message)


def test_injected_system_store_trusts_the_server(pki, site, https_server, tmp_path):
    leaf, _ = site
    port = https_server(pki.chain_pem(leaf), leaf.key_pem)
    cafile = tmp_path / "roots.pem"
    cafile.write_text(pki.root_pem)
    got = _served.served_certificate("localhost", port, timeout=3, cafile=str(cafile))
    assert (got.trust, got.cert, got.address) == ("system", leaf.cert, "127.0.0.1")


def test_unreachable_port_skips(site, closed_port):
    result = served(f"https://localhost:{closed_port}", **site[1])
    assert result.status == "skip" and "does not answer" in str(result.message)


def test_silent_port_skips_before_the_timeout(site, silent_port):
    started = time.monotonic()
    result = served(f"https://127.0.0.1:{silent_port}", timeout=1, **site[1])
    assert result.status == "skip", result.message
    assert time.monotonic() - started < 1.5


def test_plain_http_on_the_https_port_warns(site):
    class Plain(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Plain)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        result = served(f"https://127.0.0.1:{server.server_address[1]}", **site[1])
    finally:
        server.shutdown()
        server.server_close()
    assert result.status == "warn" and "TLS handshake fails" in str(result.message)


def test_http_host_skips(site):
    result = served("http://localhost:1", **site[1])
    assert result.status == "skip" and "nothing to check over TLS" in str(result.message)


def test_cli_validate_step_tls_json(pki, site, https_server, tmp_path):
    leaf, tls = site
    port = https_server(pki.chain_pem(leaf), leaf.key_pem)
    doc = f.answers_doc(
        f.MINIMAL, profile="tls-e2e", host=f"https://localhost:{port}", tls={**tls, "key_pem": {"env": "WANDB_TLS_KEY"}}
    )
    (tmp_path / "answers.yaml").write_text(yaml.safe_dump(doc))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "WANDB_TLS_KEY": leaf.key_pem}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "validate",
            "answers.yaml",
            "--step",
            "tls",
            "--format",
            "json",
            "--timeout",
            "5",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    report = json.loads(proc.stdout)
    statuses = {c["id"]: c["status"] for c in report["checks"]}
    assert statuses == {
        "tls.host": "pass",
        "tls.dns": "pass",
        "tls.certificate": "pass",
        "tls.key_match": "pass",
        "tls.hostname": "pass",
        "tls.expiry": "pass",
        "tls.chain": "warn",
        "tls.served": "pass",
    }
    assert report["summary"] == {"pass": 7, "warn": 1, "fail": 0, "skip": 0, "error": 0}
    assert proc.returncode == 0  # warnings only
    assert leaf.key_pem.splitlines()[1] not in proc.stdout
