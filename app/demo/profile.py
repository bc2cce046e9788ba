"""The prefilled demo profile: every field filled so every step's checks pass against the demo's
simulated infrastructure, with hardware sized above W&B's requirements (§4.1)."""

from __future__ import annotations

from app.answers import Answers, AppNodes, parse_document
from app.sizing import recommend
from app.suggest import DEMO_PROFILE

PROFILE = DEMO_PROFILE
IMAGE_VERSION = "0.70.0"


def demo_document(
    *,
    mysql_port: int,
    mysql_password: str,
    s3_endpoint: str,
    bucket: str,
    region: str,
    access_key: str,
    secret_key: str,
    host: str,
    cert_pem: str,
    key_pem: str,
    ca_pem: str,
    kubeconfig: str | None = None,
    api_key: str | None = None,
    registry: str | None = None,
    registry_username: str | None = None,
    registry_password: str | None = None,
) -> dict:
    """The answers document of the demo profile (secrets as literal values: the store encrypts them).
    The target is helm-operator on the simulated cluster (`kubeconfig`), so every cluster check,
    including the operator's CRD, runs live; `api_key` is the W&B stand-in's, for the Verify page;
    `registry` and its credentials are the simulated private registry's (app/demo/registry.py)."""
    node = {"cpu_cores": 8, "disk_mbps": 5000, "nics": 2, "nic_gbps": 10}
    app_nodes = {"nodes": 2, "arch": "x86_64", "memory_gib": 32, "disk_gb": 200, **node}
    # The demo is an example of the Hardware page's advice (app/sizing.py): requests 4 CPU / 8Gi, 2 replicas.
    sizing = recommend(AppNodes(**app_nodes), "helm-operator")
    assert sizing is not None
    return {
        "schema": 1,
        "profile": PROFILE,
        "requirements": "current",
        "language": "en",
        "host": host,
        "license": "DEMO-LICENSE-not-a-real-license",
        "hardware": {
            "app": app_nodes,
            "database": {"memory_gib": 64, "disk_gb": 1000, **node},
        },
        "database": {
            "host": "127.0.0.1",
            "port": mysql_port,
            "name": "wandb_local",
            "user": "wandb_local",
            "password": mysql_password,
            "tls": "preferred",
        },
        "object_store": {
            "endpoint": s3_endpoint,
            "bucket": bucket,
            "region": region,
            "access_key": access_key,
            "secret_key": secret_key,
            "path_style": True,
        },
        # The demo CA is private: tls.chain warns that W&B and every client must trust it (customCACerts).
        "tls": {"mode": "provided", "cert_pem": cert_pem, "key_pem": key_pem, "ca_pem": ca_pem},
        "deploy": {
            "target": "helm-operator",
            "version": IMAGE_VERSION,
            "namespace": "wandb",
            **sizing.deploy_fields(),
            "ingress_class": "nginx",
            "kubeconfig": kubeconfig,
            "registry": registry,
            "registry_username": registry_username,
            "registry_password": registry_password,
        },
        "verify": {"api_key": api_key},
    }


def demo_answers(**kw) -> Answers:
    """`demo_document(**kw)` as validated Answers."""
    return parse_document(demo_document(**kw))
