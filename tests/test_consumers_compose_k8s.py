"""kubernetes/wandb.yaml and docker-compose/ as their consumers read them (SPEC §6, "Everything the
checks validated reaches W&B"; issue 17 items 3, 4, 5, 7): the container env resolved as the kubelet
does and as `docker-compose config` prints it, MYSQL and BUCKET parsed as W&B's Go does, the CA
files mounted where Go reads trusted CAs, the port that `host` names published."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

from app.artifacts.bundle import write_bundle
from tests.bundle_corpus import (
    HOSTILE,
    HOSTILE_ACCESS_KEY,
    HOSTILE_USER,
    answers,
    hostile_document,
    plain_document,
)
from tests.consumers import (
    containers,
    go_url_parse,
    mounted_files,
    objects,
    resolve_env,
)

DB_CA = "-----BEGIN CERTIFICATE-----\nMIIBdatabaseCA\n-----END CERTIFICATE-----\n"
STORE_CA = "-----BEGIN CERTIFICATE-----\nMIIBstoreCA\n-----END CERTIFICATE-----\n"
# W&B's Go MySQL driver (go-sql-driver/mysql) `tls` values; see app/artifacts/connection.py.
TLS = {
    "disabled": "false",
    "preferred": "preferred",
    "required": "skip-verify",
    "verify-ca": "true",
    "verify-identity": "true",
}
CASES = [*HOSTILE, pytest.param("p@ss:w/rd#1+x %y?z", id="issue-17")]


def doc_for(value: str, mode: str = "verify-identity", **deploy) -> dict:
    doc = hostile_document(value)
    doc["database"].update(tls=mode, ca_pem=DB_CA)
    doc["object_store"]["ca_pem"] = STORE_CA
    doc["deploy"] = {**doc["deploy"], **deploy}
    return doc


def k8s_wandb(out: Path):
    docs = list(yaml.safe_load_all((out / "kubernetes/wandb.yaml").read_text()))
    index = objects(docs)
    ((_, pod, c),) = [(w, p, c) for w, p, c in containers(docs) if w == "Deployment/wandb"]
    return pod, c, resolve_env(c, index), mounted_files(pod, c, index)


def assert_exact(env: dict, value: str, mode: str) -> None:
    mysql = go_url_parse(env["MYSQL"])
    assert (mysql.scheme, mysql.username, mysql.password) == ("mysql", HOSTILE_USER, value)
    assert (mysql.hostname, mysql.port, mysql.path) == ("mysql.acme.internal", "3306", "/wandb_local")
    assert mysql.query() == {"tls": TLS[mode]}
    bucket = go_url_parse(env["BUCKET"])
    assert (bucket.scheme, bucket.username, bucket.password) == ("s3", HOSTILE_ACCESS_KEY, f"{value}/S+")
    assert (bucket.hostname, bucket.port, bucket.path) == ("s3.acme.internal", "9000", "/wandb-files")
    assert bucket.query() == {"tls": "true", "region": "us-east-1"}
    assert env["LICENSE"] == f"L:{value}"


@pytest.mark.parametrize("value", CASES)
def test_kubernetes_env_is_exact_and_the_cas_are_mounted(tmp_path, value):
    out = write_bundle(answers(doc_for(value)), tmp_path / "b")
    _, _, env, files = k8s_wandb(out)
    assert_exact(env, value, "verify-identity")
    assert files["/etc/ssl/certs/mysql_ca.pem"] == DB_CA
    assert files["/etc/ssl/certs/wandb-object-store-ca.pem"] == STORE_CA


@pytest.mark.parametrize("mode", list(TLS))
def test_kubernetes_mysql_tls_matches_the_mode(tmp_path, mode):
    out = write_bundle(answers(doc_for("pw", mode)), tmp_path / "b")
    assert go_url_parse(k8s_wandb(out)[2]["MYSQL"]).query()["tls"] == TLS[mode]


def test_kubernetes_replicas_share_redis_and_one_session_key(tmp_path):
    redis = "redis://:r3d!s@pass@redis.acme.internal:6379/2"
    doc = doc_for("pw", replicas=3, redis_url=redis)
    out = write_bundle(answers(doc), tmp_path / "b")
    docs = list(yaml.safe_load_all((out / "kubernetes/wandb.yaml").read_text()))
    deployment = objects(docs)[("Deployment", "wandb")]
    assert deployment["spec"]["replicas"] == 3
    _, c, env, _ = k8s_wandb(out)
    assert env["REDIS"] == redis
    refs = [e["valueFrom"]["secretKeyRef"]["name"] for e in c["env"] if e["name"] == "GORILLA_SESSION_KEY"]
    assert len(refs) == 1 and ("Secret", refs[0]) in objects(docs)  # one Secret every replica reads
    assert len(env["GORILLA_SESSION_KEY"]) >= 32
    again = write_bundle(answers(doc), tmp_path / "again")
    assert k8s_wandb(again)[2]["GORILLA_SESSION_KEY"] == env["GORILLA_SESSION_KEY"]  # deterministic
    redacted = write_bundle(answers(doc), tmp_path / "redacted", redact=True)
    text = (redacted / "kubernetes/wandb.yaml").read_text()
    assert env["GORILLA_SESSION_KEY"] not in text and "r3d!s" not in text
    assert "${WANDB_SESSION_KEY}" in text and "${WANDB_REDIS_URL}" in text
    assert "WANDB_SESSION_KEY" in (redacted / "README.md").read_text()  # listed with the placeholders


def test_kubernetes_single_replica_without_redis_has_no_redis(tmp_path):
    out = write_bundle(answers(doc_for("pw")), tmp_path / "b")
    env = k8s_wandb(out)[2]
    assert "REDIS" not in env and "GORILLA_SESSION_KEY" not in env
    assert "WANDB_REDIS_URL" not in (out / "README.md").read_text()


def compose_config(directory: Path) -> dict:
    """Debian's docker-compose 1.29 parses and interpolates the project offline."""
    proc = subprocess.run(
        ["/usr/bin/docker-compose", "config"],
        cwd=directory,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={"PATH": os.environ["PATH"], "HOME": str(directory)},
    )
    assert proc.returncode == 0, proc.stderr
    return yaml.safe_load(proc.stdout)


