"""Real nginx (Debian's package) running the bundle's own docker-compose/nginx.conf on loopback
(app/demo/nginx.py, shared with the demo).

TESTING.md "Real consumers of the bundle": the generated server blocks are used as they are, except
in this test copy: `listen` goes to loopback ports, `ssl_certificate*` to trustme files, and
`proxy_pass http://wandb:8080` to the W&B stand-in. An optional `edit` lets a test break the config
the way operators do (e.g. `client_max_body_size 1m`). nginx runs unprivileged-style with its own
prefix (pid, logs, temp paths) in a temporary directory, in the foreground, stopped by its pid.
"""

from __future__ import annotations

from pathlib import Path
from collections.abc import Callable

import pytest

from app.demo.nginx import MAIN_CONF, NGINX, Nginx, loopback_copy  # noqa: F401 (re-exported)
from tests.services.net import free_port


@pytest.fixture
def nginx_proxy(tmp_path):
    """start(conf, upstream_url, cert_file, key_file, port, edit=None) → a running Nginx in front of
    `upstream_url`; every nginx started is stopped at the end of the test."""
    started: list[Nginx] = []

    def start(
        conf: str, upstream: str, cert: Path, key: Path, port: int, edit: Callable[[str], str] | None = None
    ) -> Nginx:
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
