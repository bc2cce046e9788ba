"""Hostile secret values reach the real consumers unchanged (§6 "Exact values", "Valid for the
real consumer", "Secrets", "Deterministic"): kubernetes-validate --strict, the Compose
Specification schema, Debian's docker-compose 1.29 `config`, sha256sum, yamllint."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import kubernetes_validate
import pytest
import yaml

from app.artifacts.bundle import build_bundle, write_bundle
from app.artifacts.connection import bucket_url, mysql_url
from app.artifacts.redact import encodings
from app.checks.deploy import validate_compose
from tests.bundle_corpus import HOSTILE, HOSTILE_ACCESS_KEY, HOSTILE_USER, answers, hostile_document, secrets_of

BIN = Path(sys.executable).parent
K8S = kubernetes_validate.utils.latest_version()
YAMLLINT_CONFIG = """\
extends: default
rules:
  line-length: {max: 1000}
  document-start: disable
  indentation: {spaces: 2, indent-sequences: consistent}
"""
YAML_FILES = (
    "answers.yaml",
    "kubernetes/wandb.yaml",
    "docker-compose/docker-compose.yaml",
    "helm/values.yaml",
    "helm/wandb-cr.yaml",
)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """case id → (document, plain dir, redacted dir), rendered once per module."""
    out = {}
    for param in HOSTILE:
        doc = hostile_document(param.values[0])
        root = tmp_path_factory.mktemp(param.id)
        out[param.id] = (
            doc,
            write_bundle(answers(doc), root / "plain"),
            write_bundle(answers(doc), root / "redacted", redact=True),
        )
    return out


CASES = [pytest.param(p.id, id=p.id) for p in HOSTILE]


def _docs(path: Path) -> dict[str, dict]:
    return {f"{d['kind']}/{d['metadata']['name']}": d for d in yaml.safe_load_all(path.read_text())}


def _userinfo(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return unquote(parts.username), unquote(parts.password)


@pytest.mark.parametrize("case", CASES)
def test_kubernetes_validate_strict_cli(rendered, case):
    _, plain, redacted = rendered[case]
    for bundle in (plain, redacted):
        proc = subprocess.run(
            [str(BIN / "kubernetes-validate"), "--strict", "-k", K8S, str(bundle / "kubernetes/wandb.yaml")],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("case", CASES)
def test_kubernetes_secret_holds_exact_values(rendered, case):
    doc, plain, _ = rendered[case]
    a = answers(doc)
    docs = _docs(plain / "kubernetes/wandb.yaml")
    data = docs["Secret/wandb-secrets"]["stringData"]
    assert data["LICENSE"] == doc["license"]
    assert data["MYSQL"] == mysql_url(a)
    assert _userinfo(data["MYSQL"]) == (HOSTILE_USER, doc["database"]["password"])
    assert data["BUCKET"] == bucket_url(a)
    assert _userinfo(data["BUCKET"]) == (HOSTILE_ACCESS_KEY, doc["object_store"]["secret_key"])
    assert docs["Secret/wandb-tls"]["stringData"]["tls.key"] == doc["tls"]["key_pem"]
    env = docs["Deployment/wandb"]["spec"]["template"]["spec"]["containers"][0]["env"]
    refs = {e["name"]: e["valueFrom"]["secretKeyRef"]["key"] for e in env if "valueFrom" in e}
    assert refs == {"LICENSE": "LICENSE", "MYSQL": "MYSQL", "BUCKET": "BUCKET"}


@pytest.mark.parametrize("case", CASES)
def test_helm_values_hold_exact_values(rendered, case):
    doc, plain, _ = rendered[case]
    values = yaml.safe_load((plain / "helm/values.yaml").read_text())
    assert values["global"]["license"] == doc["license"]
    # The chart pastes these into MYSQL/BUCKET unescaped: percent-encoded (tests/test_consumers_helm.py
    # proves the real chart gives W&B the exact values); bucket values are YAML-quoted for its fromYaml.
    assert unquote(values["global"]["mysql"]["password"]) == doc["database"]["password"]
    assert unquote(values["global"]["mysql"]["user"]) == HOSTILE_USER
    assert unquote(yaml.safe_load(values["global"]["bucket"]["secretKey"])) == doc["object_store"]["secret_key"]
    cr = yaml.safe_load((plain / "helm/wandb-cr.yaml").read_text())
    assert cr["spec"]["values"] == values


def _compose_config(directory: Path, env: dict | None = None) -> dict:
    """Debian's docker-compose 1.29 parses and interpolates the project offline."""
    proc = subprocess.run(
        ["/usr/bin/docker-compose", "config"],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": os.environ["PATH"], "HOME": str(directory), **(env or {})},
    )
    assert proc.returncode == 0, proc.stderr
    return yaml.safe_load(proc.stdout)


