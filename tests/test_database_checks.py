"""database.* checks against real MariaDB servers (default and W&B-tuned) started by fixtures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import factories as f
from tests.services.mariadb import APP_DB, APP_USER, db_answers, run_db_checks

PARAMETER_IDS = [
    "database.binlog_format",
    "database.binlog_row_image",
    "database.sync_binlog",
    "database.innodb_flush_log_at_trx_commit",
    "database.innodb_online_alter_log_max_size",
    "database.sort_buffer_size",
    "database.max_prepared_stmt_count",
]
ALL_IDS = [
    "database.connect",
    "database.version",
    "database.charset",
    "database.grants",
    "database.write",
    *PARAMETER_IDS,
    "database.latency",
]


@pytest.fixture(scope="module")
def default_results(mariadb_default):
    return run_db_checks(db_answers(mariadb_default.port))


@pytest.fixture(scope="module")
def tuned_results(mariadb_tuned):
    return run_db_checks(db_answers(mariadb_tuned.port))


def test_every_spec_check_is_registered(default_results):
    assert sorted(default_results) == sorted(ALL_IDS)


@pytest.mark.parametrize(
    "check_id, status, observed",
    [
        pytest.param("database.connect", "pass", None, id="connect"),
        pytest.param("database.version", "fail", None, id="version-mariadb"),
        pytest.param("database.charset", "pass", "utf8mb4 / utf8mb4_general_ci", id="charset"),
        pytest.param("database.grants", "pass", None, id="grants"),
        pytest.param("database.write", "pass", None, id="write"),
        pytest.param("database.binlog_format", "fail", "MIXED", id="binlog_format"),
        pytest.param("database.binlog_row_image", "fail", "FULL", id="binlog_row_image"),
        pytest.param("database.sync_binlog", "fail", "0", id="sync_binlog"),
        pytest.param("database.innodb_flush_log_at_trx_commit", "pass", "1", id="flush_log"),
        pytest.param("database.innodb_online_alter_log_max_size", "fail", "134217728", id="alter_log"),
        pytest.param("database.sort_buffer_size", "fail", "2097152", id="sort_buffer"),
        pytest.param("database.max_prepared_stmt_count", "warn", "16382", id="prepared_stmts"),
        pytest.param("database.latency", "pass", None, id="latency"),
    ],
)
def test_default_mariadb(default_results, check_id, status, observed):
    r = default_results[check_id]
    assert r.status == status, r.message
    if observed is not None:
        assert r.observed == observed
    if status in ("fail", "warn") and check_id in PARAMETER_IDS:
        assert observed in str(r.message)
        assert "SET PERSIST" in str(r.hint) and "my.cnf" in str(r.hint)


def test_default_mariadb_version_message(default_results):
    r = default_results["database.version"]
    assert str(r.message).startswith("MariaDB 10.11") and "not supported" in str(r.message)
    assert r.observed.startswith("10.11") and "MariaDB" in r.observed


@pytest.mark.parametrize(
    "check_id", PARAMETER_IDS + ["database.charset", "database.grants", "database.write", "database.latency"]
)
def test_tuned_mariadb_passes(tuned_results, check_id):
    assert tuned_results[check_id].status == "pass", tuned_results[check_id].message


def test_tuned_mariadb_version_still_fails(tuned_results):
    assert tuned_results["database.version"].status == "fail"


def test_baseline_profile_on_default_mariadb(mariadb_default):
    r = run_db_checks(db_answers(mariadb_default.port, requirements="baseline-8.0.28"))
    assert r["database.version"].status == "fail"
    assert r["database.sort_buffer_size"].status == "fail"
    assert "33554432" in str(r["database.sort_buffer_size"].hint)
    assert r["database.max_prepared_stmt_count"].status == "warn"


def test_write_leaves_nothing_behind(mariadb_default, default_results):
    assert default_results["database.write"].status == "pass"
    tables = mariadb_default.sql(
        "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s", params=(APP_DB,)
    )
    assert tables == []


# -- connection failures: the message names the cause -----------------------------------------------


@pytest.mark.parametrize(
    "case, needle",
    [
        pytest.param("wrong-password", "access denied", id="wrong-password"),
        pytest.param("unknown-user", "access denied", id="unknown-user"),
        pytest.param("closed-port", "connection refused", id="closed-port"),
        pytest.param("dns", "DNS failure", id="dns-failure"),
    ],
)
def test_connect_failures(mariadb_default, closed_port, case, needle):
    answers = {
        "wrong-password": lambda: db_answers(mariadb_default.port, password="not-the-password"),
        "unknown-user": lambda: db_answers(mariadb_default.port, user="nobody"),
        "closed-port": lambda: db_answers(closed_port),
        "dns": lambda: db_answers(3306, host="mysql.wbsetup-test.invalid"),
    }[case]()
    r = run_db_checks(answers)
    assert r["database.connect"].status == "fail"
    assert needle in str(r["database.connect"].message)
    assert r["database.connect"].hint
    # everything else depends on the connection
    assert {x.status for k, x in r.items() if k != "database.connect"} == {"skip"}


def test_wrong_password_is_not_echoed(mariadb_default):
    r = run_db_checks(db_answers(mariadb_default.port, password="Sekr1t-Wr0ng"), "database.connect")
    assert "Sekr1t-Wr0ng" not in json.dumps(r["database.connect"].to_dict())


def test_silent_server_ends_within_the_timeout(silent_port):
    """The check gives up on its own budget and says so; how long that takes is a bench figure
    (bench/timeouts.py: a silent database, object store and host under `wbsetup validate`)."""
    r = run_db_checks(db_answers(silent_port), "database.connect", timeout=1.0)
    assert r["database.connect"].status in ("fail", "error")
    assert "timed out" in str(r["database.connect"].message)


def test_missing_inputs_skip():

    answers = f.answers(f.MINIMAL, profile="x", database={"port": 3306})
    r = run_db_checks(answers)
    assert r["database.connect"].status == "skip"
    assert "database.host" in str(r["database.connect"].message)


# -- database, grants and charset variations ---------------------------------------------------------


@pytest.fixture(scope="module")
def variations(mariadb_default):
    """Extra accounts and databases on the default server for the negative cases."""
    s = mariadb_default
    s.sql(
        "CREATE USER 'nogrant'@'%' IDENTIFIED BY 'pw-nogrant'",
        "CREATE DATABASE latin_db CHARACTER SET latin1",
        "CREATE DATABASE unicode_db CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
        "CREATE USER 'escaped'@'%' IDENTIFIED BY 'pw-escaped'",
        r"GRANT ALL ON `wandb\_local`.* TO 'escaped'@'%'",
        "GRANT ALL ON latin_db.* TO 'escaped'@'%'",
        "GRANT ALL ON unicode_db.* TO 'escaped'@'%'",
        "CREATE USER 'reader'@'%' IDENTIFIED BY 'pw-reader'",
        "GRANT SELECT ON wandb_local.* TO 'reader'@'%'",
    )
    return s


@pytest.mark.parametrize(
    "user, password, name, check_id, status, needle",
    [
        pytest.param(
            "nogrant",
            "pw-nogrant",
            APP_DB,
            "database.grants",
            "fail",
            "GRANT ALL ON `wandb_local`.* TO 'nogrant'@'%';",
            id="grants-none",
        ),
        pytest.param(
            "reader",
            "pw-reader",
            APP_DB,
            "database.grants",
            "fail",
            "GRANT ALL ON `wandb_local`.* TO 'reader'@'%';",
            id="grants-select-only",
        ),
        pytest.param("escaped", "pw-escaped", APP_DB, "database.grants", "pass", None, id="grants-escaped-name"),
        pytest.param("reader", "pw-reader", APP_DB, "database.write", "fail", "GRANT ALL", id="write-denied"),
        pytest.param(
            "nogrant",
            "pw-nogrant",
            APP_DB,
            "database.charset",
            "fail",
            "CREATE DATABASE IF NOT EXISTS",
            id="charset-invisible",
        ),
        pytest.param(
            APP_USER,
            None,
            "missing_db",
            "database.charset",
            "fail",
            "CREATE DATABASE IF NOT EXISTS",
            id="charset-missing",
        ),
        pytest.param(APP_USER, None, "missing_db", "database.write", "fail", "bootstrap", id="write-missing-db"),
        pytest.param("escaped", "pw-escaped", "latin_db", "database.charset", "fail", "ALTER DATABASE", id="latin1"),
        pytest.param(
            "escaped",
            "pw-escaped",
            "unicode_db",
            "database.charset",
            "warn",
            "utf8mb4_general_ci",
            id="other-collation",
        ),
    ],
)
def test_account_and_database_cases(variations, user, password, name, check_id, status, needle):
    extra = {"user": user, "name": name}
    if password:
        extra["password"] = password
    r = run_db_checks(db_answers(variations.port, **extra), "database.connect", check_id)[check_id]
    assert r.status == status, r.message
    if needle:
        assert needle in str(r.hint)
    assert "PASSWORD '*" not in str(r.message) + str(r.observed)  # MariaDB's SHOW GRANTS prints the hash


def test_role_grants_are_named(variations):
    variations.sql(
        "CREATE ROLE IF NOT EXISTS wandb_role",
        "GRANT ALL ON wandb_local.* TO wandb_role",
        "CREATE USER 'roleuser'@'%' IDENTIFIED BY 'pw-role'",
        "GRANT wandb_role TO 'roleuser'@'%'",
    )
    r = run_db_checks(
        db_answers(variations.port, user="roleuser", password="pw-role"), "database.connect", "database.grants"
    )["database.grants"]
    assert r.status == "fail" and "roles" in str(r.message)


# -- the full CLI flow -----------------------------------------------------------------------------


def test_cli_validate_database_step(mariadb_tuned, tmp_path):
    answers = tmp_path / "answers.yaml"
    answers.write_text(
        "schema: 1\nprofile: cli-db\n"
        f"database:\n  host: 127.0.0.1\n  port: {mariadb_tuned.port}\n  name: {APP_DB}\n  user: {APP_USER}\n"
        "  password: {env: WBSETUP_TEST_DB_PASSWORD}\n",
        encoding="utf-8",
    )
    from tests.services.mariadb import APP_PASSWORD

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "WBSETUP_TEST_DB_PASSWORD": APP_PASSWORD, "PYTHONPATH": str(root)}
    proc = subprocess.run(
        [sys.executable, "-m", "app", "validate", str(answers), "--step", "database", "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=root,
        timeout=60,
    )
    report = json.loads(proc.stdout)
    statuses = {c["id"]: c["status"] for c in report["checks"]}
    assert statuses["database.connect"] == "pass"
    assert statuses["database.version"] == "fail"  # MariaDB
    assert all(statuses[i] == "pass" for i in PARAMETER_IDS)
    assert report["summary"]["fail"] == 1 and proc.returncode == 1
    assert APP_PASSWORD not in proc.stdout
    # --ignore turns the MariaDB verdict into a recorded warning: exit 0
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "validate",
            str(answers),
            "--step",
            "database",
            "--format",
            "json",
            "--ignore",
            "database.version",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=root,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
