"""Registry credentials (SPEC §6 "Registry credentials"): the image pull Secret the pods name.

With `deploy.registry` and `deploy.registry_username`, kubernetes/wandb.yaml and
helm/registry-secret.yaml hold the `kubernetes.io/dockerconfigjson` Secret `wandb-registry`: its
`auths` entry for the registry host carries `username`, `password` and `auth` = base64 of
`user:password`, as `docker login` writes it (the kubelet reads `auth` first). The JSON is written by
a serialiser and handed to the API server through `stringData`, so any printable password comes back
exactly.

Redaction: a masked password is a sentinel (app.artifacts.redact); base64 of a sentinel would hide
it from the bundle's placeholder pass, so `auth` is then its own derived placeholder
`${WANDB_REGISTRY_AUTH}` (base64 of `user:password`), listed by the runbook.
"""

from __future__ import annotations

import base64
import json

from app.answers import Answers
from app.artifacts.redact import REGISTRY_AUTH, is_masked, sentinel
from app.secret import reveal

PULL_SECRET_NAME = "wandb-registry"
AUTH_PLACEHOLDER = REGISTRY_AUTH  # derived: base64 of registry_username:registry_password
PASSWORD_ENV = "WANDB_REGISTRY_PASSWORD"  # what the runbook's docker login / skopeo login read


def registry_host(answers: Answers) -> str:
    """The registry's host[:port] (the first component of `deploy.registry`), as `auths` keys it."""
    return (answers.deploy.registry or "").split("/", 1)[0]


def has_credentials(answers: Answers) -> bool:
    """Whether the bundle carries registry credentials (a registry and its user are answered)."""
    d = answers.deploy
    return bool(d.registry and d.registry_username)


def auth_value(username: str, password: str) -> str:
    """`auth` of a docker config entry: base64 of `user:password` (a placeholder when masked)."""
    if is_masked(password):
        return sentinel(AUTH_PLACEHOLDER)
    return base64.b64encode(f"{username}:{password}".encode()).decode()


def docker_config(answers: Answers) -> str:
    """The `.dockerconfigjson` text (`answers` is the masked copy)."""
    user = answers.deploy.registry_username or ""
    password = reveal(answers.deploy.registry_password) or ""
    entry = {"username": user, "password": password, "auth": auth_value(user, password)}
    return json.dumps({"auths": {registry_host(answers): entry}}, ensure_ascii=False, sort_keys=True)


def pull_secret(answers: Answers, labels: dict) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": PULL_SECRET_NAME, "namespace": answers.deploy.namespace, "labels": dict(labels)},
        "type": "kubernetes.io/dockerconfigjson",
        "stringData": {".dockerconfigjson": docker_config(answers)},
    }


def pull_secret_refs(answers: Answers) -> list[dict]:
    """`imagePullSecrets` of every pod spec (empty without credentials)."""
    return [{"name": PULL_SECRET_NAME}] if has_credentials(answers) else []


def name_pull_secret(docs: list[dict], answers: Answers) -> list[dict]:
    """Add the pull Secret to every pod template among `docs` (returns `docs`)."""
    refs = pull_secret_refs(answers)
    if refs:
        for doc in docs:
            pod = ((doc.get("spec") or {}).get("template") or {}).get("spec")
            if isinstance(pod, dict):
                pod["imagePullSecrets"] = [dict(r) for r in refs]
    return docs


def runbook_context(answers: Answers) -> dict:
    """What templates/artifacts/_registry.*.md.j2 need."""
    d = answers.deploy
    return {
        "on": has_credentials(answers),
        "registry": d.registry or "",
        "host": registry_host(answers),
        "username": d.registry_username or "",
        "password_env": PASSWORD_ENV,
        "secret": PULL_SECRET_NAME,
        "ca_pem": d.registry_ca_pem or "",
        "auth_placeholder": AUTH_PLACEHOLDER,
    }
