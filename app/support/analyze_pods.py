"""The support bundle's pod analyzers: crash-looping (with the cause read from the container's log),
image-pull-failing, misconfigured, OOM-killed and unschedulable pods. Pure functions over the facts
(app/support/analyze.py describes them)."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import yaml

from app.i18n.message import msg, msg_format

PULL = {"ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull"}
CONFIG = {"CreateContainerConfigError", "CreateContainerError", "RunContainerError"}


def outcome(id: str, status: str, title, message, hint="") -> dict:
    return {"id": id, "status": status, "title": title, "message": message, "hint": hint}


# --- causes read from a crashing container's log (app/support/log_causes.yaml) ----------------------
@functools.cache
def _log_causes() -> tuple[tuple[re.Pattern, str, str], ...]:
    with open(Path(__file__).with_name("log_causes.yaml"), encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    return tuple((re.compile(c["pattern"]), c["message"], c["hint"]) for c in doc)


def log_cause(text: str, ns: str, pod: str) -> tuple[object, object, str] | None:
    """(cause, hint, the log line) of the first known cause in a log (None when none is known)."""
    for pattern, cause, hint in _log_causes():
        for line in reversed(text.splitlines()):
            if pattern.search(line):
                return msg_format(cause, ns=ns, pod=pod), msg_format(hint, ns=ns, pod=pod), line.strip()[:300]
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
                "Read the container's log in cluster/logs/%(pod)s/: kubectl -n %(ns)s logs %(pod)s --previous",
                pod=pod,
                ns=ns,
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
