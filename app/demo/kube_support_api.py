"""Routes of the simulated Kubernetes API that a support bundle reads (app/support/cluster.py): pod logs
with the kubelet's parameters, Services, Ingresses, Secrets and the WeightsAndBiases resource; the pod
routes (pods, events, Deployments, StatefulSets) live here too.

Pod logs follow the API's rules: `container` (default: the pod's first container), `previous=true` (the
last terminated instance; 400 when the container never restarted), `sinceSeconds` (lines whose leading
RFC 3339 timestamp is older are dropped, as the kubelet does with its entry times), then `tailLines`,
then `limitBytes` (the output is cut at that many bytes). A container that is waiting and never ran
answers 400. Logs live in `KubeState.logs` / `KubeState.previous_logs`, keyed by "pod/container" or by
the pod's name (its first container).

Lists honour `KubeState.forbidden` (403) like the others, labelSelector / fieldSelector
(involvedObject.name) as verify.rollout sends them, and paging: with `limit` a list answers that many
items and, when there are more, `metadata.continue` (the token that asks for the rest) and
`remainingItemCount`, as the API server does.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import NamedTuple
from urllib.parse import parse_qs, urlsplit

from app.demo.kube_objects import collection, status

_STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)Z")


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
        if (
            "involvedObject.name" in fields
            and item.get("involvedObject", {}).get("name") != fields["involvedObject.name"]
        ):
            continue
        out.append(item)
    return out


def _list(handler, kind: str, api: str, plural: str, group: str, items: list, namespace: str) -> None:
    if handler._forbidden(plural, group, "list"):
        return
    query = parse_qs(urlsplit(handler.path).query)
    limit, token = (query.get("limit") or ["0"])[0] or "0", (query.get("continue") or [""])[0]
    start = token.removeprefix(f"{plural}-from-")
    if not limit.isdigit() or not (token == "" or start.isdigit()):
        return handler._send(400, status(400, "BadRequest", f"invalid limit or continue: {limit!r} {token!r}"))
    selected = _selected(handler, items, namespace)[int(start or 0) :]
    page = selected[: int(limit)] if int(limit) else selected
    doc = collection(kind, api, page, "1300")
    if len(page) < len(selected):  # the API pages a longer list: the rest is behind a `continue` token
        rest = {
            "continue": f"{plural}-from-{int(start or 0) + len(page)}",
            "remainingItemCount": len(selected) - len(page),
        }
        doc["metadata"] |= rest
    handler._send(200, doc)


def _path(group: str, version: str, plural: str) -> str:
    """The route of a namespaced collection: the core group ("") under /api, the others under /apis."""
    prefix = f"/apis/{re.escape(group)}/{version}" if group else f"/api/{version}"
    return f"{prefix}/namespaces/([^/]+)/{plural}"


def _lister(attr: str, kind: str, group: str, version: str, plural: str) -> Callable:
    """The route that lists the objects in `KubeState.<attr>` as the collection `plural` of `group`."""
    api = f"{group}/{version}" if group else version

    def get(handler, body, namespace):
        _list(handler, kind, api, plural, group, getattr(handler.st, attr), namespace)

    get.__name__ = f"get_{attr}"
    return get


class Route(NamedTuple):
    path: str  # a regular expression; its groups are the handler's arguments after the body
    get: Callable


# KubeState's field: kind, API group ("" is the core group), version, plural (the URL's and RBAC's name)
_LISTED = {
    "pods": ("Pod", "", "v1", "pods"),
    "events": ("Event", "", "v1", "events"),
    "deployments": ("Deployment", "apps", "v1", "deployments"),
    "statefulsets": ("StatefulSet", "apps", "v1", "statefulsets"),
    "services": ("Service", "", "v1", "services"),
    "ingresses": ("Ingress", "networking.k8s.io", "v1", "ingresses"),
    "secrets": ("Secret", "", "v1", "secrets"),
    "wandb": ("WeightsAndBiases", "apps.wandb.com", "v1", "weightsandbiases"),
}
_LISTERS = {attr: Route(_path(*spec[1:]), _lister(attr, *spec)) for attr, spec in _LISTED.items()}


def get_wandb(handler, body, namespace):
    if handler.st.crd is None:  # no CRD: the resource type does not exist
        return handler._send(404, status(404, "NotFound", "the server could not find the requested resource", {}))
    _LISTERS["wandb"].get(handler, body, namespace)


def _since(lines: list[str], seconds: int) -> list[str]:
    cutoff = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(seconds=seconds)
    kept = []
    for line in lines:
        m = _STAMP.match(line)
        if m is None or dt.datetime.fromisoformat(m.group(1)) >= cutoff:
            kept.append(line)
    return kept


def get_pod_log(handler, body, namespace, name):
    if handler._forbidden("pods/log", "", "get"):
        return
    found = [p for p in handler.st.pods if p["metadata"]["name"] == name and p["metadata"]["namespace"] == namespace]
    if not found:
        return handler._not_found("pods", "", name)
    statuses = found[0]["status"].get("containerStatuses") or []
    query = parse_qs(urlsplit(handler.path).query)
    first = query.get("container", [statuses[0]["name"] if statuses else ""])[0]
    cs = next((c for c in statuses if c["name"] == first), None)
    previous = query.get("previous", ["false"])[0] == "true"
    if previous:
        if cs is None or not cs["lastState"].get("terminated"):
            return handler._send(
                400, status(400, "BadRequest", f'previous terminated container "{first}" in pod "{name}" not found')
            )
        source = handler.st.previous_logs
    else:
        if cs is None or ("waiting" in cs["state"] and not cs["lastState"].get("terminated")):
            reason = cs["state"]["waiting"].get("reason", "") if cs else "PodInitializing"
            return handler._send(
                400, status(400, "BadRequest", f'container "{first}" in pod "{name}" is waiting to start: {reason}')
            )
        source = handler.st.logs
    is_first = bool(statuses) and first == statuses[0]["name"]
    lines = list(source.get(f"{name}/{first}", source.get(name, []) if is_first else []))
    since = int((query.get("sinceSeconds") or ["0"])[0] or 0)
    if since:
        lines = _since(lines, since)
    tail = int((query.get("tailLines") or ["0"])[0] or 0)
    if tail:
        lines = lines[-tail:]
    data = "".join(f"{line}\n" for line in lines).encode()
    limit = int((query.get("limitBytes") or ["0"])[0] or 0)
    if limit:
        data = data[:limit]
    handler.send_response(200)
    handler.send_header("Content-Type", "text/plain")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


SUPPORT_ROUTES: list[tuple[str, Callable]] = [
    _LISTERS["services"],
    _LISTERS["secrets"],
    _LISTERS["ingresses"],
    Route(_LISTERS["wandb"].path, get_wandb),
]


POD_ROUTES: list[tuple[str, Callable]] = [
    _LISTERS["pods"],
    Route(r"/api/v1/namespaces/([^/]+)/pods/([^/]+)/log", get_pod_log),
    _LISTERS["events"],
    _LISTERS["deployments"],
    _LISTERS["statefulsets"],
]
