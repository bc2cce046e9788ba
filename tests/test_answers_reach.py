"""No answer is silently dropped (SPEC §2): every key of the answers schema either changes an
artifact of the bundle when its value changes, or is on the wizard-only list (used by wbsetup's own
checks and actions; the runbook says so). A new key fails here until someone decides which.

The consumer tests (tests/test_consumers_*.py) prove that what reaches an artifact also reaches W&B."""

from __future__ import annotations

import pytest

from app.answers import json_schema
from app.artifacts.bundle import build_bundle
from tests.bundle_corpus import answers, plain_document

# SPEC §2: used only by the wizard's checks and actions.
WIZARD_ONLY = {
    "database.admin_user",
    "database.admin_password",
    "deploy.kubeconfig",
    "deploy.context",
    "verify.api_key",
}
WIZARD_ONLY_PREFIXES = ("hardware.",)
CONSTANT = {"schema"}  # one allowed value: nothing to vary
PEM_A = "-----BEGIN CERTIFICATE-----\nMIIBalternativeA\n-----END CERTIFICATE-----\n"
PEM_B = "-----BEGIN CERTIFICATE-----\nMIIBalternativeB\n-----END CERTIFICATE-----\n"

# key → (another valid value, {other key: value} that makes the key matter, e.g. tls.issuer needs
# cert-manager). The base profile is tests.bundle_corpus.plain_document (kubernetes, provided TLS).
VARIANTS: dict[str, tuple] = {
    "profile": ("other-prod", {}),
    "requirements": ("baseline-8.0.28", {}),
    "language": ("ko", {}),
    "host": ("https://wandb.other.internal", {}),
    "license": ("license-other", {}),
    "database.host": ("mysql.other.internal", {}),
    "database.port": (3307, {}),
    "database.name": ("wandb_other", {}),
    "database.user": ("wandb_other", {}),
    "database.password": ("other-password", {}),
    "database.tls": ("required", {}),
    "database.ca_pem": (PEM_A, {}),
    "object_store.endpoint": ("https://s3.other.internal:9000", {}),
    "object_store.bucket": ("other-files", {}),
    "object_store.region": ("eu-west-1", {}),
    "object_store.access_key": ("AKIAOTHER", {}),
    "object_store.secret_key": ("other-secret", {}),
    "object_store.ca_pem": (PEM_B, {}),
    "object_store.path_style": (False, {}),
    "object_store.kms_key": ("arn:aws:kms:us-east-1:1:key/x", {}),
    "tls.mode": ("external", {}),
    "tls.cert_pem": (PEM_A, {}),
    "tls.key_pem": ("-----BEGIN PRIVATE KEY-----\nMIIEother\n-----END PRIVATE KEY-----\n", {}),
    "tls.ca_pem": (PEM_B, {}),
    "tls.issuer": ("letsencrypt-other", {"tls.mode": "cert-manager"}),
    "deploy.target": ("helm-operator", {}),
    "deploy.image": ("registry.acme.internal/wandb/local", {}),
    "deploy.version": ("0.71.0", {}),
    "deploy.namespace": ("wandb-other", {}),
    "deploy.replicas": (3, {"deploy.redis_url": "redis://redis.acme.internal:6379/0"}),
    "deploy.registry": ("registry.acme.internal/mirror", {}),
    "deploy.registry_username": ("puller-other", {"deploy.registry": "registry.acme.internal/mirror"}),
    "deploy.registry_password": (
        "other-registry-password",
        {"deploy.registry": "registry.acme.internal/mirror", "deploy.registry_username": "puller"},
    ),
    "deploy.registry_ca_pem": (PEM_A, {"deploy.registry": "registry.acme.internal/mirror"}),
    "deploy.chart_repo": ("https://charts.acme.internal/wandb", {"deploy.target": "helm-operator"}),
    "deploy.chart_version": ("0.43.9", {"deploy.target": "helm-operator"}),
    "operations.backup_dir": ("/srv/backups/other", {}),
    "operations.backup_retention_days": (14, {}),
    "operations.backup_hour": (5, {}),
    "deploy.service_type": ("NodePort", {}),
    "deploy.ingress_class": ("traefik", {}),
    "deploy.cpu_request": ("1", {}),
    "deploy.memory_request": ("2Gi", {}),
    "deploy.cpu_limit": ("3", {}),
    "deploy.memory_limit": ("6Gi", {}),
    "deploy.redis_url": ("redis://:pw@redis.acme.internal:6379/0", {}),
}


def schema_keys() -> list[str]:
    """Every leaf key of the answers JSON Schema, dotted."""
    schema = json_schema()
    defs = schema.get("$defs", {})

    def resolve(node: dict) -> dict:
        while "$ref" in node:
            node = defs[node["$ref"].rsplit("/", 1)[1]]
        return node

    def walk(node: dict, prefix: str):
        for name, sub in resolve(node).get("properties", {}).items():
            sub = resolve(sub)
            path = f"{prefix}{name}"
            if "properties" in sub:
                yield from walk(sub, path + ".")
            else:
                yield path

    return sorted(walk(schema, ""))


def _set(doc: dict, path: str, value) -> None:
    *parents, last = path.split(".")
    for part in parents:
        doc = doc.setdefault(part, {})
    doc[last] = value


def _artifacts(doc: dict) -> dict[str, bytes]:
    tree = build_bundle(answers(doc))
    return {p: b for p, b in tree.items() if p not in ("answers.yaml", "MANIFEST.sha256")}


def _exempt(key: str) -> bool:
    return key in WIZARD_ONLY | CONSTANT or key.startswith(WIZARD_ONLY_PREFIXES)


def test_every_schema_key_is_decided():
    undecided = [k for k in schema_keys() if not _exempt(k) and k not in VARIANTS]
    assert not undecided, f"add these keys to VARIANTS (they must reach an artifact) or to WIZARD_ONLY: {undecided}"
    assert not [k for k in VARIANTS if k not in schema_keys()], "VARIANTS names a key the schema no longer has"


@pytest.mark.parametrize("key", sorted(VARIANTS))
def test_key_reaches_an_artifact(key):
    value, context = VARIANTS[key]
    base = plain_document()
    for path, v in context.items():
        _set(base, path, v)
    variant = plain_document()
    for path, v in context.items():
        _set(variant, path, v)
    _set(variant, key, value)
    before, after = _artifacts(base), _artifacts(variant)
    changed = sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))
    assert changed, f"{key} reaches no artifact: changing it changes only answers.yaml"


def test_runbook_names_the_wizard_only_answers():
    text = build_bundle(answers(plain_document()))["README.md"].decode()
    for key in sorted(WIZARD_ONLY) + ["hardware.*"]:
        assert f"`{key}`" in text, key
