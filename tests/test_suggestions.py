"""A misspelt key or id names the closest allowed one (#31 item 6): answers keys, --step and --ignore."""

from __future__ import annotations

import pytest

from app import cli
from app.answers import AnswersError, loads


def errors_of(text: str) -> list[str]:
    with pytest.raises(AnswersError) as info:
        loads("schema: 1\nprofile: acme\n" + text)
    return [str(e) for e in info.value.errors]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("database: {prot: 3306}\n", "database.prot: unknown key; did you mean `port`?"),
        ("deploy: {replica: 2}\n", "deploy.replica: unknown key; did you mean `replicas`?"),
        ("hardware: {app: {cpu_core: 8}}\n", "hardware.app.cpu_core: unknown key; did you mean `cpu_cores`?"),
        ("verify: {apikey: k}\n", "verify.apikey: unknown key; did you mean `api_key`?"),
        ("hardwar: {}\n", "hardwar: unknown key; did you mean `hardware`?"),
        ("zzzz: 1\n", "zzzz: unknown key"),  # nothing close: no guess
    ],
)
def test_unknown_answers_key(text, line):
    assert errors_of(text) == [line]


def test_unknown_step_names_the_closest(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["validate", "answers.yaml", "--step", "databse"])
    assert info.value.code == 2
    assert "did you mean `database`?" in capsys.readouterr().err


def test_unknown_check_id_is_a_usage_error_with_the_closest(tmp_path, capsys):
    path = tmp_path / "answers.yaml"
    path.write_text("schema: 1\nprofile: acme\n", encoding="utf-8")
    code = cli.main(["validate", str(path), "--ignore", "database.conect", "--ignore", "zzz"])
    err = capsys.readouterr().err.splitlines()
    assert code == 2
    assert err == [
        "wbsetup: unknown check id 'database.conect'; did you mean `database.connect`?",
        "wbsetup: unknown check id 'zzz'",
    ]


def test_unknown_profile_on_export_names_the_closest_or_the_demo_path(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WBSETUP_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("WBSETUP_STATE_URL", raising=False)
    path = tmp_path / "answers.yaml"
    path.write_text("schema: 1\nprofile: acme-prod\n")
    assert cli.main(["import", str(path)]) == 0
    capsys.readouterr()
    assert cli.main(["export", "acme-prd"]) == 2
    assert "unknown profile 'acme-prd'; did you mean `acme-prod`?" in capsys.readouterr().err
    assert cli.main(["export", "demo"]) == 2  # the demo's profile lives in the demo's own state
    assert "wbsetup demo --print-answers" in capsys.readouterr().err
    assert cli.main(["export", "zzzzzz"]) == 2
    assert capsys.readouterr().err.strip() == "wbsetup: unknown profile 'zzzzzz'"
    from types import SimpleNamespace

    from app.change import history  # `wbsetup history` says the same (in process: the CLI exits when done)
    from app.settings import Settings
    from app.store import Store

    store = Store.open(Settings.from_env())
    assert history.command(SimpleNamespace(profile="acme-prd", format="text"), store) == 2
    assert "did you mean `acme-prod`?" in capsys.readouterr().err
