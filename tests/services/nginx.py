"""Real nginx (Debian's package) running the bundle's own docker-compose/nginx.conf on loopback.

TESTING.md "Real consumers of the bundle": the generated server blocks are used as they are, except
in this test copy: `listen` goes to loopback ports, `ssl_certificate*` to trustme files, and
`proxy_pass http://wandb:8080` to the W&B stand-in. An optional `edit` lets a test break the config
the way operators do (e.g. `client_max_body_size 1m`). nginx runs unprivileged-style with its own
prefix (pid, logs, temp paths) in a temporary directory, in the foreground, stopped by its pid.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.services.net import free_port, wait_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

MAIN_CONF = """\
{user}
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    include {dir}/site.conf;
}}
"""


def loopback_copy(conf: str, *, port: int, redirect_port: int, cert: Path, key: Path, upstream: str) -> str:
    """The generated conf with only its addresses and certificate paths swapped for the test."""
    out, n = re.subn(rf"(?m)^(\s*listen\s+){port}( ssl)?;", rf"\g<1>127.0.0.1:{port}\g<2>;", conf)
    assert n == 1, "the generated nginx.conf has no `listen PORT` line for the host's port"
    out = re.sub(r"(?m)^(\s*listen\s+)80;", rf"\g<1>127.0.0.1:{redirect_port};", out)
    out = out.replace("/etc/nginx/tls/tls.crt", str(cert)).replace("/etc/nginx/tls/tls.key", str(key))
    out, n = re.subn(r"proxy_pass http://wandb:8080;", f"proxy_pass {upstream};", out)
    assert n == 1, "the generated nginx.conf has no proxy_pass to wandb:8080"
    return out


class Nginx:
    """One nginx process serving `site` (already rewritten) from `directory`."""

    def __init__(self, directory: Path, site: str, port: int):
        self.dir, self.port = directory, port
        directory.mkdir(parents=True, exist_ok=True)
        user = "user root;" if os.geteuid() == 0 else ""  # workers must read the private temp dir
        (directory / "nginx.conf").write_text(MAIN_CONF.format(dir=directory, user=user))
        (directory / "site.conf").write_text(site)
        self.proc: subprocess.Popen | None = None

    def args(self, *extra: str) -> list[str]:
        return [NGINX, "-c", str(self.dir / "nginx.conf"), "-p", str(self.dir), "-e", str(self.dir / "error.log"), *extra]

    def test_config(self) -> subprocess.CompletedProcess:
        return subprocess.run(self.args("-t"), capture_output=True, text=True, timeout=30)

    def start(self) -> Nginx:
        checked = self.test_config()
        assert checked.returncode == 0, f"nginx -t failed:\n{checked.stderr}"
        self.proc = subprocess.Popen(self.args(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_port(self.port, timeout=15)
        except TimeoutError:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: nginx's fast shutdown (master and workers)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None


@pytest.fixture
def nginx_proxy(tmp_path):
    """start(conf, upstream_url, cert_file, key_file, port, edit=None) → a running Nginx in front of
    `upstream_url`; every nginx started is stopped at the end of the test."""
    started: list[Nginx] = []

    def start(conf: str, upstream: str, cert: Path, key: Path, port: int,
              edit: Callable[[str], str] | None = None) -> Nginx:
        site = loopback_copy(conf, port=port, redirect_port=free_port(), cert=cert, key=key, upstream=upstream)
        if edit is not None:
            site = edit(site)
        proxy = Nginx(tmp_path / f"nginx-{len(started)}", site, port)
        started.append(proxy)
        return proxy.start()

    yield start
    for proxy in started:
        proxy.stop()


@pytest.fixture(scope="session")
def wandb_ca():
    """The CA of the W&B host's certificate (in no trust store: answers carry it as tls.ca_pem)."""
    import trustme

    return trustme.CA()


@pytest.fixture
def wandb_site(wandb_ca, tmp_path, nginx_proxy):
    """start(api_key, edit=None, **knobs) → (host, ca_pem, standin): the W&B stand-in
    (app/demo/wandb_server.py) behind real nginx running the bundle's docker-compose/nginx.conf for
    host https://localhost:PORT, with a trustme certificate for localhost."""
    from app.answers import parse_document
    from app.artifacts.bundle import build_bundle
    from app.demo.wandb_server import WandbStandin

    standins = []

    def start(api_key: str, edit: Callable[[str], str] | None = None, **knobs):
        port = free_port()
        host = f"https://localhost:{port}"
        answers = parse_document({"schema": 1, "profile": "site", "host": host, "deploy": {"target": "docker-compose"}})
        conf = build_bundle(answers, redact=True)["docker-compose/nginx.conf"].decode()
        leaf = wandb_ca.issue_cert("localhost", "127.0.0.1")
        cert, key = tmp_path / f"tls-{port}.crt", tmp_path / f"tls-{port}.key"
        cert.write_bytes(b"".join(p.bytes() for p in leaf.cert_chain_pems))
        key.write_bytes(leaf.private_key_pem.bytes())
        standin = WandbStandin(api_key=api_key).start()
        standins.append(standin)
        for name, value in knobs.items():
            setattr(standin, name, value)
        nginx_proxy(conf, standin.url, cert, key, port, edit=edit)
        return host, wandb_ca.cert_pem.bytes().decode(), standin

    yield start
    for s in standins:
        s.stop()