@pytest.mark.parametrize("case", CASES)
def test_compose_file_exact_for_docker_compose(rendered, case):
    doc, plain, _ = rendered[case]
    a = answers(doc)
    assert validate_compose((plain / "docker-compose/docker-compose.yaml").read_text()) is None
    assert not (plain / "docker-compose/.env").exists()  # nothing to interpolate: all values inline
    env = _compose_config(plain / "docker-compose")["services"]["wandb"]["environment"]
    # docker-compose config prints `$` re-escaped as `$$`.
    env = {k: v.replace("$$", "$") for k, v in env.items()}
    assert env["LICENSE"] == doc["license"]
    assert env["MYSQL"] == mysql_url(a)
    assert _userinfo(env["MYSQL"]) == (HOSTILE_USER, doc["database"]["password"])
    assert env["BUCKET"] == bucket_url(a)
    assert _userinfo(env["BUCKET"]) == (HOSTILE_ACCESS_KEY, doc["object_store"]["secret_key"])


@pytest.mark.parametrize("case", CASES)
def test_redacted_compose_interpolates_placeholders(rendered, case):
    """The redacted compose file reads its secrets through Compose interpolation; given the values
    (percent-encoded inside URLs, as the runbook says) it resolves to the unredacted URLs."""
    from urllib.parse import quote

    doc, _, redacted = rendered[case]
    a = answers(doc)
    names = (redacted / "docker-compose/.env").read_text()
    assert {"WANDB_LICENSE=", "WANDB_DB_PASSWORD=", "WANDB_S3_SECRET_KEY="} <= set(names.splitlines())
    env = _compose_config(
        redacted / "docker-compose",
        {
            "WANDB_LICENSE": doc["license"],
            "WANDB_DB_PASSWORD": quote(doc["database"]["password"], safe=""),
            "WANDB_S3_SECRET_KEY": quote(doc["object_store"]["secret_key"], safe=""),
        },
    )["services"]["wandb"]["environment"]
    env = {k: v.replace("$$", "$") for k, v in env.items()}
    assert env["LICENSE"] == doc["license"]
    assert env["MYSQL"] == mysql_url(a)
    assert env["BUCKET"] == bucket_url(a)


@pytest.mark.parametrize("case", CASES)
def test_redacted_bundle_holds_no_secret_in_any_encoding(rendered, case):
    doc, _, redacted = rendered[case]
    secrets = secrets_of(doc)
    forms = {path: encodings(v) for path, v in secrets.items()}
    files = [p for p in redacted.rglob("*") if p.is_file()]
    assert len(files) >= 9
    for f in files:
        text = f.read_text(encoding="utf-8")
        for path, fs in forms.items():
            leaked = [form for form in fs if form in text]
            assert not leaked, f"{f.relative_to(redacted)} holds {path} as {leaked}"
    readme = (redacted / "README.md").read_text()
    for name in ("${WANDB_LICENSE}", "${WANDB_DB_PASSWORD}", "${WANDB_S3_SECRET_KEY}", "${WANDB_TLS_KEY}"):
        assert name in readme
    stringdata = _docs(redacted / "kubernetes/wandb.yaml")["Secret/wandb-secrets"]["stringData"]
    assert stringdata["MYSQL"] == (
        f"mysql://{mysql_url(answers(doc)).split('//')[1].split(':')[0]}"
        ":${WANDB_DB_PASSWORD}@mysql.acme.internal:3306/wandb_local?tls=preferred"
    )
    assert stringdata["LICENSE"] == "${WANDB_LICENSE}"


