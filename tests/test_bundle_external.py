"""The files other modules build (sql/, mysql/, object-store/) join the bundle through the same
redaction: they receive the masked answers, so their secrets become placeholders too."""

from __future__ import annotations

import pytest

from app.artifacts import bundle
from app.artifacts.redact import encodings
from app.artifacts.serialize import sql_string
from tests.bundle_corpus import answers, hostile_document

CONTRACT = [
    "README.md",
    "answers.yaml",
    "MANIFEST.sha256",
    "docker-compose/docker-compose.yaml",
    "docker-compose/wandb.service",
    "docker-compose/nginx.conf",
    "kubernetes/wandb.yaml",
    "helm/values.yaml",
    "helm/wandb-cr.yaml",
    "sql/bootstrap.sql",
    "sql/parameters.sql",
    "mysql/wandb.cnf",
    "object-store/cors.xml",
    "object-store/cors.json",
    "object-store/minio-setup.sh",
    "images.txt",
    "ops/backup-mysql.sh",
    "ops/restore-mysql.sh",
    "ops/wandb-mysql-backup.service",
    "ops/wandb-mysql-backup.timer",
    "ops/prometheus-rules.yaml",
]


def test_bundle_has_every_contract_path():
    tree = bundle.build_bundle(answers(hostile_document("pw")))
    assert set(CONTRACT) <= set(tree)


@pytest.mark.parametrize("redact", [pytest.param(False, id="plain"), pytest.param(True, id="redacted")])
def test_external_builders_get_masked_answers(redact):
    value = "it's a \\ $ecret"
    tree = bundle.build_bundle(answers(hostile_document(value)), redact=redact)
    sql = tree["sql/bootstrap.sql"].decode()
    if redact:
        assert "IDENTIFIED BY '${WANDB_DB_PASSWORD}';" in sql
        assert not [f for f in encodings(value) if f in sql]
        assert "`sql/bootstrap.sql`" in tree["README.md"].decode()  # listed where the placeholder is
    else:
        assert f"IDENTIFIED BY {sql_string(value)};" in sql
    assert "sql/bootstrap.sql" in tree["MANIFEST.sha256"].decode()
