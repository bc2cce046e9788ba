"""helm/values.yaml through W&B's real operator-wandb chart (`helm template`, ../shared/upstream):
what every W&B container receives, resolved as the kubelet does, parses back to the exact answers
(SPEC §6, "Works in its real consumer"; issue 17 items 1–4)."""

from __future__ import annotations

import pytest
import yaml

from app.artifacts.bundle import write_bundle
from tests.bundle_corpus import (
    HOSTILE,
    HOSTILE_ACCESS_KEY,
    HOSTILE_USER,
    answers,
    hostile_document,
)
from tests.consumers import (
    containers,
    go_url_parse,
    helm_template,
    init_job_decode,
    mounted_files,
    objects,
    resolve_env,
)

ISSUE_PASSWORD = "p@ss:w/rd#1+x %y?z"  # the password of issue 17, item 1
CASES = [*HOSTILE, pytest.param(ISSUE_PASSWORD, id="issue-17")]
DB_CA = "-----BEGIN CERTIFICATE-----\nMIIBdatabaseCA\n-----END CERTIFICATE-----\n"
STORE_CA = "-----BEGIN CERTIFICATE-----\nMIIBstoreCA\n-----END CERTIFICATE-----\n"


def helm_doc(value: str, **deploy) -> dict:
    doc = hostile_document(value)
    doc["deploy"] = {**doc["deploy"], "target": "helm-operator", **deploy}
    doc["database"]["ca_pem"] = DB_CA
    doc["database"]["tls"] = "verify-identity"
    doc["object_store"]["ca_pem"] = STORE_CA
    return doc


def rendered(tmp_path, doc: dict, name: str = "helm/values.yaml") -> list[dict]:
    out = write_bundle(answers(doc), tmp_path / "bundle")
    return helm_template(out / name)


def wandb_containers(docs):
    """Every container the chart gives a MYSQL or BUCKET (W&B's own services and jobs)."""
    index = objects(docs)
    found = []
    for where, pod, c in containers(docs):
        env = resolve_env(c, index)
        if "MYSQL" in env or "BUCKET" in env:
            found.append((f"{where}/{c['name']}", pod, c, env))
    return index, found


@pytest.mark.parametrize("value", CASES)
def test_chart_gives_w_and_b_the_exact_mysql_and_bucket(tmp_path, value):
    doc = helm_doc(value)
    _, found = wandb_containers(rendered(tmp_path, doc))
    assert any(w.startswith("Deployment/wandb-app") for w, *_ in found), [w for w, *_ in found]
    for where, _, _, env in found:
        if "MYSQL" in env:
            url = go_url_parse(env["MYSQL"])  # W&B (Go) reads MYSQL with net/url
            assert (url.scheme, url.username, url.password) == ("mysql", HOSTILE_USER, value), where
            assert (url.hostname, url.port, url.path) == ("mysql.acme.internal", "3306", "/wandb_local"), where
            assert url.query()["tls"] == "preferred", where  # the chart's own, whatever the answers say
            # The chart's init-db job decodes the password with Python's unquote_plus.
            assert init_job_decode(env["MYSQL_PASSWORD"]) == value, where
        if "BUCKET" in env:
            url = go_url_parse(env["BUCKET"])
            assert (url.scheme, url.username, url.password) == ("s3", HOSTILE_ACCESS_KEY, f"{value}/S+"), where
            assert (url.hostname, url.port, url.path) == ("s3.acme.internal", "9000", "/wandb-files"), where
            assert url.query() == {"tls": "true"}, where
            assert env["AWS_REGION"] == "us-east-1", where
        if "LICENSE" in env:
            assert env["LICENSE"] == f"L:{value}", where


def test_chart_runs_the_pinned_w_and_b_image(tmp_path):
    docs = rendered(tmp_path, helm_doc("pw", version="0.71.2", image="wandb/local"))
    images = {c["image"] for w, _, c in containers(docs) if w.startswith("Deployment/wandb-app")}
    assert "wandb/local:0.71.2" in images, images
    assert not any(i.startswith("wandb/local:") and i != "wandb/local:0.71.2" for i in images), images


