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
from typing import Callable

import pytest

from app.demo.nginx import MAIN_CONF, NGINX, Nginx, loopback_copy  # noqa: F401 (re-exported)
from tests.services.net import free_port


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
