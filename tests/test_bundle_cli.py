"""`wbsetup render ANSWERS --out DIR [--redact] [--archive zip|tar.gz]` (§3): exit codes and output."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from app.artifacts.bundle import build_bundle
from app.artifacts.serialize import dump_yaml
from tests.bundle_corpus import answers, plain_document

ROOT = Path(__file__).resolve().parents[1]


def render(tmp_path: Path, doc: dict | str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    path = tmp_path / "answers.yaml"
    path.write_text(doc if isinstance(doc, str) else dump_yaml(doc), encoding="utf-8")
    base = {k: v for k, v in os.environ.items() if not k.startswith("WANDB_")}
    return subprocess.run(
        [sys.executable, "-m", "app", "render", str(path), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**base, "PYTHONPATH": str(ROOT), **(env or {})},
    )


def test_render_writes_the_same_tree_as_build_bundle(tmp_path):
    proc = render(tmp_path, plain_document(), "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    assert f" files to {tmp_path / 'out'} (target " in proc.stdout.splitlines()[0]
    tree = build_bundle(answers(plain_document()))
    on_disk = {
        str(p.relative_to(tmp_path / "out")): p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file()
    }
    assert on_disk == tree
    assert oct((tmp_path / "out/kubernetes/wandb.yaml").stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize("kind", [pytest.param("zip", id="zip"), pytest.param("tar.gz", id="tar.gz")])
def test_render_archive_writes_only_the_archive(tmp_path, kind):
    proc = render(tmp_path, plain_document(), "--out", str(tmp_path / "out"), "--archive", kind, "--redact")
    assert proc.returncode == 0, proc.stderr
    # Without secrets, the archive says so (issue 31 item 4): acme-prod-bundle-redacted.<kind>.
    assert [p.name for p in (tmp_path / "out").iterdir()] == [f"acme-prod-bundle-redacted.{kind}"]
    if kind == "zip":
        with zipfile.ZipFile(tmp_path / "out" / "acme-prod-bundle-redacted.zip") as zf:
            assert (
                zf.read("kubernetes/wandb.yaml")
                == build_bundle(answers(plain_document()), redact=True)["kubernetes/wandb.yaml"]
            )


def test_render_resolves_env_references(tmp_path):
    doc = plain_document(database={"password": {"env": "MY_DB_PW"}})
    proc = render(tmp_path, doc, "--out", str(tmp_path / "out"), env={"MY_DB_PW": "from-env-Q9"})
    assert proc.returncode == 0, proc.stderr
    assert "from-env-Q9" in (tmp_path / "out/kubernetes/wandb.yaml").read_text()
    # The CLI resolves before rendering, so the bundle's answers.yaml names the standard variable
    # (the README's table names the same one): self-consistent, and never the value.
    text = (tmp_path / "out/answers.yaml").read_text()
    assert 'password:\n    env: "WANDB_DB_PASSWORD"' in text and "from-env-Q9" not in text


def test_redact_keeps_references_without_their_variables(tmp_path):
    doc = plain_document(database={"password": {"env": "MY_DB_PW"}})
    proc = render(tmp_path, doc, "--out", str(tmp_path / "out"), "--redact")
    assert proc.returncode == 0, proc.stderr
    readme = (tmp_path / "out/README.md").read_text()
    assert "| `${WANDB_DB_PASSWORD}` | `database.password` | `MY_DB_PW` |" in readme


@pytest.mark.parametrize(
    "doc,args,needle",
    [
        pytest.param("schema: 1\nprofile: p\ndeploy: {bogus: 1}\n", (), "deploy.bogus: unknown key", id="unknown-key"),
        pytest.param(
            "schema: 1\nprofile: p\ndeploy: {memory_limit: 8GB}\n", (), "deploy.memory_limit", id="bad-quantity"
        ),
        pytest.param(
            "schema: 1\nprofile: p\nlicense: {env: UNSET_WBSETUP_VAR}\n", (), "UNSET_WBSETUP_VAR", id="unset-variable"
        ),
        pytest.param("[not, a, mapping]\n", (), "mapping", id="not-a-mapping"),
        pytest.param("schema: 1\nprofile: p\n", ("--archive", "rar"), "invalid choice", id="bad-archive"),
    ],
)
def test_render_invalid_exits_2(tmp_path, doc, args, needle):
    proc = render(tmp_path, doc, "--out", str(tmp_path / "out"), *args)
    assert proc.returncode == 2
    assert needle in proc.stderr
    assert not (tmp_path / "out").exists()
