"""The node probe script the wizard serves, run for real with `sh` and the system python3
(no venv, no PYTHONPATH: proves it needs only the standard library), in print mode and in upload
mode against a real HTTP server on 127.0.0.1 that records the POST."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.probe import host as probe
from app.probe.script import HEREDOC, probe_program, probe_script, script_url, usage
from app.probe.tokens import new_token, parse_upload

STDLIB = {
    "json",
    "mmap",
    "os",
    "platform",
    "secrets",
    "shutil",
    "socket",
    "sys",
    "time",
    "urllib.error",
    "urllib.request",
}
SYSTEM_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}  # a bare node: system python3 only


def _run_sh(script: str, tmp_path, **kw) -> subprocess.CompletedProcess:
    path = tmp_path / "probe.sh"
    path.write_text(script)
    return subprocess.run(
        ["sh", str(path)], cwd=tmp_path, env=SYSTEM_ENV, capture_output=True, text=True, timeout=30, **kw
    )


def _assert_matches_measure(facts: dict) -> None:
    local = probe.measure(disk_seconds=0.3, disk_max_mb=32)
    assert list(facts) == list(probe.KEYS)
    for key in ("arch", "cpu_cores", "memory_gib", "nics", "nic_gbps"):
        assert facts[key] == local[key], key
    assert abs(facts["disk_gb"] - local["disk_gb"]) <= 1
    assert (facts["disk_mbps"] is None) == (local["disk_mbps"] is None)


@pytest.mark.parametrize("role", ["app", "database"])
def test_print_mode_for_real(tmp_path, role):
    proc = _run_sh(probe_script("http://127.0.0.1:9", None, role, disk_seconds=0.3), tmp_path)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["token"] is None and doc["role"] == role and doc["node"] == os.uname().nodename
    _assert_matches_measure(doc["facts"])
    assert "Paste this JSON into the wizard" in proc.stderr and "cpu_cores" in proc.stderr
    assert parse_upload(proc.stdout.encode(), require_token=False).role == role  # the wizard accepts the paste
    assert not list(tmp_path.glob(".wbsetup-probe-*"))


class _Recorder(BaseHTTPRequestHandler):
    """A real HTTP server standing where the wizard's upload route will be; records each POST."""

    posts: list = []
    status = 200

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.posts.append((self.path, self.headers["Content-Type"], body))
        reply = json.dumps({"ok": self.status == 200, "message": "stored for profile acme"}).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


@pytest.fixture
def recorder():
    handler = type("Handler", (_Recorder,), {"posts": [], "status": 200})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield handler, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_upload_mode_posts_to_the_wizard(tmp_path, recorder):
    handler, base = recorder
    token = new_token()
    proc = _run_sh(probe_script(base + "/", token, "database", disk_seconds=0.3), tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""  # nothing to paste: it was uploaded
    assert f"Uploaded to {base}/probe/upload: stored for profile acme" in proc.stderr
    ((path, ctype, body),) = handler.posts
    assert path == "/probe/upload" and ctype == "application/json"
    upload = parse_upload(body)  # what the route will run
    assert upload.token == token and upload.role == "database" and upload.node == os.uname().nodename
    _assert_matches_measure(upload.facts)


def test_upload_rejected_prints_json_without_token(tmp_path, recorder):
    handler, base = recorder
    handler.status = 403
    token = new_token()
    proc = _run_sh(probe_script(base, token, "app", disk_seconds=0.2), tmp_path)
    assert proc.returncode == 3
    assert "Upload to" in proc.stderr and "failed: HTTP 403" in proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["token"] is None and token not in proc.stdout + proc.stderr
    assert len(handler.posts) == 1


def test_upload_unreachable_falls_back_to_printing(tmp_path, closed_port):
    proc = _run_sh(probe_script(f"http://127.0.0.1:{closed_port}", new_token(), "app", disk_seconds=0.2), tmp_path)
    assert proc.returncode == 3 and "refused" in proc.stderr.lower()
    assert list(json.loads(proc.stdout)["facts"]) == list(probe.KEYS)


def test_airgapped_heredoc_runs_for_real(tmp_path):
    text = usage("http://wizard.example:8080", new_token(), "app")["airgapped"]
    assert text.startswith(f"python3 - <<'{HEREDOC}'\n") and text.endswith(f"\n{HEREDOC}\n")
    proc = _run_sh(text, tmp_path)  # what a person pastes into a shell
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["token"] is None


def test_online_usage_is_one_curl_pipe():
    token = new_token()
    cmd = usage("https://wizard.acme.internal:8443/", token, "app")["online"]
    assert cmd == f"curl -fsS 'https://wizard.acme.internal:8443/probe/script?token={token}' | sh"
    assert script_url("http://h:1", token) == f"http://h:1/probe/script?token={token}"


def test_program_is_one_implementation_and_old_python_syntax():
    program = probe_program("http://h:1", None, "app")
    assert probe.__doc__.strip().splitlines()[0] in program  # embeds app/probe/host.py itself
    tree = ast.parse(program, feature_version=(3, 6))  # nodes may ship an old python3
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert imported <= STDLIB, imported - STDLIB


@pytest.mark.parametrize(
    "base_url, token, role, message",
    [
        pytest.param("ftp://h", None, "app", "http(s) URL", id="scheme"),
        pytest.param("http://h/x?q=1", None, "app", "without query", id="query"),
        pytest.param("http://h/'$(reboot)'", None, "app", "quotes", id="shell-quote"),
        pytest.param("http://h", "short", "app", "token", id="bad-token"),
        pytest.param("http://h", "a b" * 10, "app", "token", id="token-with-space"),
        pytest.param("http://h", None, "client", "role", id="bad-role"),
    ],
)
def test_script_refuses_unsafe_inputs(base_url, token, role, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        probe_script(base_url, token, role)


@pytest.mark.parametrize("seconds", [0, -1, 31])
def test_disk_seconds_bounded(seconds):
    with pytest.raises(ValueError, match="disk_seconds"):
        probe_program("http://h", None, "app", disk_seconds=seconds)


def test_base_url_with_path_prefix(tmp_path, recorder):
    """A wizard behind a reverse proxy under /wbsetup: the upload goes below that prefix."""
    handler, base = recorder
    proc = _run_sh(probe_script(base + "/wbsetup/", new_token(), "app", disk_seconds=0.1), tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert [p for p, _, _ in handler.posts] == ["/wbsetup/probe/upload"]
