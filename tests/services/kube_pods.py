"""Pods, events, logs and workloads for the Kubernetes API **stand-in** (tests/services/kube_standin.py).

Objects are shaped as the real API returns them (`kubectl get pod -o json`): a Running pod with a
Ready condition; a container waiting in ImagePullBackOff / CrashLoopBackOff (with its lastState) /
ContainerCreating; a Pending pod with PodScheduled=False and the scheduler's FailedScheduling event
(series-style, eventTime set, firstTimestamp null, as kube-scheduler writes them since 1.20). Logs are
served like the kubelet does: a waiting container with a terminated previous instance gives that
instance's log; one that never ran gives 400 "is waiting to start".
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

TS = "2026-01-05T08:00:00Z"
NS = "wandb"


def _meta(name: str, namespace: str, labels: dict | None = None) -> dict:
    meta = {"name": name, "namespace": namespace, "uid": f"uid-{name}", "resourceVersion": "1200",
            "creationTimestamp": TS}
    if labels:
        meta["labels"] = dict(labels)
    return meta


def _condition(kind: str, ok: bool, reason: str | None = None, message: str | None = None) -> dict:
    c = {"type": kind, "status": "True" if ok else "False", "lastProbeTime": None, "lastTransitionTime": TS}
    if reason:
        c["reason"] = reason
    if message:
        c["message"] = message
    return c


def pod(name: str, labels: dict, *, state: str = "ready", image: str = "wandb/local:0.70.0",
        container: str = "wandb", namespace: str = NS, restarts: int = 0, exit_code: int = 1,
        message: str | None = None) -> dict:
    """A pod in one of the states: ready, starting (Running, not Ready), creating (ContainerCreating),
    pull (ImagePullBackOff), crash (CrashLoopBackOff), pending (Unschedulable), succeeded."""
    spec = {"containers": [{"name": container, "image": image, "imagePullPolicy": "IfNotPresent",
                            "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
                            "resources": {}, "terminationMessagePath": "/dev/termination-log",
                            "terminationMessagePolicy": "File"}],
            "restartPolicy": "Always", "schedulerName": "default-scheduler", "serviceAccountName": "default",
            "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst"}
    if state == "pending":
        return {"metadata": _meta(name, namespace, labels), "spec": spec, "status": {
            "phase": "Pending", "qosClass": "Burstable",
            "conditions": [_condition("PodScheduled", False, "Unschedulable", message or
                                      "0/2 nodes are available: 2 Insufficient cpu.")]}}
    spec["nodeName"] = "node-1"
    cs = {"name": container, "image": image, "imageID": "", "ready": state == "ready", "restartCount": restarts,
          "started": state in ("ready", "starting"), "state": {}, "lastState": {}}
    if state in ("ready", "starting", "succeeded"):
        cs["imageID"] = f"docker.io/{image.split(':')[0]}@sha256:{'ab' * 32}"
        cs["containerID"] = f"containerd://{'cd' * 32}"
        if state == "succeeded":
            cs["started"] = False
            cs["state"] = {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": TS, "finishedAt": TS,
                                          "containerID": cs["containerID"]}}
        else:
            cs["state"] = {"running": {"startedAt": TS}}
    elif state == "creating":
        cs["state"] = {"waiting": {"reason": "ContainerCreating"}}
    elif state == "pull":
        cs["state"] = {"waiting": {"reason": "ImagePullBackOff",
                                   "message": message or f'Back-off pulling image "{image}"'}}
    elif state == "crash":
        cs["imageID"] = f"docker.io/{image.split(':')[0]}@sha256:{'ab' * 32}"
        cs["state"] = {"waiting": {"reason": "CrashLoopBackOff", "message":
                                   f"back-off 5m0s restarting failed container={container} pod={name}_{namespace}"}}
        cs["lastState"] = {"terminated": {"exitCode": exit_code, "reason": "Error", "startedAt": TS, "finishedAt": TS,
                                          "containerID": f"containerd://{'ef' * 32}"}}
    else:
        raise ValueError(state)
    phase = {"succeeded": "Succeeded"}.get(state, "Running" if state in ("ready", "starting", "crash") else "Pending")
    ready = state == "ready"
    return {"metadata": _meta(name, namespace, labels), "spec": spec, "status": {
        "phase": phase, "qosClass": "Burstable", "hostIP": "10.0.0.10", "podIP": "10.244.0.17", "startTime": TS,
        "conditions": [_condition("Initialized", True), _condition("Ready", ready, None if ready else "ContainersNotReady"),
                       _condition("ContainersReady", ready, None if ready else "ContainersNotReady"),
                       _condition("PodScheduled", True)],
        "containerStatuses": [cs]}}


def scheduling_event(pod_name: str, message: str, namespace: str = NS) -> dict:
    """kube-scheduler's FailedScheduling event for a pod (events.k8s.io-era shape, read as core/v1)."""
    return {"metadata": _meta(f"{pod_name}.181f3a2b9c", namespace),
            "involvedObject": {"kind": "Pod", "namespace": namespace, "name": pod_name, "uid": f"uid-{pod_name}",
                               "apiVersion": "v1", "resourceVersion": "1200"},
            "reason": "FailedScheduling", "message": message, "source": {}, "firstTimestamp": None,
            "lastTimestamp": None, "type": "Warning", "eventTime": "2026-01-05T08:00:01.123456Z",
            "action": "Scheduling", "reportingComponent": "default-scheduler",
            "reportingInstance": "default-scheduler-node-1"}


