"""The sizing advice for W&B's pods, from the application nodes' declared hardware: one rule, read by the
Hardware page's suggestion, the `deploy.resources` check (which warns below it) and the demo profile
(which follows it)."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Sizing:
    """Requests and limits per W&B pod (whole CPUs, whole GiB) and the replica count."""

    cpu_request: int
    memory_request_gib: int
    cpu_limit: int
    memory_limit_gib: int
    replicas: int

    def deploy_fields(self) -> dict:
        """As `deploy` answers (Kubernetes quantities)."""
        return {
            "cpu_request": str(self.cpu_request),
            "memory_request": f"{self.memory_request_gib}Gi",
            "cpu_limit": str(self.cpu_limit),
            "memory_limit": f"{self.memory_limit_gib}Gi",
            "replicas": self.replicas,
        }


def recommend(app, target: str = "kubernetes") -> Sizing | None:
    """The advice for application nodes `app` (answers.hardware.app), None until their cores and memory are
    declared: requests half the cores and a quarter of the memory (room for the node's other pods), limits
    all the cores and three quarters of the memory, one replica per node (docker-compose runs one)."""
    cores, memory = app.cpu_cores, app.memory_gib
    if not cores or not memory:
        return None
    return Sizing(
        cpu_request=max(math.floor(cores / 2), 1),
        memory_request_gib=max(math.floor(memory / 4), 1),
        cpu_limit=cores,
        memory_limit_gib=max(math.floor(memory * 0.75), 1),
        replicas=1 if target == "docker-compose" else (app.nodes or 1),
    )
