"""Kubernetes facts shared by the drift reader, the upgrade preflight and the demo's API server:
where each kind the bundle applies lives in the API, and which W&B version pods run."""

from __future__ import annotations

# kind -> (apiVersion of its API group, plural in the URL path)
PLURALS = {
    "Namespace": ("v1", "namespaces"),
    "Secret": ("v1", "secrets"),
    "ConfigMap": ("v1", "configmaps"),
    "Service": ("v1", "services"),
    "Deployment": ("apps/v1", "deployments"),
    "Ingress": ("networking.k8s.io/v1", "ingresses"),
    "WeightsAndBiases": ("apps.wandb.com/v1", "weightsandbiases"),
    "PodDisruptionBudget": ("policy/v1", "poddisruptionbudgets"),
}
WANDB_CONTAINER = "wandb"


def running_versions(pods: list[dict], image: str) -> list[str]:
    """The tags of the W&B containers of `pods` (image repository ending in deploy.image)."""
    repo = image.rsplit("/", 2)[-2:] if "/" in image else [image]
    found = set()
    for pod in pods:
        for c in (pod.get("spec") or {}).get("containers", []):
            ref = c.get("image", "").split("@", 1)[0]
            name, _, tag = ref.rpartition(":") if ":" in ref.rsplit("/", 1)[-1] else (ref, "", "latest")
            if name.split("/")[-len(repo) :] == repo or c.get("name") == WANDB_CONTAINER:
                found.add(tag)
    return sorted(found)
