"""Pods, events, logs and workloads of the Kubernetes API stand-in: the objects live in
app/demo/kube_objects.py and the routes in app/demo/kube_api.py (shared with the demo's cluster)."""

from app.demo.kube_api import POD_ROUTES as ROUTES  # noqa: F401 (re-exported)
from app.demo.kube_objects import NS, TS, pod, scheduling_event, workloads_from_chart  # noqa: F401
