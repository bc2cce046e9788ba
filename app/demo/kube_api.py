"""A simulated Kubernetes API server (read-only): the `deploy.cluster.*` and `verify.rollout` checks'
calls answered with objects shaped exactly as the real API returns them (app/demo/kube_objects.py).

`wbsetup demo` runs it on loopback as the demo's cluster (app/demo/kube.py); the tests run the same
server as their Kubernetes API **stand-in** (tests/services/kube_standin.py, with trustme certificates).
HTTPS with bearer-token and client-certificate authentication; /version, Nodes, Namespaces,
SelfSubjectAccessReviews, IngressClasses, CustomResourceDefinitions, cert-manager ClusterIssuers, pods,
events, pod logs, Deployments and StatefulSets. Errors are v1 `Status` objects. What the cluster looks
like is a `KubeState`, which may be changed while the server runs.
"""

from __future__ import annotations

import json
import re
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from app.demo import kube_served
from app.demo.kube_objects import CRD_NAME, TS, cluster_meta as _meta, collection, node, status
from app.demo.kube_support_api import POD_ROUTES, SUPPORT_ROUTES

TOKEN = "standin-token-Zq9v7WbT3k"  # the tests' bearer token; the demo passes its own


@dataclass
class KubeState:
    """What the stand-in cluster looks like; tests change fields before running the checks."""

    version: str = "v1.34.1"
    nodes: list = field(default_factory=lambda: [node("node-1"), node("node-2")])
    denied: set = field(default_factory=set)  # e.g. {"secrets", "deployments.apps", "namespaces"}
    forbidden: set = field(default_factory=set)  # resource plurals whose reads answer 403
    namespaces: set = field(default_factory=lambda: {"default", "kube-system", "wandb"})
    classes: list = field(default_factory=lambda: ["nginx"])
    crd: str | None = "Established"  # "Established", "pending" or None (absent)
    cert_manager: bool = True  # the ClusterIssuer resource type exists
    issuers: dict = field(default_factory=dict)  # name -> True (Ready) / False
    pods: list = field(default_factory=list)  # tests/services/kube_pods.pod(...)
    events: list = field(default_factory=list)  # kube_pods.scheduling_event(...)
    logs: dict = field(default_factory=dict)  # "pod/container" or pod name (its first container) -> log lines
    previous_logs: dict = field(default_factory=dict)  # the same, of the last terminated instance
    services: list = field(default_factory=list)
    ingresses: list = field(default_factory=list)
    secrets: list = field(default_factory=list)  # v1 Secret objects (data values included, as the API has them)
    wandb: list = field(default_factory=list)  # WeightsAndBiases resources
    objects: list = field(default_factory=list)  # applied objects as served (app/demo/kube_served.py), by name
    deployments: list = field(default_factory=list)
    statefulsets: list = field(default_factory=list)
    token: str = TOKEN  # the bearer token the server accepts
    silent: bool = False  # accept connections, never answer
    requests: list = field(default_factory=list)  # (method, path) seen, to prove read-only use


