"""`validate --step S` resolves only the {env: …} references the checks of S read, and reports every unset
variable of them at once (#31 item 3)."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

from app import cli
from app.answers import SECRET_PLACEHOLDERS, parse_document
from app.artifacts.serialize import dump_yaml
from app.checks import STEP_MODULES
from app.secret import UnresolvedSecret
from app.checks.engine import step_secrets
from app.steps import STEPS
from tests.bundle_corpus import plain_document

CHECKS = Path(cli.__file__).resolve().parent / "checks"


def refs_document() -> dict:
    """Every secret field an {env: …} reference (the GitOps form); the services are closed loopback ports."""
    doc = plain_document(
        database={"host": "127.0.0.1", "port": 9, "admin_password": None},
        object_store={"endpoint": "http://127.0.0.1:9"},
    )
    doc["verify"] = {}
    for path, variable in SECRET_PLACEHOLDERS.items():
        section, _, key = path.rpartition(".")
        (doc.setdefault(section, {}) if section else doc)[key] = {"env": variable}
    return doc


def validate(tmp_path, monkeypatch, capsys, *args: str, env: dict | None = None) -> tuple[int, str]:
    for variable in SECRET_PLACEHOLDERS.values():
        monkeypatch.delenv(variable, raising=False)
    for variable, value in (env or {}).items():
        monkeypatch.setenv(variable, value)
    path = tmp_path / "answers.yaml"
    path.write_text(dump_yaml(refs_document()), encoding="utf-8")
    code = cli.main(["validate", str(path), "--timeout", "2", *args])
    return code, capsys.readouterr().err


def test_one_step_needs_only_its_own_secrets(tmp_path, monkeypatch, capsys):
    code, err = validate(tmp_path, monkeypatch, capsys, "--step", "database")
    assert code == 2
    assert err.strip() == "wbsetup: database.password: environment variable WANDB_DB_PASSWORD is not set"
    code, err = validate(tmp_path, monkeypatch, capsys, "--step", "database", env={"WANDB_DB_PASSWORD": "pw-123456"})
    assert code == 1 and "not set" not in err  # the checks ran (and failed: nothing listens on port 9)


def test_every_unset_variable_at_once(tmp_path, monkeypatch, capsys):
    code, err = validate(tmp_path, monkeypatch, capsys)  # the default steps: all but verify
    assert code == 2 and len(err.strip().splitlines()) == 1
    for step in ("database", "object_store", "tls", "deploy"):
        for path in step_secrets([step]):
            assert f"{SECRET_PLACEHOLDERS[path]} ({path})" in err
    assert "6 environment variables are not set" in err
    assert "WANDB_LICENSE" not in err and "WANDB_API_KEY" not in err  # no check reads them
    code, err = validate(tmp_path, monkeypatch, capsys, "--step", "verify")
    assert code == 2 and "WANDB_API_KEY (verify.api_key)" in err and "WANDB_KUBECONFIG (deploy.kubeconfig)" in err
    assert "WANDB_DB_PASSWORD" not in err


def test_a_step_without_secrets_is_not_blocked(tmp_path, monkeypatch, capsys):
    code, err = validate(tmp_path, monkeypatch, capsys, "--step", "hardware")
    assert code in (0, 1) and "not set" not in err


def test_render_lists_every_unset_variable():
    answers = parse_document(refs_document())
    with pytest.raises(UnresolvedSecret) as info:
        answers.resolved({})
    assert {v for _, v in info.value.missing} == set(SECRET_PLACEHOLDERS.values())


def _code(source: str) -> str:
    """The source without its strings and comments (a message naming a field reads no secret)."""
    skip = (tokenize.STRING, tokenize.COMMENT, getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING))
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return " ".join(t.string for t in tokens if t.type not in skip)


def _sources(step: str) -> str:
    """The text of a step's check modules and the private helpers they import (app/checks/_*.py)."""
    seen, todo, text = set(), list(STEP_MODULES[step]), []
    while todo:
        mod = todo.pop()
        if mod in seen:
            continue
        seen.add(mod)
        source = (CHECKS / f"{mod}.py").read_text(encoding="utf-8")
        text.append(_code(source))
        todo += re.findall(r"^from app\.checks import (_\w+)", source, re.M)
        todo += re.findall(r"^from app\.checks\.(_\w+) import", source, re.M)
        todo += [
            m
            for line in re.findall(r"^from app\.checks import (.+)$", source, re.M)
            for m in re.findall(r"\b(_\w+)\b", line)
        ]
    return "\n".join(text)


@pytest.mark.parametrize("step", STEPS)
def test_the_map_names_every_secret_a_step_reads(step):
    """A check reading a secret its step does not resolve would skip as "input missing": the checks'
    declarations (needs, reads) name every secret field their step's code reads."""
    source = _sources(step)
    read = {path for path in SECRET_PLACEHOLDERS if re.search(rf"\. {path.rsplit('.', 1)[-1]}\b", source)}
    assert read - step_secrets([step]) == set()


# The table app/steps.py kept by hand before the checks declared the secrets they read (issue #29).
PREVIOUS_STEP_SECRETS = {
    "hardware": (),
    "database": ("database.password",),
    "object_store": ("object_store.secret_key",),
    "tls": ("tls.key_pem",),
    "deploy": ("deploy.kubeconfig", "deploy.redis_url", "deploy.registry_password"),
    "verify": ("verify.api_key", "deploy.kubeconfig"),
    "upgrade": ("deploy.kubeconfig", "verify.api_key", "database.password"),
}


@pytest.mark.parametrize("step", STEPS)
def test_the_secrets_derived_from_the_checks_equal_the_previous_table(step):
    assert step_secrets([step]) == set(PREVIOUS_STEP_SECRETS[step])
