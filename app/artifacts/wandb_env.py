"""The environment of the wandb/local container (docs/architecture.md, "The wandb/local container"),
shared by the Kubernetes Deployment and the compose service, and the CA files it must trust."""

from __future__ import annotations

from app.answers import Answers
from app.artifacts.connection import bucket_url, mysql_url
from app.facts.hosts import HostURL, split_host
from app.secret import reveal

# The variables that carry a secret: Kubernetes keeps them in a Secret (secretKeyRef).
SECRET_ENV = ("LICENSE", "MYSQL", "BUCKET", "REDIS")
APP_PORT = 8080

# Where W&B's Go runtime reads trusted CAs: crypto/x509 (root_linux.go) reads every file in
# /etc/ssl/certs besides the bundle file. The database CA keeps the operator chart's file name.
CA_DIR = "/etc/ssl/certs"
MYSQL_CA_FILE = "mysql_ca.pem"
STORE_CA_FILE = "wandb-object-store-ca.pem"
HOST_CA_FILE = "wandb-host-ca.pem"


def trusted_cas(answers: Answers) -> dict[str, str]:
    """{file name under CA_DIR: PEM} W&B must trust: the MySQL CA (database.ca_pem), the object
    store's private CA (object_store.ca_pem) and the CA of W&B's own certificate (tls.ca_pem: W&B's
    services call HOST)."""
    out = {}
    for name, pem in (
        (MYSQL_CA_FILE, answers.database.ca_pem),
        (STORE_CA_FILE, answers.object_store.ca_pem),
        (HOST_CA_FILE, answers.tls.ca_pem),
    ):
        if pem:
            out[name] = pem
    return out


def wandb_env(answers: Answers) -> dict[str, str]:
    """HOST, LICENSE, MYSQL, BUCKET, BUCKET_QUEUE, AWS_REGION (+ AWS_S3_KMS_ID, MYSQL_CA_CERT_PATH,
    REDIS), in that order.

    `answers` is the masked copy (see redact.mask): every secret is a literal here."""
    env = {
        "HOST": answers.host or "",
        "LICENSE": reveal(answers.license) or "",
        "MYSQL": mysql_url(answers),
        "BUCKET": bucket_url(answers),
        # Third-party stores have no SQS: W&B queues internally (docs/architecture.md, "Object store").
        "BUCKET_QUEUE": "internal://",
        "AWS_REGION": answers.object_store.region,
    }
    if answers.object_store.kms_key:
        env["AWS_S3_KMS_ID"] = answers.object_store.kms_key
    if answers.database.ca_pem:  # as the operator chart sets it
        env["MYSQL_CA_CERT_PATH"] = f"{CA_DIR}/{MYSQL_CA_FILE}"
    redis = reveal(answers.deploy.redis_url)
    if redis:  # an external Redis 7 instead of the one inside the container
        env["REDIS"] = redis
    return env


def host_parts(answers: Answers) -> HostURL:
    """(scheme, hostname, port) of HOST; a missing host gives ("https", "", 443)."""
    return split_host(answers.host)
