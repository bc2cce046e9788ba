"""The demo's simulated Kubernetes cluster: app/demo/kube_api.py on loopback, with what a healthy
W&B install on the operator looks like, and the kubeconfig that reaches it.

Three amd64 nodes, the IngressClass `nginx`, the W&B operator's CRD (Established), a Ready cert-manager
ClusterIssuer, and in namespace `wandb` the workloads the operator deploys (W&B's app, weave, Redis)
with their pods Ready. The API server's certificate comes from the demo CA (the kubeconfig carries that
CA); the bearer token is random per demo. Faults change the state live: the IngressClass goes away,
the CRD is deleted (operator not installed), W&B's pod cannot pull its image.
"""

from __future__ import annotations

import base64
import secrets

import yaml

from app.demo.https import DemoCA, server_context
from app.demo.kube_api import KubeAPI, KubeState
from app.demo.kube_objects import NS, TS, node, pod

INGRESS_CLASS = "nginx"
ISSUER = "letsencrypt"
RELEASE = "wandb"  # the WeightsAndBiases resource's name = the chart's release (app/checks/_rollout.py)
CONTEXT = "demo-cluster"
# (kind, component, image): what the operator-wandb chart deploys in the demo's namespace.
WORKLOADS = (
    ("Deployment", "app", "wandb/local:{version}"),
    ("Deployment", "weave", "wandb/weave-python:{version}"),
    ("StatefulSet", "redis", "bitnami/redis:7.4.1"),
)


def workload(kind: str, component: str, image: str, namespace: str = NS) -> dict:
    """A Deployment or StatefulSet of the release, as the API lists it (with a status)."""
    name = f"{RELEASE}-{component}"
    labels = {"app.kubernetes.io/name": component, "app.kubernetes.io/instance": RELEASE}
    spec = {
        "replicas": 1,
        "selector": {"matchLabels": dict(labels)},
        "template": {
            "metadata": {"labels": dict(labels)},
            "spec": {"containers": [{"name": component, "image": image}]},
        },
    }
    if kind == "StatefulSet":
        spec["serviceName"] = name
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": f"uid-{name}",
            "resourceVersion": "900",
            "generation": 1,
            "creationTimestamp": TS,
            "labels": dict(labels),
        },
        "spec": spec,
        "status": {"observedGeneration": 1, "replicas": 1, "readyReplicas": 1},
    }


class DemoCluster:
    """The simulated cluster: `start()`, `kubeconfig()`, the fault switches, `stop()`."""

    def __init__(self, ca: DemoCA, *, version: str):
        self.ca, self.version = ca, version
        self.token = secrets.token_urlsafe(24)
        state = KubeState(
            token=self.token,
            version="v1.34.1",
            classes=[INGRESS_CLASS],
            crd="Established",
            issuers={ISSUER: True},
            namespaces={"default", "kube-system", NS, "wandb-cr", "cert-manager"},
            nodes=[node(f"k8s-{i}", cpu="16", memory="64Gi") for i in (1, 2, 3)],
        )
        self.api = KubeAPI(server_context(ca.valid()), state)
        self.url = self.api.url
        self._image_pull = False
        self._deploy()

    def _deploy(self) -> None:
        state = self.api.state
        items = [workload(kind, component, image.format(version=self.version)) for kind, component, image in WORKLOADS]
        state.deployments = [w for w in items if w["kind"] == "Deployment"]
        state.statefulsets = [w for w in items if w["kind"] == "StatefulSet"]
        pods = []
        for w in items:
            component = w["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"]
            container = w["spec"]["template"]["spec"]["containers"][0]
            broken = self._image_pull and component == "app"
            image = f"{container['image']}-demo-missing" if broken else container["image"]
            suffix = "0" if w["kind"] == "StatefulSet" else "7d9f5c-x2k4p"
            pods.append(
                pod(
                    f"{w['metadata']['name']}-{suffix}",
                    w["spec"]["template"]["metadata"]["labels"],
                    state="pull" if broken else "ready",
                    image=image,
                    container=container["name"],
                )
            )
        state.pods = pods

    def apply(self, answers) -> None:
        """Serve the objects `answers`' bundle applies, as the API server returns them (drift: in sync)."""
        from app.change.drift_run import desired_objects
        from app.demo.kube_served import served

        self.api.state.objects = [served(o, i) for i, o in enumerate(desired_objects(answers))]

    # -- life cycle ---------------------------------------------------------------------------------
    def start(self) -> DemoCluster:
        self.api.start()
        return self

    def stop(self) -> None:
        self.api.stop()

    def kubeconfig(self) -> str:
        """kubeconfig text for the demo profile: the API server, the demo CA, the bearer token."""
        ca = base64.b64encode(self.ca.cert_pem.encode()).decode()
        return yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "preferences": {},
                "current-context": CONTEXT,
                "clusters": [{"name": CONTEXT, "cluster": {"server": self.url, "certificate-authority-data": ca}}],
                "contexts": [{"name": CONTEXT, "context": {"cluster": CONTEXT, "user": "demo-admin", "namespace": NS}}],
                "users": [{"name": "demo-admin", "user": {"token": self.token}}],
            },
            sort_keys=False,
        )

    # -- faults -------------------------------------------------------------------------------------
    def set_ingress_class(self, present: bool) -> None:
        self.api.state.classes = [INGRESS_CLASS] if present else ["traefik"]

    def set_operator(self, installed: bool) -> None:
        self.api.state.crd = "Established" if installed else None

    def set_image_pull(self, broken: bool) -> None:
        self._image_pull = broken
        self._deploy()
