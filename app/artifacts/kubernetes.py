"""kubernetes/wandb.yaml: Namespace, Secret(s), Deployment, Service, Ingress (§6).

Improves on the seed's example (docs/architecture.md): secrets in a Secret read through secretKeyRef, a
pinned image, ingressClassName, an unlimited proxy body size, probes that allow 10 minutes of
migrations, and a TLS block from the provided certificate or a cert-manager ClusterIssuer.
"""

from __future__ import annotations

import hashlib
import hmac

from app.answers import Answers
from app.artifacts.mirror import app_image
from app.artifacts.redact import is_masked, sentinel
from app.artifacts.registry import has_credentials, name_pull_secret, pull_secret
from app.artifacts.serialize import dump_yaml_all
from app.artifacts.spread import disruption_budget, spread
from app.artifacts.wandb_env import APP_PORT, CA_DIR, SECRET_ENV, host_parts, trusted_cas, wandb_env
from app.facts.hosts import is_ip
from app.secret import reveal

NAME = "wandb"
SECRET_NAME = "wandb-secrets"
TLS_SECRET_NAME = "wandb-tls"
SESSION_SECRET_NAME = "wandb-gorilla-session-key"  # the operator chart's name for the same Secret
SESSION_PLACEHOLDER = "WANDB_SESSION_KEY"
CA_CONFIGMAP_NAME = "wandb-ca-certs"
LABELS = {"app.kubernetes.io/name": "wandb", "app.kubernetes.io/instance": NAME}
STARTUP_SECONDS = 600  # W&B runs its migrations before /ready answers (docs/architecture.md)


def image_ref(answers: Answers) -> str:
    """The W&B image, `deploy.registry` applied."""
    return app_image(answers)


def _meta(answers: Answers, name: str) -> dict:
    return {"name": name, "namespace": answers.deploy.namespace, "labels": dict(LABELS)}


def _probe(path: str, period: int, failures: int) -> dict:
    return {
        "httpGet": {"path": path, "port": "http"},
        "periodSeconds": period,
        "timeoutSeconds": 5,
        "failureThreshold": failures,
    }


def session_key(answers: Answers) -> str | None:
    """GORILLA_SESSION_KEY shared by every replica (with an external Redis), or None.

    Plain manifests cannot generate a random Secret, and the bundle must be deterministic: the key
    is derived (HMAC-SHA256) from deploy.redis_url, a secret every replica already shares. When the
    Redis URL is a placeholder, so is the key (`${WANDB_SESSION_KEY}`: any random string)."""
    redis = reveal(answers.deploy.redis_url)
    if not redis:
        return None
    if is_masked(redis):
        return sentinel(SESSION_PLACEHOLDER)
    return hmac.new(
        redis.encode(), b"wbsetup gorilla session key\0" + answers.profile.encode(), hashlib.sha256
    ).hexdigest()


def deployment(answers: Answers) -> dict:
    d = answers.deploy
    env = []
    for key, value in wandb_env(answers).items():
        if key in SECRET_ENV:
            env.append({"name": key, "valueFrom": {"secretKeyRef": {"name": SECRET_NAME, "key": key}}})
        else:
            env.append({"name": key, "value": value})
    if session_key(answers) is not None:
        env.append(
            {
                "name": "GORILLA_SESSION_KEY",
                "valueFrom": {"secretKeyRef": {"name": SESSION_SECRET_NAME, "key": "GORILLA_SESSION_KEY"}},
            }
        )
    cas = trusted_cas(answers)
    container = {
        "name": "wandb",
        "image": image_ref(answers),
        "imagePullPolicy": "IfNotPresent",
        "env": env,
        "ports": [{"name": "http", "containerPort": APP_PORT, "protocol": "TCP"}],
        "startupProbe": _probe("/ready", 10, STARTUP_SECONDS // 10),
        "livenessProbe": _probe("/healthz", 10, 3),
        "readinessProbe": _probe("/ready", 5, 3),
        "resources": {
            "requests": {"cpu": d.cpu_request, "memory": d.memory_request},
            "limits": {"cpu": d.cpu_limit, "memory": d.memory_limit},
        },
    }
    pod: dict = {"containers": [container]}
    if cas:  # each CA as a file in /etc/ssl/certs, where Go reads trusted CAs
        container["volumeMounts"] = [
            {"name": "ca-certs", "mountPath": f"{CA_DIR}/{f}", "subPath": f, "readOnly": True} for f in cas
        ]
        pod["volumes"] = [{"name": "ca-certs", "configMap": {"name": CA_CONFIGMAP_NAME}}]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(answers, NAME),
        "spec": {
            "replicas": d.replicas,
            "strategy": {"type": "RollingUpdate"},
            "selector": {"matchLabels": dict(LABELS)},
            "template": {"metadata": {"labels": dict(LABELS)}, "spec": {**pod, **spread(answers, LABELS)}},
        },
    }


