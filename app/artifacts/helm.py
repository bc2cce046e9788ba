"""helm/: operator-wandb chart values and the WeightsAndBiases custom resource (REFERENCE.md,
"Helm / operator"). The CR's spec.values are exactly the chart values."""

from __future__ import annotations

from urllib.parse import urlsplit

from app.answers import Answers
from app.artifacts.images import chart_spec, chart_values
from app.artifacts.kubernetes import TLS_SECRET_NAME
from app.artifacts.serialize import dump_yaml
from app.artifacts.wandb_env import host_parts, is_ip
from app.secret import reveal


def helm_values(answers: Answers) -> dict:
    """operator-wandb values (`answers` is the masked copy)."""
    db, store, tls = answers.database, answers.object_store, answers.tls
    endpoint = urlsplit(store.endpoint or "")
    path = store.bucket or ""
    if endpoint.scheme == "https":
        path += "?tls=true"
    bucket = {"provider": "s3", "name": endpoint.netloc, "path": path, "region": store.region,
              "accessKey": store.access_key or "", "secretKey": reveal(store.secret_key) or "",
              # Must stay empty outside AWS (REFERENCE.md, "Object store").
              "kmsKey": store.kms_key or ""}
    glob: dict = {
        "host": answers.host or "",
        "license": reveal(answers.license) or "",
        "mysql": {"host": db.host or "", "port": db.port, "database": db.name, "user": db.user,
                  "password": reveal(db.password) or ""},
        "bucket": bucket,
    }
    if store.ca_pem:  # a private CA: W&B must trust it to reach the store
        glob["customCACerts"] = [store.ca_pem]
    _, hostname, _ = host_parts(answers)
    annotations = {"nginx.ingress.kubernetes.io/proxy-body-size": "0"}
    if tls.mode == "cert-manager" and tls.issuer:
        annotations["cert-manager.io/cluster-issuer"] = tls.issuer
    ingress: dict = {"class": answers.deploy.ingress_class, "annotations": annotations}
    if tls.mode in ("provided", "cert-manager") and hostname and not is_ip(hostname):
        ingress["tls"] = [{"secretName": TLS_SECRET_NAME, "hosts": [hostname]}]
    d = answers.deploy
    # No app.image: the operator pins one consistent set of images for all W&B services.
    app: dict = {"resources": {"requests": {"cpu": d.cpu_request, "memory": d.memory_request},
                               "limits": {"cpu": d.cpu_limit, "memory": d.memory_limit}}}
    return chart_values(answers, {"global": glob, "mysql": {"install": False},
                                  "ingress": ingress, "app": app})


def values_yaml(answers: Answers) -> str:
    return dump_yaml(helm_values(answers))


def wandb_cr(answers: Answers) -> dict:
    return {
        "apiVersion": "apps.wandb.com/v1",
        "kind": "WeightsAndBiases",
        "metadata": {"name": "wandb", "namespace": answers.deploy.namespace,
                     "labels": {"app.kubernetes.io/name": "weightsandbiases", "app.kubernetes.io/instance": "wandb"}},
        "spec": {**({"chart": chart_spec(answers)} if chart_spec(answers) else {}),
                 "values": helm_values(answers)},
    }


def cr_yaml(answers: Answers) -> str:
    return dump_yaml(wandb_cr(answers))
