"""deploy.images (SPEC §4.5) against an OCI registry stand-in on loopback.

The real registry (Debian's docker-registry, with Basic and token auth) is in tests/test_registry_check.py;
this stand-in keeps the exact-request assertions cheap: it answers the distribution
API's `HEAD /v2/<name>/manifests/<tag>` per the spec — 200 with Docker-Content-Digest for a manifest
it holds and an accepted media type, 404 MANIFEST_UNKNOWN otherwise, 401 with a Bearer challenge when
it demands credentials. It records what it was asked.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.checks.deploy_images import ACCEPT, is_loopback, manifest_url
from tests import factories as f

OCI_TYPES = {"application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.v2+json"}


class OciRegistryStandIn(ThreadingHTTPServer):
    """A stand-in OCI registry: `manifests` is {(name, tag)}, `auth` demands credentials."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.manifests: set[tuple[str, str]] = set()
        self.auth = False
        self.requests: list[tuple[str, str, str]] = []


class _Handler(BaseHTTPRequestHandler):
    server: OciRegistryStandIn

    def log_message(self, *a):
        pass

    def do_HEAD(self):
        accept = self.headers.get("Accept", "")
        self.server.requests.append((self.command, self.path, accept))
        if self.server.auth:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Bearer realm="http://127.0.0.1/token",service="registry"')
            self.end_headers()
            return
        parts = self.path.split("/manifests/")
        name, tag = parts[0].removeprefix("/v2/"), parts[-1]
        accepted = {t.strip() for t in accept.split(",")} & OCI_TYPES
        if len(parts) == 2 and (name, tag) in self.server.manifests and accepted:
            self.send_response(200)
            self.send_header("Content-Type", min(accepted))
            self.send_header("Docker-Content-Digest", "sha256:" + "0" * 64)
        else:
            self.send_response(404)
            self.send_header("Content-Type", "application/json")
        self.end_headers()


@pytest.fixture
def registry():
    srv = OciRegistryStandIn()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()


def answers(registry: str | None, tls_mode: str = "provided"):
    tls = {"mode": tls_mode, "cert_pem": "C", "key_pem": "K"} if tls_mode == "provided" else {"mode": tls_mode}
    return f.answers(
        f.MINIMAL,
        profile="img",
        host="https://wandb.acme.internal",
        tls=tls,
        deploy={"target": "docker-compose", "version": "0.70.0", **({"registry": registry} if registry else {})},
    )


def run(a):
    return f.result(a, "deploy.images", timeout=5)


def test_all_present_pass_with_oci_and_docker_media_types(registry):
    registry.manifests = {("mirror/wandb/local", "0.70.0"), ("mirror/nginx", "1.27")}
    r = run(answers(f"127.0.0.1:{registry.server_port}/mirror"))
    assert r.status == "pass", r.message
    assert r.observed == "2/2 found"
    assert {(m, p) for m, p, _ in registry.requests} == {
        ("HEAD", "/v2/mirror/wandb/local/manifests/0.70.0"),
        ("HEAD", "/v2/mirror/nginx/manifests/1.27"),
    }
    for _, _, accept in registry.requests:
        assert accept == ACCEPT
        assert "application/vnd.oci.image.manifest.v1+json" in accept
        assert "application/vnd.docker.distribution.manifest.v2+json" in accept


def test_missing_fails_naming_the_image_with_the_skopeo_line(registry):
    registry.manifests = {("mirror/wandb/local", "0.70.0")}
    reg = f"127.0.0.1:{registry.server_port}/mirror"
    r = run(answers(reg))
    assert r.status == "fail"
    assert f"{reg}/nginx:1.27" in str(r.message) and "wandb/local" not in str(r.message)
    assert f"skopeo copy --all docker://docker.io/nginx:1.27 docker://{reg}/nginx:1.27" in str(r.hint)


def test_credentials_demanded_warns(registry):
    registry.auth = True
    r = run(answers(f"127.0.0.1:{registry.server_port}/mirror", tls_mode="none"))
    assert r.status == "warn"
    assert "credentials" in str(r.message)


def test_without_registry_skips():
    assert run(answers(None)).status == "skip"


def test_unreachable_registry_fails_with_the_cause():
    from tests.services.net import free_port

    r = run(answers(f"127.0.0.1:{free_port()}/mirror"))
    assert r.status == "fail"
    assert "did not answer" in str(r.message)


@pytest.mark.parametrize(
    "image,url",
    [
        pytest.param(
            "127.0.0.1:5000/m/wandb/local:0.70.0",
            "http://127.0.0.1:5000/v2/m/wandb/local/manifests/0.70.0",
            id="loopback-plain-http",
        ),
        pytest.param("localhost:5000/nginx:1.27", "http://localhost:5000/v2/nginx/manifests/1.27", id="localhost"),
        pytest.param(
            "registry.acme.internal/mirror/nginx:1.27",
            "https://registry.acme.internal/v2/mirror/nginx/manifests/1.27",
            id="remote-https",
        ),
        pytest.param(
            "10.0.0.5:5000/nginx:1.27", "https://10.0.0.5:5000/v2/nginx/manifests/1.27", id="private-ip-https"
        ),
    ],
)
def test_manifest_url(image, url):
    assert manifest_url(image) == url


def test_loopback():
    assert is_loopback("127.0.0.2") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("10.0.0.5") and not is_loopback("registry.acme.internal")
