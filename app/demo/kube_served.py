"""Objects as the API server returns them after `kubectl apply` (the Kubernetes stand-in serves these
for `wbsetup drift`): the server's metadata (uid, resourceVersion, generation, creationTimestamp,
managedFields), a status, the defaults it fills in (imagePullPolicy, terminationMessagePath/Policy,
dnsPolicy, schedulerName, securityContext {}, revisionHistoryLimit, progressDeadlineSeconds, the
RollingUpdate parameters, probe timings, clusterIP(s), sessionAffinity, …), Secret `stringData` merged
into base64 `data`, and quantities in canonical form. Named GETs: `ROUTES`, answered from
`KubeState.objects`."""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable

from app.demo.kube_objects import TS
from app.facts.kube import PLURALS

_PROBE = {"timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}


def served(obj: dict, n: int = 1) -> dict:
    """`obj` (as the bundle writes it) the way a GET returns it once applied."""
    live = copy.deepcopy(obj)
    kind, meta = live["kind"], live.setdefault("metadata", {})
    if kind != "Namespace":
        meta.setdefault("namespace", "default")
    meta.update(
        uid=f"5f0c{n:04d}-8d3e-4b7a-9c1e-2a6b{n:08d}",
        resourceVersion=str(4000 + n),
        creationTimestamp=TS,
        managedFields=[
            {
                "manager": "kubectl-client-side-apply",
                "operation": "Update",
                "apiVersion": live["apiVersion"],
                "time": TS,
                "fieldsType": "FieldsV1",
                "fieldsV1": {"f:metadata": {}},
            }
        ],
    )
    {"Namespace": _namespace, "Secret": _secret, "Service": _service, "Deployment": _deployment}.get(
        kind, lambda o: None
    )(live)
    if kind == "PodDisruptionBudget":
        live["status"] = {"currentHealthy": 2, "desiredHealthy": 1, "disruptionsAllowed": 1, "expectedPods": 2}
    if kind in ("Deployment", "Ingress", "WeightsAndBiases", "PodDisruptionBudget"):
        meta["generation"] = 1
    if kind == "Ingress":
        live["status"] = {"loadBalancer": {"ingress": [{"ip": "10.0.0.80"}]}}
    return live


def _namespace(o: dict) -> None:
    o["metadata"].setdefault("labels", {})["kubernetes.io/metadata.name"] = o["metadata"]["name"]
    o["spec"] = {"finalizers": ["kubernetes"]}
    o["status"] = {"phase": "Active"}


def _secret(o: dict) -> None:
    data = dict(o.get("data") or {})
    for key, value in (o.pop("stringData", None) or {}).items():
        data[key] = base64.b64encode(value.encode("utf-8")).decode()
    o["data"] = data
    o.setdefault("type", "Opaque")


def _service(o: dict) -> None:
    spec = o.setdefault("spec", {})
    spec.setdefault("type", "ClusterIP")
    spec.update(clusterIP="10.96.112.7", clusterIPs=["10.96.112.7"], ipFamilies=["IPv4"])
    spec.setdefault("ipFamilyPolicy", "SingleStack")
    spec.setdefault("sessionAffinity", "None")
    spec.setdefault("internalTrafficPolicy", "Cluster")
    for port in spec.get("ports", []):
        port.setdefault("protocol", "TCP")
        port.setdefault("targetPort", port["port"])
        if spec["type"] in ("NodePort", "LoadBalancer"):
            port.setdefault("nodePort", 30080)
    o["status"] = {"loadBalancer": {}}


def _deployment(o: dict) -> None:
    spec = o["spec"]
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", 600)
    strategy = spec.setdefault("strategy", {"type": "RollingUpdate"})
    if strategy.get("type") == "RollingUpdate":
        strategy.setdefault("rollingUpdate", {"maxUnavailable": "25%", "maxSurge": "25%"})
    pod = spec["template"]["spec"]
    spec["template"].setdefault("metadata", {})["creationTimestamp"] = None
    pod.setdefault("restartPolicy", "Always")
    pod.setdefault("terminationGracePeriodSeconds", 30)
    pod.setdefault("dnsPolicy", "ClusterFirst")
    pod.setdefault("schedulerName", "default-scheduler")
    pod.setdefault("securityContext", {})
    for c in pod.get("containers", []) + pod.get("initContainers", []):
        tag = c.get("image", "").rsplit(":", 1)[-1]
        c.setdefault("imagePullPolicy", "Always" if tag == "latest" else "IfNotPresent")
        c.setdefault("terminationMessagePath", "/dev/termination-log")
        c.setdefault("terminationMessagePolicy", "File")
        c.setdefault("resources", {})
        for port in c.get("ports", []):
            port.setdefault("protocol", "TCP")
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            if probe in c:
                for key, value in _PROBE.items():
                    c[probe].setdefault(key, value)
                if "httpGet" in c[probe]:
                    c[probe]["httpGet"].setdefault("scheme", "HTTP")
        for key in ("requests", "limits"):  # quantities come back canonical ("2" → "2", "0.5" → "500m")
            for name, value in (c["resources"].get(key) or {}).items():
                c["resources"][key][name] = _canonical(str(value))
    for volume in pod.get("volumes", []):
        for source in ("secret", "configMap"):
            if source in volume:
                volume[source].setdefault("defaultMode", 420)
    o["status"] = {
        "observedGeneration": 1,
        "replicas": spec.get("replicas", 1),
        "updatedReplicas": spec.get("replicas", 1),
        "readyReplicas": spec.get("replicas", 1),
        "availableReplicas": spec.get("replicas", 1),
        "conditions": [{"type": "Available", "status": "True", "lastUpdateTime": TS, "lastTransitionTime": TS}],
    }


def _canonical(text: str) -> str:
    if text.startswith("0.") and text[2:].isdigit():
        return f"{int(float(text) * 1000)}m"
    return text


def find(state, plural: str, namespace: str | None, name: str) -> dict | None:
    for obj in state.objects:
        meta = obj["metadata"]
        if (
            PLURALS.get(obj["kind"], ("", ""))[1] == plural
            and meta["name"] == name
            and meta.get("namespace") == namespace
        ):
            return obj
    return None


def _get(handler, body, namespace, plural, name) -> None:
    found = find(handler.st, plural, namespace, name)
    if found is None:
        return handler._not_found(plural, "", name)
    handler._send(200, found)


def _forbidding(plural: str) -> Callable:
    def get_object(handler, body, *parts):
        if handler._forbidden(plural, "", "get"):
            return
        _get(handler, body, *parts)

    return get_object


ROUTES: list[tuple[str, Callable]] = [
    *[
        (rf"/api/v1/namespaces/([^/]+)/({plural})/([^/]+)", _forbidding(plural))
        for plural in ("secrets", "configmaps", "services")
    ],
    (r"/apis/apps/v1/namespaces/([^/]+)/(deployments)/([^/]+)", _forbidding("deployments")),
    (r"/apis/networking\.k8s\.io/v1/namespaces/([^/]+)/(ingresses)/([^/]+)", _forbidding("ingresses")),
    (r"/apis/policy/v1/namespaces/([^/]+)/(poddisruptionbudgets)/([^/]+)", _forbidding("poddisruptionbudgets")),
    (r"/apis/apps\.wandb\.com/v1/namespaces/([^/]+)/(weightsandbiases)/([^/]+)", _forbidding("weightsandbiases")),
]
