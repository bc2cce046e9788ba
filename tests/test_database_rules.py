"""Pure, table-driven tests of the database judgements (versions, parameters, grants)."""

from __future__ import annotations

import pytest

from app import requirements
from app.checks._dbrules import db_pattern_matches, has_all_privileges, judge_parameter, judge_version, parse_version

CURRENT = requirements.load("current")["database"]
BASELINE = requirements.load("baseline-8.0.28")["database"]


@pytest.mark.parametrize(
    "raw, aurora, flavor, number, aurora_v",
    [
        pytest.param("8.4.3", None, "MySQL", (8, 4, 3), None, id="mysql-8.4.3"),
        pytest.param("8.4.3-log", None, "MySQL", (8, 4, 3), None, id="log-suffix"),
        pytest.param("8.0.36-28", None, "MySQL", (8, 0, 36), None, id="percona"),
        pytest.param("8.0.36-28.1", None, "MySQL", (8, 0, 36), None, id="percona-build"),
        pytest.param("5.7.44-log", None, "MySQL", (5, 7, 44), None, id="mysql-5.7-log"),
        pytest.param("8.0.34-0ubuntu0.22.04.1", None, "MySQL", (8, 0, 34), None, id="ubuntu-package"),
        pytest.param("9.1.0", None, "MySQL", (9, 1, 0), None, id="mysql-9"),
        pytest.param("10.11.19-MariaDB-0+deb12u1", None, "MariaDB", (10, 11, 19), None, id="mariadb-debian"),
        pytest.param("5.5.5-10.11.6-MariaDB", None, "MariaDB", (10, 11, 6), None, id="mariadb-replication-prefix"),
        pytest.param("11.4.2-MariaDB-log", None, "MariaDB", (11, 4, 2), None, id="mariadb-11-log"),
        pytest.param("8.0.mysql_aurora.3.05.2", None, "Aurora MySQL", (8, 0), (3, 5, 2), id="aurora-string"),
        pytest.param("8.0.mysql_aurora.3.04.0", None, "Aurora MySQL", (8, 0), (3, 4, 0), id="aurora-3.04-string"),
        pytest.param("8.0.32", "3.05.2", "Aurora MySQL", (8, 0, 32), (3, 5, 2), id="aurora-function"),
        pytest.param("not a version", None, "unknown", None, None, id="garbage"),
    ],
)
def test_parse_version(raw, aurora, flavor, number, aurora_v):
    v = parse_version(raw, aurora)
    assert (v.flavor, v.number, v.aurora) == (flavor, number, aurora_v)


VERSION_TABLE = [
    # raw, aurora_version(), current, baseline
    ("10.11.19-MariaDB-0+deb12u1", None, "fail", "fail"),
    ("11.4.2-MariaDB", None, "fail", "fail"),
    ("5.6.51", None, "fail", "fail"),
    ("5.7.44-log", None, "fail", "pass"),
    ("8.0.0", None, "fail", "fail"),
    ("8.0.27", None, "fail", "fail"),
    ("8.0.28", None, "fail", "pass"),
    ("8.0.31", None, "fail", "pass"),
    ("8.0.32", None, "warn", "pass"),
    ("8.0.36-28", None, "warn", "pass"),
    ("8.0.44", None, "warn", "pass"),
    ("8.1.0", None, "warn", "pass"),
    ("8.3.0", None, "warn", "pass"),
    ("8.4.0", None, "pass", "pass"),
    ("8.4.3", None, "pass", "pass"),
    ("8.4.3-log", None, "pass", "pass"),
    ("9.1.0", None, "warn", "pass"),
    ("8.0.mysql_aurora.3.05.2", None, "warn", "pass"),
    ("8.0.mysql_aurora.3.08.0", None, "warn", "pass"),
    ("8.0.mysql_aurora.3.04.0", None, "fail", "fail"),
    ("8.0.28", "3.04.0", "fail", "fail"),
    ("8.0.32", "3.05.2", "warn", "pass"),
    ("5.7.12", "2.11.2", "fail", "fail"),
    ("what", None, "warn", "warn"),
]


@pytest.mark.parametrize(
    "raw, aurora, current, baseline",
    [pytest.param(*row, id=f"{row[0]}+{row[1]}" if row[1] else row[0]) for row in VERSION_TABLE],
)
def test_judge_version(raw, aurora, current, baseline):
    v = parse_version(raw, aurora)
    assert judge_version(v, CURRENT["version"]).status == current
    assert judge_version(v, BASELINE["version"]).status == baseline


