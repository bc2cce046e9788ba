"""The support bundle's pod analyzers: crash-looping (with the cause read from the container's log),
image-pull-failing, misconfigured, OOM-killed and unschedulable pods. Pure functions over the facts
(app/support/analyze.py describes them)."""

from __future__ import annotations

import re
from typing import Any

from app.i18n.message import msg

PULL = {"ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull"}
CONFIG = {"CreateContainerConfigError", "CreateContainerError", "RunContainerError"}


def outcome(id: str, status: str, title, message, hint="") -> dict:
    return {"id": id, "status": status, "title": title, "message": message, "hint": hint}


# --- causes read from a crashing container's log --------------------------------------------------
def _log_causes(ns: str, pod: str) -> list[tuple[re.Pattern, object, object]]:
    return [
        (
            re.compile(r"Access denied for user"),
            msg(
                "the database rejected the password (MySQL: Access denied): the database password in the Secret differs from the server's"
            ),
            msg(
                "Make them equal: set the server's password for the W&B user (ALTER USER … IDENTIFIED BY …) or "
                "re-render the bundle with the server's database.password and apply its Secret, then restart: "
                "kubectl -n %(ns)s delete pod %(pod)s",
                ns=ns,
                pod=pod,
            ),
        ),
        (
            re.compile(r"Unknown database"),
            msg("the database named in MYSQL does not exist on the server"),
            msg("Create it with the bundle's sql/create-database.sql, or correct database.name"),
        ),
        (
            re.compile(r"x509: |certificate signed by unknown authority|tls: failed to verify"),
            msg("a TLS certificate is not trusted by the pod"),
            msg("Give W&B the CA that signed it (customCACerts; the CA fields of the database and object store steps)"),
        ),
        (
            re.compile(r"InvalidAccessKeyId|SignatureDoesNotMatch"),
            msg("the object store rejected the access key or the secret key"),
            msg(
                "Put the object store's current access key and secret key into the answers, re-render and apply the Secret"
            ),
        ),
        (
            re.compile(r"NoSuchBucket"),
            msg("the bucket does not exist"),
            msg("Create the bucket named in object_store.bucket, or correct the name"),
        ),
        (
            re.compile(r"(?i)license[^\n]*(invalid|expired)|(invalid|expired)[^\n]*license"),
            msg("the license is invalid or expired"),
            msg("Put a valid license into the answers (license), re-render and apply the Secret"),
        ),
        (
            re.compile(r"(?i)connection refused|no such host|i/o timeout|dial tcp|could not connect|can't connect"),
            msg("the pod cannot reach a service it needs"),
            msg(
                "From the pod's namespace, check DNS and the firewall to the database and object store: "
                "kubectl -n %(ns)s run nettest --rm -it --image=busybox -- nc -zv HOST PORT",
                ns=ns,
            ),
        ),
    ]


def log_cause(text: str, ns: str, pod: str) -> tuple[object, object, str] | None:
    """(cause, hint, the log line) of the first known cause in a log (None when none is known)."""
    for pattern, cause, hint in _log_causes(ns, pod):
        for line in reversed(text.splitlines()):
            if pattern.search(line):
                return cause, hint, line.strip()[:300]
    return None


def pods(facts: dict) -> list[dict]:
    """Crash-looping, image-pull-failing, misconfigured, OOM-killed and unschedulable pods."""
    ns = facts.get("namespace", "wandb")
    logs = facts.get("logs") or {}
    out = []
    for pod in facts.get("pods") or []:
        name = str(pod["metadata"]["name"])
        status = pod.get("status") or {}
        for cond in status.get("conditions") or []:
            if cond.get("type") == "PodScheduled" and cond.get("status") == "False":
                out.append(
                    outcome(
                        "pods.unschedulable",
                        "fail",
                        msg("Pod cannot be scheduled"),
                        msg(
                            "pod %(pod)s cannot be scheduled: %(why)s",
                            pod=name,
                            why=cond.get("message") or cond.get("reason") or "",
                        ),
                        msg(
                            "Add nodes or lower the requests (deploy.resources); kubectl -n %(ns)s describe pod %(pod)s",
                            ns=ns,
                            pod=name,
                        ),
                    )
                )
        for cs in (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or []):
            out += _container(name, cs, ns, logs)
    if not out and "pods" in facts:
        out.append(
            outcome("pods", "pass", msg("W&B pods"), msg("no pod is crash-looping or failing to pull its image"))
        )
    return out


def _container(pod: str, cs: dict, ns: str, logs: dict) -> list[dict]:
    container, waiting = str(cs.get("name")), (cs.get("state") or {}).get("waiting") or {}
    reason, last = waiting.get("reason"), ((cs.get("lastState") or {}).get("terminated") or {})
    if reason in PULL:
        return [
            outcome(
                "pods.image_pull",
                "fail",
                msg("Image cannot be pulled"),
                msg(
                    "pod %(pod)s cannot pull image %(image)s (%(reason)s): %(detail)s",
                    pod=pod,
                    image=cs.get("image") or "?",
                    reason=reason,
                    detail=waiting.get("message") or "",
                ),
                msg(
                    "Check the image name and tag (deploy.version, deploy.registry), that every node reaches the "
                    "registry, and the pull secret: kubectl -n %(ns)s describe pod %(pod)s",
                    ns=ns,
                    pod=pod,
                ),
            )
        ]
    if reason in CONFIG:
        return [
            outcome(
                "pods.config",
                "fail",
                msg("Container cannot be created"),
                msg(
                    "pod %(pod)s container %(container)s: %(reason)s: %(detail)s",
                    pod=pod,
                    container=container,
                    reason=reason,
                    detail=waiting.get("message") or "",
                ),
                msg("Create the Secret or ConfigMap the message names (apply the bundle's kubernetes/ files)"),
            )
        ]
    if reason != "CrashLoopBackOff" and not (last and int(cs.get("restartCount") or 0) >= 3 and not cs.get("ready")):
        return []
    restarts = int(cs.get("restartCount") or 0)
    cause: Any
    hint: Any
    if last.get("reason") == "OOMKilled":
        cause, hint, line = (
            msg("the container ran out of memory (OOMKilled)"),
            msg("Raise the memory limit (deploy.resources)"),
            "",
        )
    else:
        text = logs.get((pod, container, True)) or logs.get((pod, container, False)) or ""
        found = log_cause(text, ns, pod)
        if found:
            cause, hint, line = found
        else:
            lines = [entry for entry in text.splitlines() if entry.strip()]
            line = lines[-1].strip()[:300] if lines else ""
            cause = msg("exit code %(exit_code)s", exit_code=last.get("exitCode", "?"))
            hint = msg(
                "Read the container's log in cluster/logs/%(pod)s/: kubectl -n %(ns)s logs %(pod_2)s --previous",
                pod=pod,
                ns=ns,
                pod_2=pod,
            )
    message = msg(
        "pod %(pod)s (container %(container)s) is crash-looping after %(restarts)s restarts: %(cause)s",
        pod=pod,
        container=container,
        restarts=restarts,
        cause=cause,
    )
    if line:
        message = msg("%(message)s — log: %(line)s", message=message, line=line)
    return [outcome("pods.crash_loop", "fail", msg("Pod crash-looping"), message, hint)]
