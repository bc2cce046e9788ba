"""Version-specific paths through the MySQL 8 **stand-in** (mysql-mimic; see tests/services/mysql_standin.py).

MariaDB cannot pretend to be MySQL 8.4 or Aurora, so these cases run against the stand-in. The
judgement tables themselves are unit-tested in test_database_rules.py.
"""

from __future__ import annotations

import pytest

from tests.services.mariadb import db_answers, run_db_checks
from tests.services.mysql_standin import STANDIN_PASSWORD, STANDIN_USER, StandinSpec

STANDIN_VERSIONS = [
    # handshake/VERSION(), aurora_version(), current, baseline
    ("5.7.44-log", None, "fail", "pass"),
    ("8.0.27", None, "fail", "fail"),
    ("8.0.28", None, "fail", "pass"),
    ("8.0.36-28", None, "warn", "pass"),
    ("8.4.3", None, "pass", "pass"),
    ("9.1.0", None, "warn", "pass"),
    ("8.0.mysql_aurora.3.05.2", None, "warn", "pass"),
    ("8.0.mysql_aurora.3.04.0", None, "fail", "fail"),
    ("8.0.28", "3.04.0", "fail", "fail"),
]


def _answers(mysql_standin, spec: StandinSpec, requirements: str, **extra):
    return db_answers(
        mysql_standin.port(spec), requirements=requirements, user=STANDIN_USER, password=STANDIN_PASSWORD, **extra
    )


@pytest.mark.parametrize(
    "version, aurora, current, baseline",
    [pytest.param(*row, id=f"standin-{row[0]}" + (f"-aurora-{row[1]}" if row[1] else "")) for row in STANDIN_VERSIONS],
)
def test_version_through_standin(mysql_standin, version, aurora, current, baseline):
    spec = StandinSpec(version, aurora)
    for requirements, want in (("current", current), ("baseline-8.0.28", baseline)):
        r = run_db_checks(_answers(mysql_standin, spec, requirements), "database.connect", "database.version")
        assert r["database.connect"].status == "pass", r["database.connect"].message
        assert r["database.version"].status == want, (requirements, r["database.version"].message)
        assert r["database.version"].observed == version


@pytest.mark.parametrize(
    "version, requirements, status",
    [
        pytest.param("5.7.44-log", "baseline-8.0.28", "skip", id="standin-5.7-baseline-skips"),
        pytest.param("8.0.28", "baseline-8.0.28", "fail", id="standin-8.0.28-baseline-judged"),
        pytest.param("8.4.3", "current", "fail", id="standin-8.4-current"),
    ],
)
def test_sort_buffer_by_version_through_standin(mysql_standin, version, requirements, status):
    variables = (("sort_buffer_size", "262144"),)  # MySQL's default
    spec = StandinSpec(version, variables=variables)
    r = run_db_checks(_answers(mysql_standin, spec, requirements), "database.connect", "database.sort_buffer_size")
    assert r["database.sort_buffer_size"].status == status


def test_missing_variable_is_unknown_not_a_crash(mysql_standin):
    spec = StandinSpec("8.4.3", variables=(("binlog_format", "ROW"),))
    r = run_db_checks(_answers(mysql_standin, spec, "current"))
    assert r["database.binlog_format"].status == "pass"
    assert r["database.max_prepared_stmt_count"].status == "warn"
    assert "unknown" in str(r["database.max_prepared_stmt_count"].message)
    assert not [x for x in r.values() if x.status == "error"]


def test_tuned_mysql84_standin_passes_version_and_parameters(mysql_standin):
    r = run_db_checks(
        _answers(mysql_standin, StandinSpec("8.4.3"), "current"),
        "database.connect",
        "database.version",
        "database.binlog_format",
        "database.sort_buffer_size",
        "database.max_prepared_stmt_count",
        "database.grants",
    )
    assert {k: v.status for k, v in r.items()} == dict.fromkeys(r, "pass")


def test_root_style_grants_through_standin(mysql_standin):
    spec = StandinSpec(
        "8.4.3",
        grants=(
            "GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, REFERENCES, INDEX, "
            "ALTER, CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, CREATE VIEW, "
            "SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, EVENT, TRIGGER ON *.* "
            "TO `wandb_local`@`%`",
        ),
    )
    r = run_db_checks(_answers(mysql_standin, spec, "current"), "database.connect", "database.grants")
    assert r["database.grants"].status == "pass"


def test_standin_wrong_password(mysql_standin):
    r = run_db_checks(
        db_answers(mysql_standin.port(StandinSpec("8.4.3")), user=STANDIN_USER, password="nope"), "database.connect"
    )
    assert r["database.connect"].status == "fail" and "access denied" in str(r["database.connect"].message)