@pytest.mark.parametrize(
    "raw, needle",
    [
        pytest.param("10.11.19-MariaDB", "MariaDB 10.11.19 is not supported", id="mariadb"),
        pytest.param("8.0.36", "MySQL 8.0 reached end of life in April 2026; upgrade to 8.4", id="eol"),
        pytest.param("8.2.0", "innovation release", id="innovation"),
        pytest.param("9.1.0", "not validated", id="nine"),
        pytest.param("8.0.mysql_aurora.3.04.0", "Aurora MySQL 3.04.0 is older than 3.05.2", id="old-aurora"),
    ],
)
def test_version_messages(raw, needle):
    assert needle in str(judge_version(parse_version(raw), CURRENT["version"]).message)


P = CURRENT["parameters"]
PB = BASELINE["parameters"]


@pytest.mark.parametrize(
    "name, observed, rule, version, status",
    [
        pytest.param("binlog_format", "ROW", P["binlog_format"], None, "pass", id="format-row"),
        pytest.param("binlog_format", "row", P["binlog_format"], None, "pass", id="format-case"),
        pytest.param("binlog_format", "MIXED", P["binlog_format"], None, "fail", id="format-mixed"),
        pytest.param("binlog_row_image", "FULL", P["binlog_row_image"], None, "fail", id="image-full"),
        pytest.param("sync_binlog", "0", P["sync_binlog"], None, "fail", id="sync-0"),
        pytest.param(
            "innodb_flush_log_at_trx_commit", "2", P["innodb_flush_log_at_trx_commit"], None, "fail", id="flush-2"
        ),
        pytest.param(
            "innodb_online_alter_log_max_size",
            "134217728",
            P["innodb_online_alter_log_max_size"],
            None,
            "fail",
            id="alter-log-128m",
        ),
        pytest.param(
            "innodb_online_alter_log_max_size",
            "536870912",
            P["innodb_online_alter_log_max_size"],
            None,
            "pass",
            id="alter-log-512m",
        ),
        pytest.param("sort_buffer_size", "67108864", P["sort_buffer_size"], None, "pass", id="sort-64m-current"),
        pytest.param("sort_buffer_size", "33554432", P["sort_buffer_size"], None, "warn", id="sort-32m-current"),
        pytest.param("sort_buffer_size", "262144", P["sort_buffer_size"], None, "fail", id="sort-256k-current"),
        pytest.param("sort_buffer_size", "33554432", PB["sort_buffer_size"], "8.0.28", "pass", id="sort-32m-baseline"),
        pytest.param("sort_buffer_size", "262144", PB["sort_buffer_size"], "8.0.28", "fail", id="sort-256k-baseline"),
        pytest.param("sort_buffer_size", "262144", PB["sort_buffer_size"], "5.7.44-log", "skip", id="sort-skip-5.7"),
        pytest.param("sort_buffer_size", "262144", P["sort_buffer_size"], "5.7.44-log", "fail", id="sort-5.7-current"),
        pytest.param("max_prepared_stmt_count", "16382", P["max_prepared_stmt_count"], None, "warn", id="stmt-default"),
        pytest.param("max_prepared_stmt_count", "1048576", P["max_prepared_stmt_count"], None, "pass", id="stmt-ok"),
        pytest.param(
            "max_prepared_stmt_count", "16382", PB["max_prepared_stmt_count"], None, "warn", id="stmt-baseline"
        ),
        pytest.param("sort_buffer_size", None, P["sort_buffer_size"], None, "warn", id="unknown-variable"),
        pytest.param("sort_buffer_size", "lots", P["sort_buffer_size"], None, "warn", id="not-a-number"),
    ],
)
def test_judge_parameter(name, observed, rule, version, status):
    v = judge_parameter(name, observed, rule, parse_version(version) if version else None)
    assert v.status == status
    if status in ("fail", "warn") and observed is not None:
        assert observed in str(v.message)  # the observed value is shown


def test_parameter_hint_has_set_persist_and_cnf_line():
    v = judge_parameter("binlog_format", "MIXED", P["binlog_format"])
    assert "SET PERSIST binlog_format = 'ROW';" in str(v.hint) and "binlog_format = ROW" in str(v.hint)
    v = judge_parameter("sort_buffer_size", "262144", P["sort_buffer_size"])
    assert "SET PERSIST sort_buffer_size = 67108864;" in str(v.hint) and "my.cnf" in str(v.hint)