class _Handler(BaseHTTPRequestHandler):
    server: KubeServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep pytest output clean
        pass

    @property
    def st(self) -> KubeState:
        return self.server.state

    def _send(self, code: int, doc: dict) -> None:
        body = json.dumps(doc).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _user(self) -> str | None:
        auth = self.headers.get("Authorization", "")
        if auth:
            return "token-user" if auth == f"Bearer {self.st.token}" else "INVALID"
        cert = self.connection.getpeercert()
        if cert:
            return dict(x[0] for x in cert["subject"]).get("commonName")
        return None  # anonymous

    def do_GET(self):
        self._serve("GET")

    def do_POST(self):
        self._serve("POST")

    def _serve(self, method: str) -> None:
        self.st.requests.append((method, self.path))
        if self.st.silent:
            self.server.release.wait(30)
            self.close_connection = True
            return
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)) if method == "POST" else b""
        user = self._user()
        if user == "INVALID":
            return self._send(401, status(401, "Unauthorized", "Unauthorized"))
        path = self.path.split("?", 1)[0]
        if path == "/version":
            version = re.match(r"v(\d+)\.(\d+)", self.st.version)
            assert version is not None, "KubeState.version is vMAJOR.MINOR..."
            major, minor = version.groups()
            return self._send(
                200,
                {
                    "major": major,
                    "minor": minor,
                    "gitVersion": self.st.version,
                    "gitCommit": "a1b2c3",
                    "gitTreeState": "clean",
                    "buildDate": TS,
                    "goVersion": "go1.24.6",
                    "compiler": "gc",
                    "platform": "linux/amd64",
                },
            )
        if user is None:
            return self._send(
                403, status(403, "Forbidden", f'forbidden: User "system:anonymous" cannot {method} {path}')
            )
        for pattern, fn in ROUTES:
            m = re.fullmatch(pattern, path)
            if m and fn.__name__.startswith(method.lower()):
                return fn(self, body, *m.groups())
        self._send(404, status(404, "NotFound", "the server could not find the requested resource", {}))

    # -- routes --------------------------------------------------------------------------------
    def _forbidden(self, plural: str, group: str, verb: str) -> bool:
        if plural in self.st.forbidden:
            self._send(
                403,
                status(
                    403,
                    "Forbidden",
                    f'{plural}.{group} is forbidden: User "token-user" cannot '
                    f'{verb} resource "{plural}" in API group "{group}" at the cluster scope',
                    {"group": group, "kind": plural},
                ),
            )
            return True
        return False

    def _not_found(self, plural: str, group: str, name: str) -> None:
        full = f"{plural}.{group}" if group else plural
        self._send(
            404,
            status(
                404,
                "NotFound",
                f'{full} "{name}" not found',
                {"name": name, "group": group, "kind": plural} if group else {"name": name, "kind": plural},
            ),
        )

    def get_nodes(self, body):
        if not self._forbidden("nodes", "", "list"):
            self._send(200, collection("Node", "v1", self.st.nodes, "4711"))

    def get_namespace(self, body, name):
        if self._forbidden("namespaces", "", "get"):
            return
        applied = kube_served.find(self.st, "namespaces", None, name)
        if applied is not None:
            return self._send(200, applied)
        if name not in self.st.namespaces:
            return self._not_found("namespaces", "", name)
        self._send(
            200,
            {
                "kind": "Namespace",
                "apiVersion": "v1",
                "metadata": _meta(name),
                "spec": {"finalizers": ["kubernetes"]},
                "status": {"phase": "Active"},
            },
        )

    def post_ssar(self, body):
        review = json.loads(body)
        attrs = review["spec"]["resourceAttributes"]
        key = f"{attrs['resource']}.{attrs['group']}" if attrs.get("group") else attrs["resource"]
        allowed = key not in self.st.denied
        review.setdefault("metadata", {})["creationTimestamp"] = None
        review["status"] = {"allowed": allowed} if allowed else {"allowed": False, "reason": ""}
        review.update(kind="SelfSubjectAccessReview", apiVersion="authorization.k8s.io/v1")
        self._send(201, review)

    def _ingress_class(self, name: str) -> dict:
        return {"metadata": _meta(name), "spec": {"controller": f"k8s.io/ingress-{name}"}}

    def get_ingress_classes(self, body):
        if not self._forbidden("ingressclasses", "networking.k8s.io", "list"):
            classes = [self._ingress_class(n) for n in self.st.classes]
            self._send(200, collection("IngressClass", "networking.k8s.io/v1", classes, "9"))

    def get_ingress_class(self, body, name):
        if self._forbidden("ingressclasses", "networking.k8s.io", "get"):
            return
        if name not in self.st.classes:
            return self._not_found("ingressclasses", "networking.k8s.io", name)
        self._send(200, {"kind": "IngressClass", "apiVersion": "networking.k8s.io/v1", **self._ingress_class(name)})

    def get_crd(self, body, name):
        if self._forbidden("customresourcedefinitions", "apiextensions.k8s.io", "get"):
            return
        if name != CRD_NAME or self.st.crd is None:
            return self._not_found("customresourcedefinitions", "apiextensions.k8s.io", name)
        names = {
            "plural": "weightsandbiases",
            "singular": "weightsandbiases",
            "kind": "WeightsAndBiases",
            "listKind": "WeightsAndBiasesList",
        }
        established = self.st.crd == "Established"
        self._send(
            200,
            {
                "kind": "CustomResourceDefinition",
                "apiVersion": "apiextensions.k8s.io/v1",
                "metadata": _meta(name),
                "spec": {
                    "group": "apps.wandb.com",
                    "names": names,
                    "scope": "Namespaced",
                    "conversion": {"strategy": "None"},
                    "versions": [
                        {
                            "name": "v1",
                            "served": True,
                            "storage": True,
                            "subresources": {"status": {}},
                            "schema": {
                                "openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
                            },
                        }
                    ],
                },
                "status": {
                    "acceptedNames": names,
                    "storedVersions": ["v1"],
                    "conditions": [
                        {
                            "type": "NamesAccepted",
                            "status": "True",
                            "lastTransitionTime": TS,
                            "reason": "NoConflicts",
                            "message": "no conflicts found",
                        },
                        {
                            "type": "Established",
                            "status": "True" if established else "False",
                            "lastTransitionTime": TS,
                            "reason": "InitialNamesAccepted" if established else "Installing",
                            "message": "the initial names have been accepted"
                            if established
                            else "the CRD is being installed",
                        },
                    ],
                },
            },
        )

    def get_issuer(self, body, name):
        if not self.st.cert_manager:
            return self._send(404, status(404, "NotFound", "the server could not find the requested resource", {}))
        if self._forbidden("clusterissuers", "cert-manager.io", "get"):
            return
        if name not in self.st.issuers:
            return self._not_found("clusterissuers", "cert-manager.io", name)
        ready = self.st.issuers[name]
        self._send(
            200,
            {
                "apiVersion": "cert-manager.io/v1",
                "kind": "ClusterIssuer",
                "metadata": _meta(name),
                "spec": {
                    "acme": {
                        "server": "https://acme.example.invalid/directory",
                        "email": "ops@example.invalid",
                        "privateKeySecretRef": {"name": f"{name}-account"},
                        "solvers": [{"http01": {"ingress": {"ingressClassName": "nginx"}}}],
                    }
                },
                "status": {
                    "acme": {},
                    "conditions": [
                        {
                            "type": "Ready",
                            "status": "True" if ready else "False",
                            "lastTransitionTime": TS,
                            "observedGeneration": 1,
                            "reason": "ACMEAccountRegistered" if ready else "ErrRegisterACMEAccount",
                            "message": "The ACME account was registered with the ACME server"
                            if ready
                            else "Failed to register ACME account: connection refused",
                        }
                    ],
                },
            },
        )


