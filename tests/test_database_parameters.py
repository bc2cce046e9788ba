"""The requirement profile's `database.parameters` rows are the one source for the MySQL parameters.

A profile with one extra row (here `max_connections`) gets its check, its variable read by
database.connect, its lines in sql/parameters.sql and mysql/wandb.cnf, and a tuned stand-in that
reports it, with no other change.
"""

from __future__ import annotations

import shutil

import pytest

from app import requirements
from app.artifacts.sql import mysql_cnf, parameters_sql
from app.checks import _mysql, database
from app.checks.engine import REGISTRY, checks_for
from tests.services.mariadb import db_answers, run_db_checks
from tests.services.mysql_standin import STANDIN_PASSWORD, STANDIN_USER, StandinSpec

# The extra row, as one would add it to app/requirements/current.yaml.
EXTRA_ROW = "    max_connections: {value: 1000, compare: min, required: true}\n"


@pytest.fixture
def extra_profile(tmp_path, monkeypatch):
    """`current` read from a copy of its YAML with EXTRA_ROW appended to `database.parameters`."""
    for name in requirements.PROFILES:
        shutil.copy(requirements.HERE / f"{name}.yaml", tmp_path)
    path = tmp_path / "current.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = lines.index("  parameters:\n") + 1
    while lines[at].startswith("    "):
        at += 1
    path.write_text("".join(lines[:at] + [EXTRA_ROW] + lines[at:]), encoding="utf-8")
    monkeypatch.setattr(requirements, "HERE", tmp_path)
    requirements.load.cache_clear()
    new = database.register_parameters(requirements.load("current"))
    try:
        yield requirements.load("current"), new
    finally:
        for check_id in new:
            REGISTRY.pop(check_id, None)
        requirements.load.cache_clear()


def test_shipped_profiles_register_exactly_the_spec_checks():
    """§4.2: the parameter check ids, in order, come from the profiles."""
    ids = [c.id for c in checks_for(["database"])]
    assert ids == [
        "database.connect",
        "database.version",
        "database.charset",
        "database.grants",
        "database.write",
        "database.binlog_format",
        "database.binlog_row_image",
        "database.sync_binlog",
        "database.innodb_flush_log_at_trx_commit",
        "database.innodb_online_alter_log_max_size",
        "database.sort_buffer_size",
        "database.max_prepared_stmt_count",
        "database.latency",
    ]
    assert database.register_parameters(requirements.load("current")) == []  # idempotent


def test_one_yaml_row_adds_check_variable_artifacts(extra_profile, mysql_standin):
    profile, new = extra_profile
    assert new == ["database.max_connections"]
    check = REGISTRY["database.max_connections"]
    assert str(check.title) == "MySQL parameter max_connections" and check.depends == ("database.connect",)
    assert check in checks_for(["database"])

    assert "max_connections" in _mysql.variables_for(profile)
    assert requirements.tuned_variables(profile)["max_connections"] == "1000"

    answers_kw = dict(requirements="current", user=STANDIN_USER, password=STANDIN_PASSWORD)
    tuned = StandinSpec("8.4.3", variables=tuple(requirements.tuned_variables(profile).items()))
    r = run_db_checks(
        db_answers(mysql_standin.port(tuned), **answers_kw),
        "database.connect",
        "database.max_connections",
        "database.sort_buffer_size",
    )
    assert r["database.connect"].status == "pass", r["database.connect"].message
    assert r["database.max_connections"].status == "pass", r["database.max_connections"].message
    assert r["database.max_connections"].observed == "1000"  # the variable was read from the server
    assert r["database.sort_buffer_size"].status == "pass"

    low = StandinSpec("8.4.3", variables=(("max_connections", "151"),))
    r = run_db_checks(db_answers(mysql_standin.port(low), **answers_kw), "database.connect", "database.max_connections")
    assert r["database.max_connections"].status == "fail" and r["database.max_connections"].observed == "151"
    assert "SET PERSIST max_connections = 1000;" in str(r["database.max_connections"].hint)

    answers = db_answers(1, **answers_kw)
    assert "SET PERSIST max_connections = 1000;" in parameters_sql(answers).splitlines()
    assert "max_connections = 1000" in mysql_cnf(answers).splitlines()


def test_extra_parameter_skips_on_a_profile_without_it(extra_profile, mysql_standin):
    """The baseline profile has no such row: its check says so instead of judging."""
    spec = StandinSpec("8.4.3")
    answers = db_answers(
        mysql_standin.port(spec), requirements="baseline-8.0.28", user=STANDIN_USER, password=STANDIN_PASSWORD
    )
    r = run_db_checks(answers, "database.connect", "database.max_connections")
    assert r["database.max_connections"].status == "skip"
    assert "max_connections" not in _mysql.variables_for(requirements.load("baseline-8.0.28"))