def ingress(answers: Answers) -> dict:
    _, hostname, _ = host_parts(answers)
    annotations = {"nginx.ingress.kubernetes.io/proxy-body-size": "0"}  # W&B uploads large files
    tls = answers.tls
    if tls.mode == "cert-manager" and tls.issuer:
        annotations["cert-manager.io/cluster-issuer"] = tls.issuer
    rule: dict = {
        "http": {
            "paths": [
                {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": NAME, "port": {"name": "http"}}}}
            ]
        }
    }
    # An Ingress rule's host must be a DNS name; an IP HOST gets a rule for every host name.
    if hostname and not is_ip(hostname):
        rule = {"host": hostname, **rule}
    spec: dict = {"ingressClassName": answers.deploy.ingress_class, "rules": [rule]}
    if tls.mode in ("provided", "cert-manager") and hostname and not is_ip(hostname):
        spec["tls"] = [{"hosts": [hostname], "secretName": TLS_SECRET_NAME}]
    meta = _meta(answers, NAME)
    meta["annotations"] = annotations
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": meta, "spec": spec}


def kubernetes_docs(answers: Answers) -> list[dict]:
    """The documents of kubernetes/wandb.yaml, in apply order. `answers` is the masked copy."""
    env = wandb_env(answers)
    docs = [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": answers.deploy.namespace, "labels": dict(LABELS)},
        },
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": _meta(answers, SECRET_NAME),
            "type": "Opaque",
            # stringData: the API server stores exactly these strings (base64 is its business).
            "stringData": {key: env[key] for key in SECRET_ENV if key in env},
        },
    ]
    if has_credentials(answers):  # the image pull Secret every pod spec names (SPEC §6)
        docs.append(pull_secret(answers, LABELS))
    key = session_key(answers)
    if key is not None:
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": _meta(answers, SESSION_SECRET_NAME),
                "type": "Opaque",
                "stringData": {"GORILLA_SESSION_KEY": key},
            }
        )
    cas = trusted_cas(answers)
    if cas:
        docs.append(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _meta(answers, CA_CONFIGMAP_NAME), "data": dict(cas)}
        )
    if answers.tls.mode == "provided":
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": _meta(answers, TLS_SECRET_NAME),
                "type": "kubernetes.io/tls",
                "stringData": {"tls.crt": answers.tls.cert_pem or "", "tls.key": reveal(answers.tls.key_pem) or ""},
            }
        )
    docs += [
        deployment(answers),
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": _meta(answers, NAME),
            "spec": {
                "type": answers.deploy.service_type,
                "selector": dict(LABELS),
                "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}],
            },
        },
        ingress(answers),
        *disruption_budget(answers, _meta(answers, NAME), LABELS),
    ]
    return name_pull_secret(docs, answers)


def kubernetes_yaml(answers: Answers) -> str:
    return dump_yaml_all(kubernetes_docs(answers))