def test_chart_mounts_the_database_and_store_cas(tmp_path):
    docs = rendered(tmp_path, helm_doc("pw"))
    index, found = wandb_containers(docs)
    app = [(p, c, e) for w, p, c, e in found if w.startswith("Deployment/wandb-app")]
    assert app
    for pod, c, env in app:
        files = mounted_files(pod, c, index)
        assert files.get("/etc/ssl/certs/mysql_ca.pem") == DB_CA
        assert env["MYSQL_CA_CERT_PATH"] == "/etc/ssl/certs/mysql_ca.pem"
        # global.customCACerts (the chart trims the trailing newline)
        assert STORE_CA.strip() in {v.strip() for v in files.values()}, sorted(files)


def test_the_cr_carries_the_same_values_through_the_chart(tmp_path):
    """The operator renders the chart from the CR's spec.values: the same env comes out."""
    doc = helm_doc(ISSUE_PASSWORD)
    out = write_bundle(answers(doc), tmp_path / "bundle")
    cr = yaml.safe_load((out / "helm/wandb-cr.yaml").read_text())
    (tmp_path / "cr-values.yaml").write_text(yaml.safe_dump(cr["spec"]["values"]))
    _, from_cr = wandb_containers(helm_template(tmp_path / "cr-values.yaml"))
    _, from_values = wandb_containers(helm_template(out / "helm/values.yaml"))
    assert [(w, e["MYSQL"], e.get("BUCKET")) for w, _, _, e in from_cr] == [
        (w, e["MYSQL"], e.get("BUCKET")) for w, _, _, e in from_values
    ]


@pytest.mark.parametrize("mode", ["disabled", "required", "verify-ca", "verify-identity"])
def test_runbook_says_what_the_chart_cannot_express(tmp_path, mode):
    doc = helm_doc("pw")
    doc["database"]["tls"] = mode
    readme = (write_bundle(answers(doc), tmp_path / "b") / "README.md").read_text()
    assert "tls=preferred" in readme and f"`{mode}`" in readme


def test_runbook_says_the_chart_passes_the_user_raw_to_its_init_job(tmp_path):
    readme = (write_bundle(answers(helm_doc("pw")), tmp_path / "b") / "README.md").read_text()
    assert "init-db" in readme


@pytest.mark.parametrize("key,secret", [("123456", "1e5"), ("true", "~"), ("no", "null"), ("[x]", "{y}: z")])
def test_chart_keeps_keys_that_look_like_yaml(tmp_path, key, secret):
    """The chart pastes the bucket values into YAML text and parses it back (`fromYaml`)."""
    doc = helm_doc("pw")
    doc["object_store"].update(access_key=key, secret_key=secret)
    _, found = wandb_containers(rendered(tmp_path, doc))
    for where, _, _, env in found:
        if "BUCKET" in env:
            url = go_url_parse(env["BUCKET"])
            assert (url.username, url.password, url.path) == (key, secret, "/wandb-files"), where


def test_redacted_values_render_and_carry_the_placeholders(tmp_path):
    """A bundle downloaded without secrets still renders through the chart; the placeholders reach
    W&B's MYSQL and BUCKET where the runbook says to put the percent-encoded values."""
    out = write_bundle(answers(helm_doc("pw")), tmp_path / "bundle", redact=True)
    _, found = wandb_containers(helm_template(out / "helm/values.yaml"))
    env = next(e for w, _, _, e in found if w.startswith("Deployment/wandb-app") and "MYSQL" in e and "BUCKET" in e)
    assert ":${WANDB_DB_PASSWORD}@mysql.acme.internal:3306/wandb_local" in env["MYSQL"]
    assert ":${WANDB_S3_SECRET_KEY}@s3.acme.internal:9000/wandb-files" in env["BUCKET"]
