"""The support bundle's Kubernetes collectors: read-only GETs through `deploy.kubeconfig` (SPEC §6.1).

First `/version` (the probe): when the API server cannot be reached, that one failure is recorded and
nothing else of the cluster is tried, so a dead cluster costs one timeout. Then, concurrently, each list
(its own collector and timeout: a 403 is recorded, the others go on): nodes, pods, events, deployments,
services, ingresses, the WeightsAndBiases resources, and the Secrets, of which only names, types and
keys are kept (values are dropped as the response is read); at most LIST_LIMIT items of each list. Then container logs: the last 1,000 lines
and at most 5 MB per container (also with `--since`), the previous instance's log of a restarted
container, all logs within one shared deadline and a total size limit.
"""

from __future__ import annotations

import asyncio
import time
from functools import partial
from typing import Any
from urllib.parse import quote

from app.checks import _kube as k
from app.checks.engine import Context
from app.secret import reveal
from app.support.collect import Collection, describe, guarded

LOG_LINES = 1000
LOG_BYTES = 5 * 1024 * 1024
TOTAL_LOG_BYTES = 64 * 1024 * 1024  # the whole bundle's logs (uncompressed)
LOG_CONCURRENCY = 8
LIST_LIMIT = 1000  # items per list (the API's `limit`; a longer list is paged and the bundle keeps page one)


class ApiFailure(Exception):
    """A non-2xx answer; the message carries the status and the API's own message."""

    def __init__(self, code: int, message: str):
        super().__init__(f"HTTP {code}: {message}" if message else f"HTTP {code}")
        self.code = code


async def _get_json(client, path: str, params: dict | None = None) -> Any:
    r = await client.get(path, params=params)
    if r.status_code >= 300:
        try:
            message = str(r.json().get("message") or "")
        except ValueError:
            message = r.text[:200]
        if r.status_code == 403:
            message = f"forbidden (RBAC): {message}"
        raise ApiFailure(r.status_code, message)
    return r.json()


def _secret_keys(doc: dict) -> dict:
    """A SecretList reduced to names, types and keys: the values never leave this function."""
    items = []
    for item in doc.get("items") or []:
        meta = item.get("metadata") or {}
        keys = sorted({*(item.get("data") or {}), *(item.get("stringData") or {})})
        items.append(
            {
                "name": meta.get("name"),
                "namespace": meta.get("namespace"),
                "type": item.get("type"),
                "keys": keys,
                "creationTimestamp": meta.get("creationTimestamp"),
            }
        )
    return {
        "kind": "SecretList",
        "apiVersion": "v1",
        "items": items,
        "note": "names and keys only; values are never read into the bundle",
    }


def lists(namespace: str) -> dict[str, str]:
    """bundle file -> API path of each list."""
    ns = quote(namespace, safe="")
    return {
        "nodes": "/api/v1/nodes",
        "pods": f"/api/v1/namespaces/{ns}/pods",
        "events": f"/api/v1/namespaces/{ns}/events",
        "deployments": f"/apis/apps/v1/namespaces/{ns}/deployments",
        "services": f"/api/v1/namespaces/{ns}/services",
        "ingresses": f"/apis/networking.k8s.io/v1/namespaces/{ns}/ingresses",
        "weightsandbiases": f"/apis/apps.wandb.com/v1/namespaces/{ns}/weightsandbiases",
        "secrets": f"/api/v1/namespaces/{ns}/secrets",
    }


def containers(pod: dict) -> list[tuple[str, bool]]:
    """(container, restarted) of every container of a pod that has run (a waiting, never started
    container has no log)."""
    status = pod.get("status") or {}
    out = []
    for cs in (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or []):
        state, last = cs.get("state") or {}, cs.get("lastState") or {}
        restarted = bool(last.get("terminated")) or int(cs.get("restartCount") or 0) > 0
        if "waiting" in state and not last.get("terminated"):
            continue
        out.append((str(cs.get("name")), restarted))
    return out


async def _log(
    client, namespace: str, pod: str, container: str, previous: bool, since: int | None, budget: list[int]
) -> str:
    params = {"container": container, "tailLines": str(LOG_LINES), "limitBytes": str(LOG_BYTES)}
    if since:
        params["sinceSeconds"] = str(since)
    if previous:
        params["previous"] = "true"
    path = f"/api/v1/namespaces/{quote(namespace, safe='')}/pods/{quote(pod, safe='')}/log"
    async with client.stream("GET", path, params=params) as r:
        if r.status_code >= 300:
            body = (await r.aread())[:2000]
            try:
                import json

                message = str(json.loads(body).get("message") or "")
            except ValueError:
                message = body.decode(errors="replace")[:200]
            raise ApiFailure(r.status_code, message)
        data = bytearray()
        async for chunk in r.aiter_bytes():
            data += chunk
            if len(data) > LOG_BYTES:  # a server that ignores limitBytes: stop reading
                break
    raw = bytes(data[:LOG_BYTES])
    if budget[0] < len(raw):
        raise ApiFailure(0, "left out: the bundle's total log size limit was reached")
    budget[0] -= len(raw)
    lines = raw.decode("utf-8", errors="replace").splitlines(keepends=True)
    return "".join(lines[-LOG_LINES:])