def workloads_from_chart(docs: list[dict], namespace: str = NS) -> tuple[list, list]:
    """(Deployments, StatefulSets) of a `helm template` render, placed in `namespace` with a status."""
    deployments, statefulsets = [], []
    for doc in docs:
        if not doc or doc.get("kind") not in ("Deployment", "StatefulSet"):
            continue
        obj = json.loads(json.dumps(doc))
        obj["metadata"].update(namespace=namespace, uid=f"uid-{obj['metadata']['name']}", resourceVersion="900",
                               creationTimestamp=TS)
        obj["status"] = {"observedGeneration": 1, "replicas": 1, "readyReplicas": 1}
        (deployments if doc["kind"] == "Deployment" else statefulsets).append(obj)
    return deployments, statefulsets


# --- routes (installed into the stand-in's ROUTES) --------------------------------------------------
def _selected(handler, items: list[dict], namespace: str) -> list[dict]:
    query = parse_qs(urlsplit(handler.path).query)
    labels = dict(p.split("=", 1) for s in query.get("labelSelector", []) for p in s.split(",") if "=" in p)
    fields = dict(p.split("=", 1) for s in query.get("fieldSelector", []) for p in s.split(",") if "=" in p)
    out = []
    for item in items:
        if item["metadata"].get("namespace") != namespace:
            continue
        if any((item["metadata"].get("labels") or {}).get(k) != v for k, v in labels.items()):
            continue
        if "involvedObject.name" in fields and item.get("involvedObject", {}).get("name") != fields["involvedObject.name"]:
            continue
        out.append(item)
    return out


def _list(handler, kind: str, api: str, plural: str, group: str, items: list, namespace: str) -> None:
    if handler._forbidden(plural, group, "list"):
        return
    handler._send(200, {"kind": f"{kind}List", "apiVersion": api, "metadata": {"resourceVersion": "1300"},
                        "items": _selected(handler, items, namespace)})


def get_pods(handler, body, namespace):
    _list(handler, "Pod", "v1", "pods", "", handler.st.pods, namespace)


def get_events(handler, body, namespace):
    _list(handler, "Event", "v1", "events", "", handler.st.events, namespace)


def get_deployments(handler, body, namespace):
    _list(handler, "Deployment", "apps/v1", "deployments", "apps", handler.st.deployments, namespace)


def get_statefulsets(handler, body, namespace):
    _list(handler, "StatefulSet", "apps/v1", "statefulsets", "apps", handler.st.statefulsets, namespace)


def get_pod_log(handler, body, namespace, name):
    from tests.services.kube_standin import status

    if handler._forbidden("pods/log", "", "get"):
        return
    found = [p for p in handler.st.pods if p["metadata"]["name"] == name and p["metadata"]["namespace"] == namespace]
    if not found:
        return handler._not_found("pods", "", name)
    statuses = found[0]["status"].get("containerStatuses") or []
    query = parse_qs(urlsplit(handler.path).query)
    container = (query.get("container") or [statuses[0]["name"] if statuses else ""])[0]
    cs = next((c for c in statuses if c["name"] == container), None)
    if cs is None or ("waiting" in cs["state"] and not cs["lastState"].get("terminated")):
        reason = cs["state"]["waiting"].get("reason", "") if cs else "PodInitializing"
        return handler._send(400, status(400, "BadRequest",
                                         f'container "{container}" in pod "{name}" is waiting to start: {reason}'))
    lines = handler.st.logs.get(name, [])
    tail = int((query.get("tailLines") or ["0"])[0] or 0)
    if tail:
        lines = lines[-tail:]
    data = "".join(f"{line}\n" for line in lines).encode()
    handler.send_response(200)
    handler.send_header("Content-Type", "text/plain")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


ROUTES = [
    (r"/api/v1/namespaces/([^/]+)/pods", get_pods),
    (r"/api/v1/namespaces/([^/]+)/pods/([^/]+)/log", get_pod_log),
    (r"/api/v1/namespaces/([^/]+)/events", get_events),
    (r"/apis/apps/v1/namespaces/([^/]+)/deployments", get_deployments),
    (r"/apis/apps/v1/namespaces/([^/]+)/statefulsets", get_statefulsets),
]
