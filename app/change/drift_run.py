"""`wbsetup drift` and the Verify page's drift panel (SPEC §10): read, read-only and concurrently, every
object the bundle would apply, compare it (app.change.drift), and read the W&B version the pods run."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import yaml

from app.answers import Answers
from app.change.drift import object_fields
from app.facts.kube import PLURALS, running_versions
from app.i18n.message import N_, msg

TARGETS = ("kubernetes", "helm-operator")


@dataclass
class DriftResult:
    doc: dict
    timings: dict[str, float] = field(default_factory=dict)  # request path → seconds (bench)


def desired_objects(answers: Answers) -> list[dict]:
    """What the bundle applies: kubernetes/wandb.yaml, or the WeightsAndBiases resource (and the image
    pull Secret) for helm-operator."""
    from app.artifacts.bundle import REGISTRY_SECRET, build_bundle

    tree = build_bundle(answers)
    paths = ["kubernetes/wandb.yaml"] if answers.deploy.target == "kubernetes" else ["helm/wandb-cr.yaml"]
    if answers.deploy.target == "helm-operator" and REGISTRY_SECRET in tree:
        paths.append(REGISTRY_SECRET)
    return [o for p in paths for o in yaml.safe_load_all(tree[p].decode("utf-8")) if o]


def api_path(obj: dict) -> str:
    api, plural = PLURALS.get(obj["kind"], (obj["apiVersion"], obj["kind"].lower() + "s"))
    base = "/api/v1" if api == "v1" else f"/apis/{api}"
    meta = obj["metadata"]
    if obj["kind"] == "Namespace":
        return f"{base}/namespaces/{meta['name']}"
    return f"{base}/namespaces/{meta.get('namespace', 'default')}/{plural}/{meta['name']}"


def hidden_values(answers: Answers):
    """A predicate: does this value hold a secret of the answers (in any encoding)?"""
    from app.artifacts.redact import derived_secrets, encodings, secret_text

    forms: set[str] = set()
    values = [secret_text(v) for _, v in answers.secrets()] + list(derived_secrets(answers).values())
    for value in values:
        if value and len(value) >= 4:
            forms |= encodings(value)

    def hidden(value) -> bool:
        if value is None:
            return False
        text = value if isinstance(value, str) else yaml.safe_dump(value)
        return any(f in text for f in forms)

    return hidden


async def _read(client, path: str, timings: dict) -> tuple[int | None, dict | str]:
    started = time.perf_counter()
    try:
        response = await client.get(path)
    except Exception as exc:  # one object's failure is reported, never fatal
        from app.checks._kube import cause

        return None, f"{cause(exc)}: {type(exc).__name__}"
    finally:
        timings[path] = time.perf_counter() - started
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, response.text[:200]


async def _run(answers: Answers, timeout: float) -> DriftResult:
    from app.checks._kube import raw_client
    from app.checks.engine import Context

    desired = desired_objects(answers)
    ctx = Context(answers=answers, requirements={}, timeout=timeout)
    hidden = hidden_values(answers)
    timings: dict[str, float] = {}
    namespace = answers.deploy.namespace
    async with raw_client(ctx) as client:
        reads = [_read(client, api_path(o), timings) for o in desired]
        reads.append(_read(client, f"/api/v1/namespaces/{namespace}/pods", timings))
        answers_ = await asyncio.gather(*reads)
    objects = []
    for obj, (code, body) in zip(desired, answers_[:-1], strict=True):
        entry = {"kind": obj["kind"], "namespace": obj["metadata"].get("namespace"), "name": obj["metadata"]["name"]}
        if code == 200 and isinstance(body, dict):
            fields = object_fields(obj, body, hidden)
            entry.update(status="drifted" if fields else "in-sync", fields=fields)
        elif code == 404:
            entry.update(status="missing", fields=[])
        else:
            reason = body.get("message") if isinstance(body, dict) else body
            entry.update(status="error", fields=[], error=f"HTTP {code}: {reason}" if code else str(reason))
        if obj["kind"] == "Namespace":
            entry.pop("namespace")
        objects.append(entry)
    code, pods = answers_[-1]
    version = _version(answers, code, pods)
    in_sync = all(o["status"] == "in-sync" for o in objects) and version.get("in_sync", True) is not False
    doc = {
        "schema": 1,
        "profile": answers.profile,
        "target": answers.deploy.target,
        "in_sync": in_sync,
        "objects": objects,
        "version": version,
    }
    return DriftResult(doc, timings)


def _version(answers: Answers, code, pods) -> dict:
    """The running W&B version against deploy.version; `message` is a message (English in the JSON document,
    the page's language on the Verify page)."""
    desired = answers.deploy.version
    if code != 200 or not isinstance(pods, dict):
        return {"desired": desired, "running": None, "in_sync": None, "message": N_("the pods could not be read")}
    running = running_versions(pods.get("items", []), answers.deploy.image)
    if not running:
        return {"desired": desired, "running": None, "in_sync": None, "message": N_("no W&B pod runs in the namespace")}
    shown = ", ".join(running)
    if running == [desired]:
        return {"desired": desired, "running": shown, "in_sync": True, "message": None}
    cause = (
        msg(
            "the W&B operator updates W&B by itself unless the version is pinned (likely cause); pin it "
            "(runbook: Upgrade) or set deploy.version to what runs"
        )
        if answers.deploy.target == "helm-operator"
        else msg(
            "the Deployment's image was changed outside this bundle (kubectl set image, another tool), "
            "or an operator manages it and updated it by itself"
        )
    )
    return {
        "desired": desired,
        "running": shown,
        "in_sync": False,
        "message": msg("W&B runs %(running)s, the bundle pins %(desired)s: %(cause)s", running=shown, desired=desired,
                       cause=cause),
    }  # fmt: skip


def run_drift(answers: Answers, timeout: float = 5.0) -> DriftResult:
    """Compare the cluster with the bundle (answers resolved); a cluster that cannot be read gives
    every object the status `error` with the cause. When this thread already runs an event loop, the
    comparison runs on a fresh loop in a worker thread (as engine.run_checks_sync does)."""
    from app.run_sync import run_sync

    return run_sync(lambda: _guarded(answers, timeout))


async def _guarded(answers: Answers, timeout: float) -> DriftResult:
    from app.checks import kubeconfig as kc

    try:
        return await asyncio.wait_for(_run(answers, timeout), timeout * 2 + 1)
    except (kc.KubeconfigError, TimeoutError, OSError) as exc:
        message = str(exc) or type(exc).__name__
        objects = [
            {"kind": o["kind"], "namespace": o["metadata"].get("namespace"), "name": o["metadata"]["name"],
             "status": "error", "fields": [], "error": message}
            for o in desired_objects(answers)
        ]  # fmt: skip
        doc = {"schema": 1, "profile": answers.profile, "target": answers.deploy.target, "in_sync": False,
               "objects": objects, "version": {"desired": answers.deploy.version, "running": None,
                                               "in_sync": None, "message": message}}  # fmt: skip
        return DriftResult(doc)


def text(doc: dict) -> str:
    lines = []
    for o in doc["objects"]:
        where = f"{o['namespace']}/{o['name']}" if o.get("namespace") else o["name"]
        lines.append(f"{o['kind']} {where}: {o['status']}" + (f" ({o['error']})" if o.get("error") else ""))
        for f in o["fields"]:
            lines.append(f"  {f['path']}: desired {_shown(f['desired'])}, live {_shown(f['live'])}")
    v = doc["version"]
    lines.append(f"W&B version: bundle {v['desired']}, running {v['running'] or '?'}")
    if v.get("message"):
        lines.append(f"  {v['message']}")
    lines.append("in sync" if doc["in_sync"] else "NOT in sync")
    return "\n".join(lines) + "\n"


def _shown(value) -> str:
    if value is None:
        return "(absent)"
    if isinstance(value, (dict, list)):
        return yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()
    return str(value)