ROUTES: list[tuple[str, Callable]] = [
    (r"/api/v1/nodes", _Handler.get_nodes),
    (r"/api/v1/namespaces/([^/]+)", _Handler.get_namespace),
    (r"/apis/authorization\.k8s\.io/v1/selfsubjectaccessreviews", _Handler.post_ssar),
    (r"/apis/networking\.k8s\.io/v1/ingressclasses", _Handler.get_ingress_classes),
    (r"/apis/networking\.k8s\.io/v1/ingressclasses/([^/]+)", _Handler.get_ingress_class),
    (r"/apis/apiextensions\.k8s\.io/v1/customresourcedefinitions/([^/]+)", _Handler.get_crd),
    (r"/apis/cert-manager\.io/v1/clusterissuers/([^/]+)", _Handler.get_issuer),
    *POD_ROUTES,  # pods, events, logs, Deployments, StatefulSets (verify.rollout)
    *SUPPORT_ROUTES,  # Services, Ingresses, Secrets, WeightsAndBiases (the support bundle)
    *kube_served.ROUTES,  # named GETs of applied objects (wbsetup drift)
]


class KubeServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, ssl_ctx: ssl.SSLContext, state: KubeState | None = None):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.ssl_ctx = ssl_ctx
        self.state = state or KubeState()
        self.release = threading.Event()

    def finish_request(self, request, client_address):
        # TLS handshake in the connection's own thread, so a stalled client never blocks accept().
        request.settimeout(10)
        try:
            request = self.ssl_ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        super().finish_request(request, client_address)


class KubeAPI:
    """The server on 127.0.0.1 in its own thread: `start()`, `url`, `state`, `stop()` (idempotent)."""

    def __init__(self, ssl_ctx: ssl.SSLContext, state: KubeState | None = None):
        self.server = KubeServer(ssl_ctx, state)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True, name="demo-kube-api"
        )

    @property
    def state(self) -> KubeState:
        return self.server.state

    def start(self) -> KubeAPI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.release.set()  # free handlers held by a silent cluster
        if self._thread.is_alive():
            self.server.shutdown()
            self._thread.join(timeout=10)
        self.server.server_close()
