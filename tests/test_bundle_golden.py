"""Golden bundles: the exact bytes of whole trees, so any change to an artifact shows up in review.

Regenerate after an intended change (then read the diff before committing):

    WBSETUP_REGEN_GOLDEN=1 PYTHONPATH=. .venv/bin/pytest -q tests/test_bundle_golden.py
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from app.artifacts.bundle import build_bundle
from tests.bundle_corpus import answers, plain_document

GOLDEN = Path(__file__).parent / "golden"
REPORT = {
    "schema": 1,
    "profile": "acme-prod",
    "requirements": "current",
    "duration_ms": 812,
    "summary": {"pass": 1, "warn": 1, "fail": 0, "skip": 0, "error": 0},
    "checks": [
        {
            "id": "deploy.version",
            "step": "deploy",
            "status": "pass",
            "title": "Image version",
            "message": "wandb/local:0.70.0",
            "hint": "",
            "observed": "0.70.0",
            "expected": "a pinned tag",
            "duration_ms": 0,
            "ignored": False,
        },
        {
            "id": "database.sort_buffer_size",
            "step": "database",
            "status": "warn",
            "title": "sort_buffer_size",
            "message": "sort_buffer_size is 33554432 <b>",
            "hint": "SET PERSIST sort_buffer_size = 67108864;",
            "observed": 33554432,
            "expected": ">= 67108864",
            "duration_ms": 3,
            "ignored": True,
            "original_status": "fail",
            "ignore_reason": "tuned next week",
        },
    ],
}

PROFILES = {
    # The plain profile: English runbook, Kubernetes target, provided certificate.
    "plain": (plain_document(), {}),
    # Korean runbook, docker-compose target, redacted, with a check report.
    "compose-ko-redacted": (
        plain_document(language="ko", deploy={"target": "docker-compose", "version": "0.70.0"}),
        {"redact": True, "report": REPORT},
    ),
    # helm-operator with cert-manager and an absent database password.
    "helm-cert-manager": (
        plain_document(
            tls={"mode": "cert-manager", "issuer": "letsencrypt", "cert_pem": None, "key_pem": None},
            database={"password": None},
            deploy={"target": "helm-operator", "version": "0.70.0"},
        ),
        {},
    ),
    # Air-gapped helm-operator in Korean: private registry, internal chart, day-two settings.
    "airgap-helm-ko": (
        plain_document(
            language="ko",
            deploy={
                "target": "helm-operator",
                "version": "0.70.0",
                "registry": "registry.acme.internal:5000/mirror",
                "chart_repo": "oci://registry.acme.internal:5000/charts",
                "chart_version": "0.43.8",
            },
            operations={"backup_dir": "/srv/backups/wandb db", "backup_retention_days": 14, "backup_hour": 3},
        ),
        {},
    ),
    # A private registry that asks for credentials (kubernetes, redacted): the pull Secret, its
    # placeholders, helm/registry-secret.yaml and the registry's private CA in the runbook.
    "registry-credentials-redacted": (
        plain_document(
            deploy={
                "target": "kubernetes",
                "version": "0.70.0",
                "registry": "registry.acme.internal:5000/mirror",
                "registry_username": "puller",
                "registry_password": "registry-pass-1a2b",
                "registry_ca_pem": "-----BEGIN CERTIFICATE-----\nMIIBregistryCA\n-----END CERTIFICATE-----\n",
            },
        ),
        {"redact": True},
    ),
}


def _clean(doc: dict) -> dict:
    return {k: (_clean(v) if isinstance(v, dict) else v) for k, v in doc.items() if v is not None}


@pytest.mark.parametrize("name", list(PROFILES))
def test_bundle_matches_golden(name):
    doc, kw = PROFILES[name]
    tree = build_bundle(answers(_clean(doc)), **kw)
    root = GOLDEN / name
    if os.environ.get("WBSETUP_REGEN_GOLDEN"):
        shutil.rmtree(root, ignore_errors=True)
        for path, data in tree.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_bytes(data)
    on_disk = {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
    assert sorted(on_disk) == sorted(tree), "file list differs: regenerate (see module docstring) if intended"
    for path, data in tree.items():
        assert data == on_disk[path], f"{path} differs from tests/golden/{name}/{path}"


def test_absent_secret_is_a_listed_placeholder():
    doc, kw = PROFILES["helm-cert-manager"]
    tree = build_bundle(answers(_clean(doc)), **kw)
    values = tree["helm/values.yaml"].decode()
    assert 'password: "${WANDB_DB_PASSWORD}"' in values
    readme = tree["README.md"].decode()
    assert "| `${WANDB_DB_PASSWORD}` | `database.password` |" in readme
    assert "${WANDB_LICENSE}" not in readme  # given secrets are not placeholders
    assert "cert-manager.io/cluster-issuer" in tree["kubernetes/wandb.yaml"].decode()


def test_report_files_only_with_a_report():
    doc, _ = PROFILES["plain"]
    assert not any(p.startswith("report/") for p in build_bundle(answers(doc)))
    tree = build_bundle(answers(doc), report=REPORT)
    assert {"report/validation.json", "report/validation.html"} <= set(tree)
    html = tree["report/validation.html"].decode()
    assert "sort_buffer_size is 33554432 &lt;b&gt;" in html and "tuned next week" in html
