"""The provided certificate as files the runbook applies (§6): helm/tls-secret.yaml for the
helm-operator target (the same `kubernetes.io/tls` Secret as in kubernetes/wandb.yaml) and
docker-compose/tls/tls.crt|key where the compose project's nginx service reads them (`./tls`).
Nothing without `tls.mode: provided`; a redacted key is its placeholder `${WANDB_TLS_KEY}`."""

from __future__ import annotations

from app.answers import Answers
from app.artifacts.kubernetes import tls_secret
from app.artifacts.serialize import dump_yaml
from app.secret import reveal

HELM_TLS_SECRET = "helm/tls-secret.yaml"
COMPOSE_TLS_CERT = "docker-compose/tls/tls.crt"  # compose.TLS_DIR, mounted as /etc/nginx/tls
COMPOSE_TLS_KEY = "docker-compose/tls/tls.key"


def _provided(answers: Answers) -> bool:
    return answers.tls.mode == "provided"


def tls_secret_yaml(answers: Answers) -> str | None:
    return dump_yaml(tls_secret(answers)) if _provided(answers) else None


def compose_cert(answers: Answers) -> str | None:
    """The certificate chain, leaf first, as given (nginx's ssl_certificate)."""
    return _pem(answers.tls.cert_pem) if _provided(answers) else None


def compose_key(answers: Answers) -> str | None:
    return _pem(reveal(answers.tls.key_pem)) if _provided(answers) else None


def _pem(text: str | None) -> str:
    text = text or ""
    return text if text.endswith("\n") else text + "\n"
