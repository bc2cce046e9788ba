"""Kubernetes API objects as the real API server returns them (`kubectl get … -o json`), for the
simulated cluster of `wbsetup demo` and the tests' Kubernetes API stand-in (lightkube decodes strictly).

Nodes with their allocatable resources and conditions; v1 `Status` errors; pods in the states
`verify.rollout` judges: a Running pod with a Ready condition; a container waiting in ImagePullBackOff /
CrashLoopBackOff (with its lastState) / ContainerCreating; a Pending pod with PodScheduled=False and the
scheduler's FailedScheduling event (series-style, eventTime set, firstTimestamp null, as kube-scheduler
writes them since 1.20); Deployments and StatefulSets from a `helm template` render.
"""

from __future__ import annotations

import json

TS = "2026-01-05T08:00:00Z"
NS = "wandb"
CRD_NAME = "weightsandbiases.apps.wandb.com"


def _meta(name: str, namespace: str, labels: dict | None = None) -> dict:
    meta: dict = {
        "name": name,
        "namespace": namespace,
        "uid": f"uid-{name}",
        "resourceVersion": "1200",
        "creationTimestamp": TS,
    }
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


def pod(
    name: str,
    labels: dict,
    *,
    state: str = "ready",
    image: str = "wandb/local:0.70.0",
    container: str = "wandb",
    namespace: str = NS,
    restarts: int = 0,
    exit_code: int = 1,
    message: str | None = None,
) -> dict:
    """A pod in one of the states: ready, starting (Running, not Ready), creating (ContainerCreating),
    pull (ImagePullBackOff), crash (CrashLoopBackOff), pending (Unschedulable), succeeded."""
    spec = {
        "containers": [
            {
                "name": container,
                "image": image,
                "imagePullPolicy": "IfNotPresent",
                "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
                "resources": {},
                "terminationMessagePath": "/dev/termination-log",
                "terminationMessagePolicy": "File",
            }
        ],
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
        "serviceAccountName": "default",
        "terminationGracePeriodSeconds": 30,
        "dnsPolicy": "ClusterFirst",
    }
    if state == "pending":
        return {
            "metadata": _meta(name, namespace, labels),
            "spec": spec,
            "status": {
                "phase": "Pending",
                "qosClass": "Burstable",
                "conditions": [
                    _condition(
                        "PodScheduled",
                        False,
                        "Unschedulable",
                        message or "0/2 nodes are available: 2 Insufficient cpu.",
                    )
                ],
            },
        }
    spec["nodeName"] = "node-1"
    cs = {
        "name": container,
        "image": image,
        "imageID": "",
        "ready": state == "ready",
        "restartCount": restarts,
        "started": state in ("ready", "starting"),
        "state": {},
        "lastState": {},
    }
    if state in ("ready", "starting", "succeeded"):
        cs["imageID"] = f"docker.io/{image.split(':')[0]}@sha256:{'ab' * 32}"
        cs["containerID"] = f"containerd://{'cd' * 32}"
        if state == "succeeded":
            cs["started"] = False
            cs["state"] = {
                "terminated": {
                    "exitCode": 0,
                    "reason": "Completed",
                    "startedAt": TS,
                    "finishedAt": TS,
                    "containerID": cs["containerID"],
                }
            }
        else:
            cs["state"] = {"running": {"startedAt": TS}}
    elif state == "creating":
        cs["state"] = {"waiting": {"reason": "ContainerCreating"}}
    elif state == "pull":
        cs["state"] = {
            "waiting": {"reason": "ImagePullBackOff", "message": message or f'Back-off pulling image "{image}"'}
        }
    elif state == "crash":
        cs["imageID"] = f"docker.io/{image.split(':')[0]}@sha256:{'ab' * 32}"
        cs["state"] = {
            "waiting": {
                "reason": "CrashLoopBackOff",
                "message": f"back-off 5m0s restarting failed container={container} pod={name}_{namespace}",
            }
        }
        cs["lastState"] = {
            "terminated": {
                "exitCode": exit_code,
                "reason": "Error",
                "startedAt": TS,
                "finishedAt": TS,
                "containerID": f"containerd://{'ef' * 32}",
            }
        }
    else:
        raise ValueError(state)
    phase = {"succeeded": "Succeeded"}.get(state, "Running" if state in ("ready", "starting", "crash") else "Pending")
    ready = state == "ready"
    return {
        "metadata": _meta(name, namespace, labels),
        "spec": spec,
        "status": {
            "phase": phase,
            "qosClass": "Burstable",
            "hostIP": "10.0.0.10",
            "podIP": "10.244.0.17",
            "startTime": TS,
            "conditions": [
                _condition("Initialized", True),
                _condition("Ready", ready, None if ready else "ContainersNotReady"),
                _condition("ContainersReady", ready, None if ready else "ContainersNotReady"),
                _condition("PodScheduled", True),
            ],
            "containerStatuses": [cs],
        },
    }


