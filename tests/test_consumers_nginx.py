"""docker-compose/nginx.conf run by a real nginx (SPEC §6, "nginx.conf passes `nginx -t` and
proxies a 10 MiB body"; TESTING.md "Real consumers of the bundle"): the generated server blocks, with
only the listen addresses, certificate paths and upstream swapped for loopback in the test copy."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from app.artifacts.compose import nginx_conf
from tests.bundle_corpus import answers, plain_document

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
BODY = 10 * 1024 * 1024


class _Upstream(BaseHTTPRequestHandler):
    """Stand-in for W&B on :8080: reads the whole body, answers what it received."""

    def log_message(self, *args):
        pass

    def do_POST(self):
        length, chunked = (
            int(self.headers.get("Content-Length") or 0),
            "chunked" in (self.headers.get("Transfer-Encoding") or ""),
        )
        size = len(self.rfile.read(length)) if not chunked else self._chunked()
        body = json.dumps(
            {
                "bytes": size,
                "host": self.headers.get("Host"),
                "proto": self.headers.get("X-Forwarded-Proto"),
                "fwd_host": self.headers.get("X-Forwarded-Host"),
                "fwd_port": self.headers.get("X-Forwarded-Port"),
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _chunked(self) -> int:
        total = 0
        while True:
            size = int(self.rfile.readline().split(b";")[0], 16)
            if size == 0:
                self.rfile.readline()
                return total
            total += len(self.rfile.read(size))
            self.rfile.readline()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def nginx_site(tmp_path, pki):
    """Starts real nginx on loopback with the generated conf; yields (https port, http port, CA)."""
    if not os.access(NGINX, os.X_OK):
        pytest.fail(f"nginx is not installed ({NGINX}); `make test` installs it (scripts/system-deps.sh)")
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    leaf = pki.leaf("wandb.acme.internal", "127.0.0.1")
    (tmp_path / "tls.crt").write_text(pki.chain_pem(leaf))
    (tmp_path / "tls.key").write_text(leaf.key_pem)
    tls_port, http_port = _free_port(), _free_port()
    site = nginx_conf(answers(plain_document()))  # https://wandb.acme.internal, certificate provided
    # The test copy only: loopback ports, the test certificate, the stand-in upstream.
    swapped = site.replace("listen 443 ssl;", f"listen 127.0.0.1:{tls_port} ssl;")
    swapped = swapped.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
    swapped = swapped.replace("/etc/nginx/tls/", f"{tmp_path}/")
    swapped = swapped.replace("http://wandb:8080", f"http://127.0.0.1:{upstream.server_address[1]}")
    for original in ("listen 443 ssl;", "listen 80;", "/etc/nginx/tls/", "http://wandb:8080"):
        assert original in site and original not in swapped  # every swap happened
    (tmp_path / "site.conf").write_text(swapped)
    user = "user root root;\n" if os.geteuid() == 0 else ""
    (tmp_path / "nginx.conf").write_text(
        f"{user}worker_processes 1;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        "events { worker_connections 64; }\n"
        f"http {{ access_log off; client_body_temp_path {tmp_path}/body; proxy_temp_path {tmp_path}/proxy;\n"
        f"  fastcgi_temp_path {tmp_path}/fcgi; uwsgi_temp_path {tmp_path}/uwsgi; scgi_temp_path {tmp_path}/scgi;\n"
        f"  include {tmp_path}/site.conf; }}\n"
    )
    args = [NGINX, "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)]
    test = subprocess.run([*args, "-t"], capture_output=True, text=True, timeout=30, check=False)
    assert test.returncode == 0, test.stderr
    subprocess.run(args, check=True, capture_output=True, timeout=30)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", tls_port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield tls_port, http_port, pki.root_pem
    finally:
        subprocess.run([*args, "-s", "stop"], capture_output=True, timeout=30, check=False)
        upstream.shutdown()
        upstream.server_close()


def test_generated_conf_listens_on_the_host_port_and_redirects():
    """The listen port is the one `host` names; port 80 redirects to it (real nginx runs it below)."""
    site = nginx_conf(answers(plain_document(host="https://wandb.acme.internal:8443")))
    assert "listen 8443 ssl;" in site and re.search(r"return 301 https://wandb\.acme\.internal:8443\$request_uri", site)


def test_nginx_proxies_10_mib_with_forwarded_proto(nginx_site):
    tls_port, _, root = nginx_site
    ctx = ssl.create_default_context(cadata=root)
    with httpx.Client(verify=ctx, timeout=30) as client:
        r = client.post(
            f"https://127.0.0.1:{tls_port}/graphql",
            content=b"x" * BODY,
            headers={"Host": "wandb.acme.internal", "Content-Type": "application/octet-stream"},
        )
    assert r.status_code == 200, r.text[:300]  # 413 would be nginx's 1 MB default body limit
    seen = r.json()
    assert seen["bytes"] == BODY
    assert seen["proto"] == "https" and seen["fwd_host"] == "wandb.acme.internal"
    assert seen["host"] == "wandb.acme.internal"


def test_nginx_redirects_http_to_https(nginx_site):
    _, http_port, _ = nginx_site
    r = httpx.get(f"http://127.0.0.1:{http_port}/a/b?c=d", headers={"Host": "wandb.acme.internal"}, timeout=10)
    assert r.status_code == 301
    assert r.headers["location"] == "https://wandb.acme.internal/a/b?c=d"