@pytest.mark.parametrize(
    "pattern, name, matches",
    [
        pytest.param("wandb_local", "wandb_local", True, id="exact"),
        pytest.param(r"wandb\_local", "wandb_local", True, id="escaped-underscore"),
        pytest.param(r"wandb\_local", "wandbXlocal", False, id="escaped-is-literal"),
        pytest.param("wandb_local", "wandbXlocal", True, id="underscore-wildcard"),
        pytest.param("wandb%", "wandb_local", True, id="percent"),
        pytest.param("other", "wandb_local", False, id="other-db"),
        pytest.param(r"wandb\%", "wandb_local", False, id="escaped-percent"),
    ],
)
def test_db_pattern(pattern, name, matches):
    assert db_pattern_matches(pattern, name) is matches


MYSQL8_ROOT = (
    "GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, RELOAD, SHUTDOWN, PROCESS, FILE, REFERENCES, "
    "INDEX, ALTER, SHOW DATABASES, SUPER, CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, "
    "REPLICATION SLAVE, REPLICATION CLIENT, CREATE VIEW, SHOW VIEW, CREATE ROUTINE, ALTER ROUTINE, "
    "CREATE USER, EVENT, TRIGGER, CREATE TABLESPACE, CREATE ROLE, DROP ROLE ON *.* TO `root`@`localhost` "
    "WITH GRANT OPTION"
)


@pytest.mark.parametrize(
    "grants, ok",
    [
        pytest.param(
            ["GRANT USAGE ON *.* TO `wandb_local`@`%`", "GRANT ALL PRIVILEGES ON `wandb_local`.* TO `wandb_local`@`%`"],
            True,
            id="mysql8-db",
        ),
        pytest.param(
            ["GRANT ALL PRIVILEGES ON `wandb\\_local`.* TO 'wandb_local'@'%' WITH GRANT OPTION"],
            True,
            id="escaped-name",
        ),
        pytest.param(["GRANT ALL ON wandb_local.* TO 'wandb_local'@'%'"], True, id="unquoted-all"),
        pytest.param(["GRANT ALL PRIVILEGES ON *.* TO `admin`@`%` WITH GRANT OPTION"], True, id="global-all"),
        pytest.param([MYSQL8_ROOT], True, id="mysql8-root-privilege-list"),
        pytest.param(["GRANT USAGE ON *.* TO `wandb_local`@`%`"], False, id="usage-only"),
        pytest.param(["GRANT SELECT, INSERT ON `wandb_local`.* TO `wandb_local`@`%`"], False, id="partial"),
        pytest.param(["GRANT ALL PRIVILEGES ON `other`.* TO `wandb_local`@`%`"], False, id="other-db"),
        pytest.param(["GRANT ALL PRIVILEGES ON `wandb_local`.`runs` TO `wandb_local`@`%`"], False, id="table-only"),
        pytest.param(["GRANT `wandb_role`@`%` TO `wandb_local`@`%`"], False, id="role-only"),
        pytest.param(["GRANT SELECT (id, name) ON `wandb_local`.* TO `u`@`%`"], False, id="column-list"),
    ],
)
def test_has_all_privileges(grants, ok):
    assert has_all_privileges(grants, "wandb_local")[0] is ok


@pytest.mark.parametrize(
    "line, shown",
    [
        pytest.param(
            "GRANT USAGE ON *.* TO `u`@`%` IDENTIFIED BY PASSWORD '*6BB4837EB74329105EE4568DDA7DC67ED2CA2AD9'",
            "GRANT USAGE ON *.* TO `u`@`%` IDENTIFIED BY PASSWORD '…'",
            id="mariadb-hash",
        ),
        pytest.param(
            "GRANT USAGE ON *.* TO `u`@`%` IDENTIFIED VIA ed25519 USING 'abc\\'d' WITH GRANT OPTION",
            "GRANT USAGE ON *.* TO `u`@`%` IDENTIFIED VIA ed25519 USING '…' WITH GRANT OPTION",
            id="plugin",
        ),
        pytest.param(
            "GRANT ALL PRIVILEGES ON `wandb_local`.* TO `u`@`%`",
            "GRANT ALL PRIVILEGES ON `wandb_local`.* TO `u`@`%`",
            id="no-credentials",
        ),
    ],
)
def test_redact_grant(line, shown):
    from app.checks._dbrules import redact_grant

    assert redact_grant(line) == shown