def scheduling_event(pod_name: str, message: str, namespace: str = NS) -> dict:
    """kube-scheduler's FailedScheduling event for a pod (events.k8s.io-era shape, read as core/v1)."""
    return {
        "metadata": _meta(f"{pod_name}.181f3a2b9c", namespace),
        "involvedObject": {
            "kind": "Pod",
            "namespace": namespace,
            "name": pod_name,
            "uid": f"uid-{pod_name}",
            "apiVersion": "v1",
            "resourceVersion": "1200",
        },
        "reason": "FailedScheduling",
        "message": message,
        "source": {},
        "firstTimestamp": None,
        "lastTimestamp": None,
        "type": "Warning",
        "eventTime": "2026-01-05T08:00:01.123456Z",
        "action": "Scheduling",
        "reportingComponent": "default-scheduler",
        "reportingInstance": "default-scheduler-node-1",
    }


def workloads_from_chart(docs: list[dict], namespace: str = NS) -> tuple[list, list]:
    """(Deployments, StatefulSets) of a `helm template` render, placed in `namespace` with a status."""
    deployments: list[dict] = []
    statefulsets: list[dict] = []
    for doc in docs:
        if not doc or doc.get("kind") not in ("Deployment", "StatefulSet"):
            continue
        obj = json.loads(json.dumps(doc))
        obj["metadata"].update(
            namespace=namespace, uid=f"uid-{obj['metadata']['name']}", resourceVersion="900", creationTimestamp=TS
        )
        obj["status"] = {"observedGeneration": 1, "replicas": 1, "readyReplicas": 1}
        (deployments if doc["kind"] == "Deployment" else statefulsets).append(obj)
    return deployments, statefulsets


def node(
    name: str,
    arch: str = "amd64",
    cpu: str = "8",
    memory: str = "32Gi",
    ready: bool = True,
    unschedulable: bool = False,
    taints: list | None = None,
) -> dict:
    """A Node as `kubectl get node -o json` shows it (list items carry no kind/apiVersion)."""
    spec: dict = {"podCIDR": "10.244.0.0/24", "podCIDRs": ["10.244.0.0/24"]}
    if unschedulable:
        spec["unschedulable"] = True
    if taints:
        spec["taints"] = taints
    return {
        "metadata": {
            "name": name,
            "uid": f"uid-{name}",
            "resourceVersion": "4711",
            "creationTimestamp": TS,
            "labels": {
                "kubernetes.io/arch": arch,
                "kubernetes.io/os": "linux",
                "kubernetes.io/hostname": name,
                "beta.kubernetes.io/arch": arch,
            },
            "annotations": {"node.alpha.kubernetes.io/ttl": "0"},
        },
        "spec": spec,
        "status": {
            "capacity": {"cpu": cpu, "memory": memory, "pods": "110", "ephemeral-storage": "102400Mi"},
            "allocatable": {"cpu": cpu, "memory": memory, "pods": "110", "ephemeral-storage": "94371840Ki"},
            "conditions": [
                {
                    "type": "MemoryPressure",
                    "status": "False",
                    "lastHeartbeatTime": TS,
                    "lastTransitionTime": TS,
                    "reason": "KubeletHasSufficientMemory",
                    "message": "kubelet has sufficient memory available",
                },
                {
                    "type": "Ready",
                    "status": "True" if ready else "False",
                    "lastHeartbeatTime": TS,
                    "lastTransitionTime": TS,
                    "reason": "KubeletReady" if ready else "KubeletNotReady",
                    "message": "kubelet is posting ready status" if ready else "container runtime network not ready",
                },
            ],
            "addresses": [{"type": "InternalIP", "address": "10.0.0.10"}, {"type": "Hostname", "address": name}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "machineID": "0f1e2d3c",
                "systemUUID": "4b5a6978",
                "bootID": "8c9dabcd",
                "kernelVersion": "6.1.0-28-amd64",
                "osImage": "Debian GNU/Linux 12 (bookworm)",
                "containerRuntimeVersion": "containerd://1.7.24",
                "kubeletVersion": "v1.34.1",
                "kubeProxyVersion": "",
                "operatingSystem": "linux",
                "architecture": arch,
            },
        },
    }


def cluster_meta(name: str) -> dict:
    return {"name": name, "uid": f"uid-{name}", "resourceVersion": "815", "generation": 1, "creationTimestamp": TS}


def collection(kind: str, api: str, items: list, version: str) -> dict:
    """A list answer: `kind`List of `items` at resourceVersion `version`."""
    return {"kind": f"{kind}List", "apiVersion": api, "metadata": {"resourceVersion": version}, "items": items}


def status(code: int, reason: str, message: str, details: dict | None = None) -> dict:
    """A v1 Status error object."""
    doc = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if details is not None:
        doc["details"] = details
    return doc
