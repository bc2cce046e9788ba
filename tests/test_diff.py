"""`wbsetup diff OLD NEW` (SPEC §3): answers files, bundle directories, .zip/.tar.gz archives and stored
revisions; a unified diff per bundle file; secrets compared but never shown in any encoding; exit codes
like diff(1)."""

import json
from urllib.parse import quote

import pytest
import yaml

from app import cli
from app.answers import loads
from app.artifacts.bundle import write_bundle
from app.artifacts.redact import encodings
from tests.bundle_corpus import HOSTILE

GOLDEN = "tests/golden/plain/answers.yaml"
SECRETS = {
    "license": "LIC-distinctive-value-4242",
    "database.password": "p@ss:w/rd$Sécret'\"%",
    "object_store.secret_key": "S3secretKEY/value+xyz0123",
}
NEW_PASSWORD = "An0ther-distinctive-Secret!#"


def _answers(tmp_path, name, *, password=SECRETS["database.password"], replicas=1, annotate=None):
    doc = yaml.safe_load(open(GOLDEN))
    doc["license"] = SECRETS["license"]
    doc["database"]["password"] = password
    doc["object_store"]["secret_key"] = SECRETS["object_store.secret_key"]
    doc.setdefault("deploy", {}).update(target="kubernetes", replicas=replicas)
    if annotate:
        doc["deploy"]["redis_url"] = annotate
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True))
    return path


def _run(capsys, *argv):
    code = cli.main(["diff", *map(str, argv)])
    out = capsys.readouterr()
    return code, out.out, out.err


def _no_secret(text, *values):
    for value in [*SECRETS.values(), *values]:
        for form in encodings(value):
            assert form not in text, f"a form of a secret leaked: {form!r}"


def test_identical_answers_exit_0_and_print_nothing(tmp_path, capsys):
    a = _answers(tmp_path, "a")
    assert _run(capsys, a, a)[:2] == (0, "")
    code, out, _ = _run(capsys, a, a, "--format", "json")
    assert code == 0 and json.loads(out)["identical"] is True


def test_changed_replicas_is_a_unified_diff_per_file(tmp_path, capsys):
    code, out, _ = _run(capsys, _answers(tmp_path, "a"), _answers(tmp_path, "b", replicas=2))
    assert code == 1
    assert "--- a/kubernetes/wandb.yaml\n+++ b/kubernetes/wandb.yaml\n" in out
    assert "-  replicas: 1\n+  replicas: 2\n" in out
    assert "MANIFEST.sha256" not in out
    _no_secret(out)


def test_changed_secret_is_named_never_shown(tmp_path, capsys):
    a, b = _answers(tmp_path, "a"), _answers(tmp_path, "b", password=NEW_PASSWORD)
    code, out, _ = _run(capsys, a, b)
    assert code == 1
    assert "${WANDB_DB_PASSWORD@old}" in out and "${WANDB_DB_PASSWORD@new}" in out
    assert "# secret database.password (${WANDB_DB_PASSWORD}): changed" in out
    assert "WANDB_LICENSE@" not in out  # unchanged secrets stay plain placeholders
    _no_secret(out, NEW_PASSWORD)
    code, out, _ = _run(capsys, a, b, "--format", "json")
    doc = json.loads(out)
    assert doc["secrets"] == [{"placeholder": "WANDB_DB_PASSWORD", "key": "database.password", "status": "changed"}]
    assert {f["path"] for f in doc["files"]} >= {"kubernetes/wandb.yaml", "helm/values.yaml", "sql/bootstrap.sql"}
    _no_secret(out, NEW_PASSWORD)


def test_bundle_dirs_and_archives_with_secrets(tmp_path, capsys):
    a, b = _answers(tmp_path, "a"), _answers(tmp_path, "b", password=NEW_PASSWORD, replicas=3)
    answers_a, answers_b = loads(a.read_text()), loads(b.read_text())
    dir_a = write_bundle(answers_a, tmp_path / "dir-a")  # with secrets, as `render` without --redact
    zip_a = write_bundle(answers_a, tmp_path / "zip-a", archive="zip")
    tgz_b = write_bundle(answers_b, tmp_path / "tgz-b", archive="tar.gz")
    redacted_a = write_bundle(answers_a, tmp_path / "red-a", redact=True)
    assert _run(capsys, dir_a, a)[:2] == (0, "")  # the answers render to what the directory holds
    assert _run(capsys, zip_a, dir_a)[:2] == (0, "")
    code, out, _ = _run(capsys, dir_a, tgz_b)
    assert code == 1 and "-  replicas: 1\n+  replicas: 3\n" in out
    assert "# secret database.password (${WANDB_DB_PASSWORD}): changed" in out
    _no_secret(out, NEW_PASSWORD)
    code, out, _ = _run(capsys, redacted_a, dir_a, "--format", "json")  # the GitOps copy vs the real one
    assert code == 1
    doc = json.loads(out)
    assert {s["placeholder"] for s in doc["secrets"]} == {"WANDB_LICENSE", "WANDB_DB_PASSWORD", "WANDB_S3_SECRET_KEY"}
    assert {s["status"] for s in doc["secrets"]} == {"added"}
    _no_secret(out)