def _mounts(service: dict) -> dict[str, str]:
    out = {}
    for v in service.get("volumes") or []:
        if isinstance(v, str):
            source, target = v.split(":")[:2]
        else:
            source, target = v["source"], v["target"]
        out[target] = source
    return out


def _ports(service: dict) -> set[tuple[int, int]]:
    out = set()
    for p in service.get("ports") or []:
        if isinstance(p, dict):
            out.add((int(p["published"]), int(p["target"])))
        else:
            published, target = str(p).split("/")[0].split(":")[-2:]
            out.add((int(published), int(target)))
    return out


@pytest.mark.parametrize("value", CASES)
def test_compose_env_is_exact_and_the_cas_are_mounted(tmp_path, value):
    out = write_bundle(answers(doc_for(value, "verify-ca", target="docker-compose")), tmp_path / "b")
    wandb = compose_config(out / "docker-compose")["services"]["wandb"]
    env = {k: v.replace("$$", "$") for k, v in wandb["environment"].items()}  # config re-escapes `$`
    assert_exact(env, value, "verify-ca")
    mounts = _mounts(wandb)
    for target, pem in (("/etc/ssl/certs/mysql_ca.pem", DB_CA), ("/etc/ssl/certs/wandb-object-store-ca.pem", STORE_CA)):
        assert Path(mounts[target]).read_text() == pem


@pytest.mark.parametrize(
    "host,mode,ports",
    [
        pytest.param("http://10.0.0.5", "none", {(80, 8080)}, id="http-ip"),
        pytest.param("http://wandb.acme.internal:8081", "none", {(8081, 8080)}, id="http-port"),
        pytest.param("https://wandb.acme.internal", "external", {(8080, 8080)}, id="external-lb"),
    ],
)
def test_compose_publishes_the_port_host_names(tmp_path, host, mode, ports):
    doc = plain_document(host=host, tls={"mode": mode}, deploy={"target": "docker-compose", "version": "0.70.0"})
    out = write_bundle(answers(doc), tmp_path / "b")
    services = compose_config(out / "docker-compose")["services"]
    assert _ports(services["wandb"]) == ports
    assert "nginx" not in services


def test_compose_with_nginx_publishes_443_and_80(tmp_path):
    out = write_bundle(
        answers(plain_document(deploy={"target": "docker-compose", "version": "0.70.0"})), tmp_path / "b"
    )
    services = compose_config(out / "docker-compose")["services"]
    assert _ports(services["nginx"]) == {(443, 443), (80, 80)} and not _ports(services["wandb"])


def test_a_stale_ca_file_is_removed_on_render(tmp_path):
    doc = doc_for("pw", target="docker-compose")
    write_bundle(answers(doc), tmp_path / "b")
    assert (tmp_path / "b/docker-compose/ca/mysql_ca.pem").is_file()
    doc["database"].pop("ca_pem")
    write_bundle(answers(doc), tmp_path / "b")
    assert not (tmp_path / "b/docker-compose/ca/mysql_ca.pem").exists()
    listed = (tmp_path / "b/MANIFEST.sha256").read_text()
    assert "mysql_ca.pem" not in listed and "wandb-object-store-ca.pem" in listed


def test_manifests_with_cas_redis_and_replicas_pass_the_strict_schema(tmp_path):
    from app.checks.deploy import validate_compose, validate_kubernetes

    doc = doc_for("pw", replicas=3, redis_url="redis://redis.acme.internal:6379/0")
    doc["tls"]["ca_pem"] = DB_CA
    out = write_bundle(answers(doc), tmp_path / "b", redact=True)
    assert validate_kubernetes((out / "kubernetes/wandb.yaml").read_text()) is None
    assert validate_compose((out / "docker-compose/docker-compose.yaml").read_text()) is None
    files = k8s_wandb(out)[3]
    assert files["/etc/ssl/certs/wandb-host-ca.pem"] == DB_CA  # tls.ca_pem: W&B's services call HOST
