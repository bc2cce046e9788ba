"""The environment of the wandb/local container (REFERENCE.md, "The wandb/local container"),
shared by the Kubernetes Deployment and the compose service."""

from __future__ import annotations

from urllib.parse import urlsplit

from app.answers import Answers
from app.artifacts.connection import bucket_url, mysql_url
from app.secret import reveal

# The variables that carry a secret: Kubernetes keeps them in a Secret (secretKeyRef).
SECRET_ENV = ("LICENSE", "MYSQL", "BUCKET")
APP_PORT = 8080


def wandb_env(answers: Answers) -> dict[str, str]:
    """HOST, LICENSE, MYSQL, BUCKET, BUCKET_QUEUE, AWS_REGION (+ AWS_S3_KMS_ID), in that order.

    `answers` is the masked copy (see redact.mask): every secret is a literal here."""
    env = {
        "HOST": answers.host or "",
        "LICENSE": reveal(answers.license) or "",
        "MYSQL": mysql_url(answers),
        "BUCKET": bucket_url(answers),
        # Third-party stores have no SQS: W&B queues internally (REFERENCE.md, "Object store").
        "BUCKET_QUEUE": "internal://",
        "AWS_REGION": answers.object_store.region,
    }
    if answers.object_store.kms_key:
        env["AWS_S3_KMS_ID"] = answers.object_store.kms_key
    return env


def host_parts(answers: Answers) -> tuple[str, str, int]:
    """(scheme, hostname, port) of HOST; a missing host gives ("https", "", 443)."""
    parts = urlsplit(answers.host or "https://")
    scheme = parts.scheme or "https"
    port = parts.port or (443 if scheme == "https" else 80)
    return scheme, parts.hostname or "", port


def is_ip(hostname: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(hostname)
    except ValueError:
        return False
    return True