async def collect(col: Collection, answers, timeout: float, since: int | None = None) -> None:
    """All cluster collectors; a no-op (recorded in facts) for targets without a cluster or kubeconfig."""
    target = answers.deploy.target
    if target not in k.TARGETS or not reveal(answers.deploy.kubeconfig):
        col.facts["cluster"] = "no kubeconfig" if target in k.TARGETS else "no cluster"
        return
    ctx = Context(answers, {}, timeout)
    t0 = time.perf_counter()
    try:
        async with k.raw_client(ctx) as client:
            await _collect(col, client, answers, timeout, since, t0)
    except Exception as exc:  # the kubeconfig cannot be used at all
        col.error("cluster", describe(exc))


async def _collect(col: Collection, client, answers, timeout: float, since: int | None, t0: float) -> None:
    try:
        version = await asyncio.wait_for(_get_json(client, "/version"), timeout)
    except Exception as exc:
        cause = k.cause(exc) if not isinstance(exc, ApiFailure) else f"HTTP {exc.code}"
        col.error(
            "cluster.version",
            f"the API server could not be reached ({cause}: {describe(exc)}); no other cluster collector was run",
        )
        col.timings["cluster.version"] = round(time.perf_counter() - t0, 3)
        col.facts["cluster"] = "unreachable"
        return
    col.timings["cluster.version"] = round(time.perf_counter() - t0, 3)
    col.docs["cluster/version.json"] = version
    col.facts.update(version=version, cluster="read")
    namespace = answers.deploy.namespace

    async def one(name: str, path: str) -> None:
        try:
            doc = await _get_json(client, path, {"limit": str(LIST_LIMIT)})
        except ApiFailure as exc:
            if exc.code == 404 and name == "weightsandbiases" and answers.deploy.target == "kubernetes":
                return  # no operator for this target: the resource type is not installed
            raise
        if (doc.get("metadata") or {}).get("continue"):  # the API paged the list: the bundle keeps page one
            col.error(f"cluster.{name}", f"more than {LIST_LIMIT} items: only the first {LIST_LIMIT} are in the bundle")
        if name == "secrets":
            doc = _secret_keys(doc)
        col.docs[f"cluster/{name}.json"] = doc
        col.facts[name] = doc.get("items") or []

    await asyncio.gather(
        *(guarded(col, f"cluster.{name}", partial(one, name, path), timeout) for name, path in lists(namespace).items())
    )
    pods = col.facts.get("pods") or []
    col.facts["logs"] = {}
    budget = [TOTAL_LOG_BYTES]
    gate = asyncio.Semaphore(LOG_CONCURRENCY)

    async def log(pod: str, container: str, previous: bool) -> None:
        async with gate:
            text = await _log(client, namespace, pod, container, previous, since, budget)
        if col.redact is not None:  # in a worker thread, while the other logs and collectors wait on the network
            text = await asyncio.to_thread(col.redact, text)
        path = f"cluster/logs/{pod}/{container}{'.previous.log' if previous else '.log'}"
        col.texts[path] = text
        if col.redact is not None:
            col.redacted.add(path)
        col.facts["logs"][(pod, container, previous)] = text

    jobs = []
    for pod in pods:
        name = str((pod.get("metadata") or {}).get("name"))
        for container, restarted in containers(pod):
            jobs.append(guarded(col, f"cluster.logs {name}/{container}", partial(log, name, container, False), timeout))
            if restarted:
                jobs.append(
                    guarded(
                        col,
                        f"cluster.logs {name}/{container} (previous)",
                        partial(log, name, container, True),
                        timeout,
                    )
                )
    if jobs:  # every log shares one deadline: one more timeout at most, however many containers
        tasks = [asyncio.ensure_future(j) for j in jobs]
        _, pending = await asyncio.wait(tasks, timeout=timeout + 1)
        for t in pending:
            t.cancel()
        if pending:
            col.error("cluster.logs", f"{len(pending)} container logs were not read within {timeout:g} s")
