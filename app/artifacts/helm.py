"""helm/: operator-wandb chart values and the WeightsAndBiases custom resource (docs/architecture.md,
"Helm / operator"). The CR's spec.values are exactly the chart values.

The chart builds MYSQL and BUCKET by Kubernetes `$(VAR)` expansion of the raw `global.mysql.*` and
`global.bucket.*` values, without escaping (docs/architecture.md, "The chart does not escape"), so the user
info parts are written percent-encoded here: W&B (Go's net/url) and the chart's init-db job
(Python's unquote_plus) then both read back the exact values. tests/test_consumers_helm.py proves
it with the real chart.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from app.answers import Answers
from app.artifacts.connection import userinfo
from app.artifacts.images import chart_spec, chart_values
from app.artifacts.kubernetes import LABELS, TLS_SECRET_NAME
from app.artifacts.registry import has_credentials, pull_secret, pull_secret_refs
from app.artifacts.serialize import dump_yaml
from app.artifacts.wandb_env import HOST_CA_FILE, STORE_CA_FILE, host_parts, trusted_cas
from app.facts.hosts import is_ip
from app.secret import reveal


def _chart_scalar(value: str) -> str:
    """A `global.bucket.*` value as the chart needs it: its "wandb.bucket" helper pastes each value
    unquoted into YAML text and reads it back with `fromYaml`, so a percent-encoded key starting
    with `%` (a YAML directive), `~`, digits or `true` would be misread or fail. A JSON string is a
    YAML double-quoted scalar: `fromYaml` gives back exactly `value`."""
    return json.dumps(value)


def helm_values(answers: Answers) -> dict:
    """operator-wandb values (`answers` is the masked copy)."""
    db, store, tls = answers.database, answers.object_store, answers.tls
    endpoint = urlsplit(store.endpoint or "")
    path = store.bucket or ""
    if endpoint.scheme == "https":
        path += "?tls=true"
    bucket = {
        "provider": "s3",
        "name": _chart_scalar(endpoint.netloc),
        "path": _chart_scalar(path),
        "region": _chart_scalar(store.region),
        "accessKey": _chart_scalar(userinfo(store.access_key or "")),
        "secretKey": _chart_scalar(userinfo(reveal(store.secret_key) or "")),
        # Must stay empty outside AWS (docs/architecture.md, "Object store").
        "kmsKey": _chart_scalar(store.kms_key or ""),
    }
    mysql: dict = {
        "host": db.host or "",
        "port": db.port,
        "database": db.name,
        "user": userinfo(db.user),
        "password": userinfo(reveal(db.password) or ""),
    }
    if db.ca_pem:  # mounted as /etc/ssl/certs/mysql_ca.pem; init-db then verifies the CA
        mysql["caCert"] = db.ca_pem
    glob: dict = {
        "host": answers.host or "",
        "license": reveal(answers.license) or "",
        "mysql": mysql,
        "bucket": bucket,
    }
    pulls = pull_secret_refs(answers)
    if pulls:  # helm/registry-secret.yaml holds it; the chart's pods name it (tests/test_registry_helm.py)
        glob["imagePullSecrets"] = pulls
    cas = trusted_cas(answers)
    custom = list(dict.fromkeys(cas[n] for n in (STORE_CA_FILE, HOST_CA_FILE) if n in cas))
    if custom:  # private CAs W&B must trust: the object store's, W&B's own certificate's
        glob["customCACerts"] = custom
    _, hostname, _ = host_parts(answers)
    annotations = {"nginx.ingress.kubernetes.io/proxy-body-size": "0"}
    if tls.mode == "cert-manager" and tls.issuer:
        annotations["cert-manager.io/cluster-issuer"] = tls.issuer
    ingress: dict = {"class": answers.deploy.ingress_class, "annotations": annotations}
    if tls.mode in ("provided", "cert-manager") and hostname and not is_ip(hostname):
        ingress["tls"] = [{"secretName": TLS_SECRET_NAME, "hosts": [hostname]}]
    d = answers.deploy
    # app.image (image:version, registry applied) comes from chart_values: the chart's default is wandb/local:latest.
    app: dict = {
        "resources": {
            "requests": {"cpu": d.cpu_request, "memory": d.memory_request},
            "limits": {"cpu": d.cpu_limit, "memory": d.memory_limit},
        }
    }
    return chart_values(answers, {"global": glob, "mysql": {"install": False}, "ingress": ingress, "app": app})


def values_yaml(answers: Answers) -> str:
    return dump_yaml(helm_values(answers))


def wandb_cr(answers: Answers) -> dict:
    return {
        "apiVersion": "apps.wandb.com/v1",
        "kind": "WeightsAndBiases",
        "metadata": {
            "name": "wandb",
            "namespace": answers.deploy.namespace,
            "labels": {"app.kubernetes.io/name": "weightsandbiases", "app.kubernetes.io/instance": "wandb"},
        },
        "spec": {**({"chart": chart_spec(answers)} if chart_spec(answers) else {}), "values": helm_values(answers)},
    }


def cr_yaml(answers: Answers) -> str:
    return dump_yaml(wandb_cr(answers))


def registry_secret_yaml(answers: Answers) -> str | None:
    """helm/registry-secret.yaml, only with credentials (the pull Secret app/artifacts/registry.py
    builds, with the kubernetes artifact's labels)."""
    if not has_credentials(answers):
        return None
    return dump_yaml(pull_secret(answers, LABELS))