def test_stored_revisions(tmp_path, capsys, monkeypatch):
    from tests.services.wizard import make_settings

    settings = make_settings(tmp_path)
    monkeypatch.setenv("WBSETUP_STATE_URL", settings.state_url)
    monkeypatch.setenv("WBSETUP_DATA_DIR", str(tmp_path))
    a, b = _answers(tmp_path, "a"), _answers(tmp_path, "b", password=NEW_PASSWORD, replicas=2)
    assert cli.main(["import", str(a)]) == 0 and cli.main(["import", str(b)]) == 0
    code, out, _ = _run(capsys, "acme-prod@1", "acme-prod")
    assert code == 1 and "+  replicas: 2\n" in out and "database.password" in out
    _no_secret(out, NEW_PASSWORD)
    assert _run(capsys, "acme-prod@2", b)[:2] == (0, "")
    code, _, err = _run(capsys, "acme-prod@9", b)
    assert code == 2 and "acme-prod@9: profile 'acme-prod' has no revision 9" in err


@pytest.mark.parametrize("bad", ["no/such/file", "Not A Profile!"])
def test_invalid_input_exits_2(tmp_path, capsys, bad):
    code, out, err = _run(capsys, bad, _answers(tmp_path, "a"))
    assert code == 2 and out == "" and "no such file" in err


def test_invalid_answers_and_archive_exit_2(tmp_path, capsys):
    broken = tmp_path / "broken.yaml"
    broken.write_text("schema: 1\nprofile: x\nnope: 1\n")
    assert _run(capsys, broken, broken)[0] == 2
    fake = tmp_path / "x.zip"
    fake.write_bytes(b"not a zip")
    code, _, err = _run(capsys, fake, broken)
    assert code == 2 and "not a readable zip archive" in err


def test_an_answers_file_with_env_references_reads_the_environment(tmp_path, capsys, monkeypatch):
    """GitOps: the answers in Git hold {env: …}; against the bundle that runs, set variables are its secrets."""
    a = _answers(tmp_path, "a")
    deployed = write_bundle(loads(a.read_text()), tmp_path / "deployed")
    doc = yaml.safe_load(a.read_text())
    doc["database"]["password"] = {"env": "DIFF_TEST_DB_PASSWORD"}
    refs = tmp_path / "refs.yaml"
    refs.write_text(yaml.safe_dump(doc, allow_unicode=True))
    monkeypatch.setenv("DIFF_TEST_DB_PASSWORD", SECRETS["database.password"])
    assert _run(capsys, deployed, refs)[:2] == (0, "")
    monkeypatch.delenv("DIFF_TEST_DB_PASSWORD")
    code, out, _ = _run(capsys, deployed, refs)
    assert code == 1 and "# secret database.password (${WANDB_DB_PASSWORD}): removed" in out
    _no_secret(out)


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_secrets_changed_in_every_secret_field_are_never_shown(tmp_path, capsys, value):
    """Every secret field changes from one hostile value to another (quotes, backslashes, $, @, /, %, non-ASCII;
    the Redis URL and the registry password too): the diff names each change and shows none of the values in any
    encoding, in text or JSON, between answers files and between bundle directories written with secrets."""
    from tests.bundle_corpus import hostile_document

    def doc(v: str) -> dict:
        d = hostile_document(v)
        d["database"]["admin_password"] = f"A:{v}"
        d["deploy"].update(
            redis_url=f"redis://:{quote(v, safe='')}@redis.acme.internal:6379/0",
            registry="registry.acme.internal/mirror", registry_username="puller", registry_password=f"R:{v}",
        )  # fmt: skip
        return d

    old, new = doc(value), doc(value[::-1] + "-new")
    paths = []
    for name, d in (("old", old), ("new", new)):
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(d, allow_unicode=True))
        paths.append(path)
    values = [
        s for d in (old, new) for s in (
            d["license"], d["database"]["password"], d["database"]["admin_password"], d["object_store"]["secret_key"],
            d["tls"]["key_pem"], d["deploy"]["redis_url"], d["deploy"]["registry_password"],
        )
    ]  # fmt: skip
    for argv in ((*paths,), (*paths, "--format", "json")):
        code, out, err = _run(capsys, *argv)
        assert code == 1, err
        for secret in values:
            leaked = [f for f in encodings(secret) if f in out]
            assert leaked == [], (secret, leaked)
    code, out, _ = _run(capsys, *paths, "--format", "json")
    changed = {s["key"] for s in json.loads(out)["secrets"] if s["status"] == "changed"}
    # (database.admin_password does not reach the bundle: the runbook asks for it; it is still searched above)
    assert changed >= {"license", "database.password", "object_store.secret_key", "tls.key_pem", "deploy.redis_url",
                       "deploy.registry_password"}  # fmt: skip
    dirs = []
    for name, path in zip(("old", "new"), paths, strict=True):
        out_dir = tmp_path / f"bundle-{name}"
        write_bundle(loads(path.read_text()), out_dir)
        dirs.append(out_dir)
    code, out, err = _run(capsys, *dirs)
    assert code == 1, err
    for secret in values:
        assert [f for f in encodings(secret) if f in out] == [], secret
