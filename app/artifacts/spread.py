"""Several W&B replicas on the kubernetes target: spread over nodes and keep some running through
voluntary disruptions (node drains, cluster upgrades).

`topologySpreadConstraints` on `kubernetes.io/hostname` with `ScheduleAnyway`: replicas go to
different nodes when there are enough, and still schedule on a small cluster (the deploy.cluster.nodes
check warns when there are fewer suitable nodes than replicas). A PodDisruptionBudget with
`maxUnavailable: 1` lets a drain evict one replica at a time.
"""

from __future__ import annotations

from app.answers import Answers


def spread(answers: Answers, labels: dict) -> dict:
    """Pod spec fields to add for replicas > 1 (empty for one replica)."""
    if answers.deploy.replicas <= 1:
        return {}
    return {
        "topologySpreadConstraints": [
            {
                "maxSkew": 1,
                "topologyKey": "kubernetes.io/hostname",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": dict(labels)},
            }
        ]
    }


def disruption_budget(answers: Answers, meta: dict, labels: dict) -> list[dict]:
    """[PodDisruptionBudget] for replicas > 1, else []."""
    if answers.deploy.replicas <= 1:
        return []
    return [
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": meta,
            "spec": {"maxUnavailable": 1, "selector": {"matchLabels": dict(labels)}},
        }
    ]
