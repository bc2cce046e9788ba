"""A Kubernetes API **stand-in** (no kube-apiserver can run on these machines, docs/architecture.md, "Tests").

The server itself is app/demo/kube_api.py (the demo's simulated cluster is the same code): an HTTPS
server answering the read-only calls of the `deploy.cluster.*` and `verify.rollout` checks with objects
shaped exactly as the real API returns them (app/demo/kube_objects.py). Here: trustme certificates,
kubeconfig builders and the fixtures. One server per session; the `kube` fixture resets its state
(`KubeState`) for each test.
"""

from __future__ import annotations

import base64
import ssl
import threading

import pytest
import trustme
import yaml

from app.demo.kube_api import ROUTES, TOKEN, KubeServer, KubeState  # noqa: F401 (re-exported)
from app.demo.kube_objects import CRD_NAME, TS, node, status  # noqa: F401 (re-exported)

_Server = KubeServer


class KubeStandin:
    """Handle given to tests: the URL, the CA, the state, and kubeconfig text builders."""

    def __init__(self, server: _Server, ca: trustme.CA, other_ca: trustme.CA):
        self.server, self.ca, self.other_ca = server, ca, other_ca
        self.url = f"https://127.0.0.1:{server.server_address[1]}"
        self.token = TOKEN

    @property
    def state(self) -> KubeState:
        return self.server.state

    def reset(self) -> None:
        self.server.release.set()  # free handlers held by a silent test
        self.server.state = KubeState()
        self.server.release = threading.Event()

    def client_cert(self, common_name: str = "kube-admin") -> tuple[str, str]:
        """(certificate PEM, key PEM) of a client certificate issued by the cluster CA."""
        cert = self.ca.issue_cert(f"{common_name}.users.invalid", common_name=common_name)
        return cert.cert_chain_pems[0].bytes().decode(), cert.private_key_pem.bytes().decode()

    def kubeconfig(
        self,
        *,
        token: str | None = TOKEN,
        trusted: bool = True,
        server: str | None = None,
        contexts: list[tuple[str, str]] | None = None,
        current: str | None = None,
        user: dict | None = None,
    ) -> str:
        """kubeconfig text. `contexts`: [(context name, server URL)] (default one context "standin")."""
        ca = (self.ca if trusted else self.other_ca).cert_pem.bytes()
        contexts = contexts or [("standin", server or self.url)]
        user = user if user is not None else ({"token": token} if token else {})
        doc = {
            "apiVersion": "v1",
            "kind": "Config",
            "preferences": {},
            "current-context": current if current is not None else contexts[0][0],
            "clusters": [
                {
                    "name": f"cluster-{n}",
                    "cluster": {"server": url, "certificate-authority-data": base64.b64encode(ca).decode()},
                }
                for n, url in contexts
            ],
            "contexts": [
                {"name": n, "context": {"cluster": f"cluster-{n}", "user": "user", "namespace": "default"}}
                for n, _ in contexts
            ],
            "users": [{"name": "user", "user": user}],
        }
        return yaml.safe_dump(doc)


@pytest.fixture(scope="session")
def kube_server():
    ca, other_ca = trustme.CA(), trustme.CA()
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(ctx)
    ca.configure_trust(ctx)
    ctx.verify_mode = ssl.CERT_OPTIONAL  # client certificates authenticate like the real API server
    server = _Server(ctx)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    standin = KubeStandin(server, ca, other_ca)
    yield standin
    server.release.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def kube(kube_server):
    """The Kubernetes API stand-in with a fresh state for this test."""
    kube_server.reset()
    yield kube_server
    kube_server.reset()
