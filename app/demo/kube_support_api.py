"""Routes of the simulated Kubernetes API that a support bundle reads (app/support/cluster.py): pod logs
with the kubelet's parameters, Services, Ingresses, Secrets and the WeightsAndBiases resource.

Pod logs follow the API's rules: `container` (default: the pod's first container), `previous=true` (the
last terminated instance; 400 when the container never restarted), `sinceSeconds` (lines whose leading
RFC 3339 timestamp is older are dropped, as the kubelet does with its entry times), then `tailLines`,
then `limitBytes` (the output is cut at that many bytes). A list asked with `limit` answers that many
items and, when there are more, `metadata.continue` and `remainingItemCount`, as the API server pages. A container that is waiting and never ran
answers 400. Logs live in `KubeState.logs` / `KubeState.previous_logs`, keyed by "pod/container" or
by the pod's name (its first container). Lists honour `KubeState.forbidden` (403) like the others, and
labelSelector / fieldSelector (involvedObject.name) as verify.rollout sends them; the pod routes
(pods, events, Deployments, StatefulSets) live here too.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
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
    selected = _selected(handler, items, namespace)
    limit = int((parse_qs(urlsplit(handler.path).query).get("limit") or ["0"])[0] or 0)
    doc = collection(kind, api, selected[:limit] if limit else selected, "1300")
    if limit and len(selected) > limit:  # the API pages a longer list: the rest is behind a `continue` token
        doc["metadata"] |= {"continue": f"page-2-of-{plural}", "remainingItemCount": len(selected) - limit}
    handler._send(200, doc)


def _path(group: str, version: str, plural: str) -> str:
    """The route of a namespaced collection: the core group ("") under /api, the others under /apis."""
    prefix = f"/apis/{re.escape(group)}/{version}" if group else f"/api/{version}"
    return f"{prefix}/namespaces/([^/]+)/{plural}"


def _lister(kind: str, group: str, version: str, plural: str, attr: str) -> Callable:
    """The route that lists the objects in `KubeState.<attr>` as the collection `plural` of `group`."""
    api = f"{group}/{version}" if group else version

    def get(handler, body, namespace):
        _list(handler, kind, api, plural, group, getattr(handler.st, attr), namespace)

    get.__name__ = f"get_{attr}"
    return get


# kind, API group ("" is the core group), version, plural (the URL's and RBAC's name), KubeState's field
_LISTED = {
    "pods": ("Pod", "", "v1", "pods", "pods"),
    "events": ("Event", "", "v1", "events", "events"),
    "deployments": ("Deployment", "apps", "v1", "deployments", "deployments"),
    "statefulsets": ("StatefulSet", "apps", "v1", "statefulsets", "statefulsets"),
    "services": ("Service", "", "v1", "services", "services"),
    "ingresses": ("Ingress", "networking.k8s.io", "v1", "ingresses", "ingresses"),
    "secrets": ("Secret", "", "v1", "secrets", "secrets"),
    "wandb": ("WeightsAndBiases", "apps.wandb.com", "v1", "weightsandbiases", "wandb"),
}
_LISTERS = {name: (_path(*spec[1:4]), _lister(*spec)) for name, spec in _LISTED.items()}


def get_wandb(handler, body, namespace):
    if handler.st.crd is None:  # no CRD: the resource type does not exist
        return handler._send(404, status(404, "NotFound", "the server could not find the requested resource", {}))
    _LISTERS["wandb"][1](handler, body, namespace)


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
    (_LISTERS["wandb"][0], get_wandb),
]


POD_ROUTES: list[tuple[str, Callable]] = [
    _LISTERS["pods"],
    (r"/api/v1/namespaces/([^/]+)/pods/([^/]+)/log", get_pod_log),
    _LISTERS["events"],
    _LISTERS["deployments"],
    _LISTERS["statefulsets"],
]
