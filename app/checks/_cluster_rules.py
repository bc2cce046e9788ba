"""Pure verdicts of the live cluster checks (deploy_cluster.py collects, these judge)."""

from __future__ import annotations

from fractions import Fraction

from app.facts.quantity import parse_quantity
from app.i18n.message import N_, Text, msg


def unfit_node(node, cpu: Fraction, memory: Fraction) -> tuple[str, Text | None]:
    """(architecture, why the node cannot run one replica of `cpu` cores and `memory` bytes, or None)."""
    labels = node.metadata.labels or {}
    status = node.status
    arch = labels.get("kubernetes.io/arch") or (status.nodeInfo.architecture if status and status.nodeInfo else "?")
    ready = any(c.type == "Ready" and c.status == "True" for c in (status.conditions or [])) if status else False
    taints = [t.key for t in (node.spec.taints or []) if t.effect in ("NoSchedule", "NoExecute")] if node.spec else []
    alloc = (status.allocatable or {}) if status else {}
    if arch != "amd64":
        return arch, msg("%(arch)s (W&B images are x86-64 only)", arch=arch)
    if not ready:
        return arch, N_("not Ready")
    if node.spec and node.spec.unschedulable:
        return arch, N_("cordoned (unschedulable)")
    if taints:
        return arch, msg("tainted %(taints)s", taints=", ".join(taints))
    try:
        if parse_quantity(alloc.get("cpu", "0")) < cpu:
            return arch, msg("allocatable cpu %(cpu)s", cpu=alloc.get("cpu", 0))
        if parse_quantity(alloc.get("memory", "0")) < memory:
            return arch, msg("allocatable memory %(memory)s", memory=alloc.get("memory", 0))
    except ValueError:
        return arch, N_("allocatable resources unreadable")
    return arch, None
