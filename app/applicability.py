"""Which checks do not apply to the chosen deployment, folded into one line per reason.

A `docker-compose` target has no cluster, so its seven `deploy.cluster.*` checks all skip; listing
each one crowds the page. The UI and the HTML report show one line per reason instead ("7 Kubernetes
cluster checks do not apply to docker-compose"); the JSON report keeps every `skip` row (contract).
Decided from the answers (the same rules the checks apply), so pending rows fold too; only rows that
are skipped, pending or not run fold: a result from before the target changed stays visible.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from app.i18n.message import Text, msg, nmsg

KUBE_TARGETS = ("kubernetes", "helm-operator")
FOLDABLE = ("skip", "pending", "never")


def reason(check_id: str, answers) -> tuple[str, str] | None:
    """(group, subject) when `check_id` does not apply to the answers' deployment, else None."""
    target = answers.deploy.target
    kube_check = check_id.startswith("deploy.cluster.") or check_id == "verify.rollout"
    if kube_check and target not in KUBE_TARGETS:
        return "kube", target
    if check_id in ("deploy.node.docker", "deploy.node.ports") and target != "docker-compose":
        return "compose", target
    if check_id == "deploy.cluster.operator" and target != "helm-operator":
        return "operator", target
    if check_id == "deploy.cluster.cert_manager" and answers.tls.mode != "cert-manager":
        return "cert_manager", answers.tls.mode
    if check_id == "deploy.images" and not answers.deploy.registry:
        return "registry", ""
    return None


def label(group: str, subject: str, num: int) -> Text:
    """The fold line's text (a translatable message with its values)."""
    if group == "kube":
        return nmsg(
            "%(n)s Kubernetes cluster check does not apply to %(target)s",
            "%(n)s Kubernetes cluster checks do not apply to %(target)s",
            num,
            target=subject,
        )
    if group == "compose":
        return nmsg(
            "%(n)s Docker Compose check does not apply to %(target)s",
            "%(n)s Docker Compose checks do not apply to %(target)s",
            num,
            target=subject,
        )
    if group == "operator":
        return msg("The operator check does not apply to %(target)s", target=subject)
    if group == "registry":
        return msg("The private-registry check does not apply: no deploy.registry (images come from public registries)")
    return msg("The cert-manager check does not apply to TLS mode %(mode)s", mode=subject)


@dataclass
class Fold:
    group: str
    subject: str
    items: list = field(default_factory=list)

    @property
    def label(self) -> Text:
        return label(self.group, self.subject, len(self.items))

    @property
    def status(self) -> str:
        return "skip"


def fold(items: Iterable[Any], answers, *, key: Callable[[Any], tuple[str, str]] | None = None):
    """(shown, folds): `items` (rows or report check dicts) without the not-applicable ones, and one
    `Fold` per reason holding them, in order of first appearance. `key(item)` gives (id, status)."""
    key = key or (lambda item: (item["id"], item["status"]) if isinstance(item, dict) else (item.id, item.status))
    shown: list = []
    folds: dict = {}
    for item in items:
        check_id, status = key(item)
        why = reason(check_id, answers) if status in FOLDABLE else None
        if why is None:
            shown.append(item)
        else:
            folds.setdefault(why, Fold(*why)).items.append(item)
    return shown, list(folds.values())