@pytest.mark.parametrize("case", CASES)
def test_answers_yaml_holds_references_not_secrets(rendered, case):
    doc, plain, _ = rendered[case]
    text = (plain / "answers.yaml").read_text()
    back = yaml.safe_load(text)
    assert back["database"]["password"] == {"env": "WANDB_DB_PASSWORD"}
    assert back["license"] == {"env": "WANDB_LICENSE"}
    assert back["database"]["user"] == HOSTILE_USER
    assert doc["database"]["password"] not in text


@pytest.mark.parametrize("case", CASES)
def test_sha256sum_and_yamllint(rendered, case, tmp_path):
    _, plain, redacted = rendered[case]
    config = tmp_path / "yamllint.yaml"
    config.write_text(YAMLLINT_CONFIG)
    for bundle in (plain, redacted):
        proc = subprocess.run(
            ["sha256sum", "--strict", "-c", "MANIFEST.sha256"], cwd=bundle, capture_output=True, text=True, timeout=60
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        listed = {line.split("  ", 1)[1] for line in (bundle / "MANIFEST.sha256").read_text().splitlines()}
        on_disk = {str(p.relative_to(bundle)) for p in bundle.rglob("*") if p.is_file()} - {"MANIFEST.sha256"}
        assert listed == on_disk
        proc = subprocess.run(
            [str(BIN / "yamllint"), "-s", "-c", str(config), *YAML_FILES],
            cwd=bundle,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("case", CASES)
def test_render_twice_gives_identical_tree_and_archives(rendered, case, tmp_path):
    doc, _, _ = rendered[case]
    for redact in (False, True):
        assert build_bundle(answers(doc), redact=redact) == build_bundle(answers(doc), redact=redact)
        for kind in ("zip", "tar.gz"):
            first = write_bundle(answers(doc), tmp_path / f"a-{redact}", redact=redact, archive=kind).read_bytes()
            second = write_bundle(answers(doc), tmp_path / f"b-{redact}", redact=redact, archive=kind).read_bytes()
            assert first == second


def test_archives_hold_the_tree_with_fixed_metadata(tmp_path):
    doc = hostile_document("x$y")
    tree = build_bundle(answers(doc))
    zpath = write_bundle(answers(doc), tmp_path, archive="zip")
    assert zpath.name == "acme-prod-bundle.zip"
    with zipfile.ZipFile(zpath) as zf:
        assert zf.namelist() == sorted(tree)
        for info in zf.infolist():
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            assert zf.read(info) == tree[info.filename]
            assert (info.external_attr >> 16) & 0o777 == (0o700 if info.filename.endswith(".sh") else 0o600)
    tpath = write_bundle(answers(doc), tmp_path, archive="tar.gz")
    raw = tpath.read_bytes()
    assert raw[4:8] == b"\0\0\0\0"  # gzip header mtime
    with tarfile.open(fileobj=io.BytesIO(raw)) as tf:
        members = tf.getmembers()
        assert [m.name for m in members] == sorted(tree)
        assert {(m.mtime, m.uid, m.gid, m.uname, m.gname) for m in members} == {(0, 0, 0, "", "")}
        assert all(tf.extractfile(m).read() == tree[m.name] for m in members)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["acme-prod-bundle.tar.gz", "acme-prod-bundle.zip"]


def test_docker_compose_is_installed():
    assert shutil.which("docker-compose") == "/usr/bin/docker-compose"
