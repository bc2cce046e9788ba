"""sql/bootstrap.sql, sql/parameters.sql and mysql/wandb.cnf, checked by their real consumers:
the `mariadb` client and mariadbd (docs/architecture.md, "Tests")."""

from __future__ import annotations

import configparser

import pytest

from app import requirements
from app.answers import parse_document
from app.artifacts.serialize import SQL_MODE
from app.artifacts.sql import PASSWORD_PLACEHOLDER, bootstrap_sql, mysql_cnf, parameters_sql
from tests import factories as f
from tests.services.mariadb import MariaDB, db_answers, run_db_checks

HOSTILE_PASSWORDS = [
    pytest.param("q'uote\"double", id="quotes"),
    pytest.param("back\\slash\\", id="backslash-at-end"),
    pytest.param("100%$HOME@host:/#?&={}+", id="percent-dollar-at"),
    pytest.param("비밀번호-é-ü", id="non-ascii"),
    pytest.param("x'; DROP DATABASE mysql; -- ", id="sql-injection"),
    pytest.param("tab\tnew\nline \\n \\0", id="control-chars"),
    pytest.param("${WANDB_DB_PASSWORD}", id="looks-like-placeholder"),
]


def _answers(password: str | None = "pw", requirements_: str = "current", **db):
    doc = f.answers_doc(
        f.MINIMAL,
        profile="sql-test",
        requirements=requirements_,
        database={"host": "db.example", "name": "wandb_local", "user": "wandb_local", **db},
    )
    if password is not None:
        doc["database"]["password"] = password
    return parse_document(doc)


def test_bootstrap_starts_with_pinned_sql_mode():
    assert bootstrap_sql(_answers()).startswith(f"SET SESSION sql_mode = '{SQL_MODE}';\n")


def test_bootstrap_shape():
    sql = bootstrap_sql(_answers("pw", name="wb_db", user="wb_user"))
    assert "CREATE DATABASE IF NOT EXISTS `wb_db` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;" in sql
    assert "CREATE USER IF NOT EXISTS 'wb_user'@'%' IDENTIFIED BY 'pw';" in sql
    assert "ALTER USER 'wb_user'@'%' IDENTIFIED BY 'pw';" in sql
    assert "GRANT ALL ON `wb_db`.* TO 'wb_user'@'%';" in sql
    assert "IDENTIFIED WITH" not in sql  # the server's default auth plugin


def test_absent_password_is_the_named_placeholder():
    sql = bootstrap_sql(_answers(None))
    assert f"IDENTIFIED BY '{PASSWORD_PLACEHOLDER}';" in sql


def test_builders_are_deterministic():
    a = _answers("p@ss")
    assert [bootstrap_sql(a), parameters_sql(a), mysql_cnf(a)] == [bootstrap_sql(a), parameters_sql(a), mysql_cnf(a)]


@pytest.mark.parametrize("profile", ["current", "baseline-8.0.28"])
def test_parameters_sql_covers_every_required_parameter(profile):
    sql = parameters_sql(_answers(requirements_=profile))
    rules = requirements.load(profile)["database"]["parameters"]
    for name, rule in rules.items():
        value = f"'{rule['value']}'" if isinstance(rule["value"], str) else str(rule["value"])
        assert (f"SET PERSIST {name} = {value};" in sql) is bool(rule.get("required")), name
    assert ("max_prepared_stmt_count" in sql) is (profile == "current")


def _shown_state(server: MariaDB, user: str, db: str) -> tuple:
    return (
        server.sql(f"SHOW CREATE USER '{user}'@'%'"),
        server.sql(f"SHOW GRANTS FOR '{user}'@'%'"),
        server.sql(
            "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA "
            "WHERE SCHEMA_NAME = %s",
            params=(db,),
        ),
    )


@pytest.mark.parametrize("password", HOSTILE_PASSWORDS)
def test_bootstrap_twice_with_mariadb_client_then_login(mariadb_default, request, password):
    n = request.node.callspec.id.replace("-", "_")
    name, user = f"boot_{n}", f"boot_{n}"
    answers = db_answers(mariadb_default.port, name=name, user=user, password=password)
    script = bootstrap_sql(answers)
    first = mariadb_default.client(script)
    assert first.returncode == 0, first.stderr.decode()
    state = _shown_state(mariadb_default, user, name)
    second = mariadb_default.client(script)
    assert second.returncode == 0, second.stderr.decode()
    assert _shown_state(mariadb_default, user, name) == state  # re-running changes nothing

    # the application logs in with exactly this password: PyMySQL (the checks) ...
    r = run_db_checks(answers, "database.connect", "database.charset", "database.grants", "database.write")
    assert {k: v.status for k, v in r.items()} == dict.fromkeys(r, "pass"), {k: v.message for k, v in r.items()}
    # ... and the real client
    login = mariadb_default.client("SELECT CURRENT_USER();", user=user, password=password)
    assert login.returncode == 0 and f"{user}@%" in login.stdout.decode(), login.stderr.decode()
    # and a wrong password is refused
    wrong = run_db_checks(
        db_answers(mariadb_default.port, name=name, user=user, password=password + "x"), "database.connect"
    )["database.connect"]
    assert wrong.status == "fail" and "access denied" in str(wrong.message)


def test_bootstrap_with_hostile_user_name(mariadb_default):
    answers = db_answers(mariadb_default.port, name="boot_hostile_user", user="o'brien\\ \"%_`", password="p'w")
    for _ in range(2):
        run = mariadb_default.client(bootstrap_sql(answers))
        assert run.returncode == 0, run.stderr.decode()
    r = run_db_checks(answers, "database.connect", "database.grants", "database.write")
    assert {k: v.status for k, v in r.items()} == dict.fromkeys(r, "pass"), {k: v.message for k, v in r.items()}


def test_parameters_sql_as_global_runs_on_mariadb(mariadb_default):
    """Names and values are real: `SET GLOBAL` (for PERSIST) runs and the server then holds them."""
    rules = requirements.load("current")["database"]["parameters"]
    names = list(rules)
    before = dict(
        mariadb_default.sql(
            f"SHOW GLOBAL VARIABLES WHERE Variable_name IN ({', '.join(['%s'] * len(names))})", params=tuple(names)
        )
    )
    try:
        run = mariadb_default.client(parameters_sql(db_answers(mariadb_default.port)).replace("PERSIST", "GLOBAL"))
        assert run.returncode == 0, run.stderr.decode()
        after = dict(
            mariadb_default.sql(
                f"SHOW GLOBAL VARIABLES WHERE Variable_name IN ({', '.join(['%s'] * len(names))})", params=tuple(names)
            )
        )
        assert {n: after[n] for n in names} == {n: str(rules[n]["value"]) for n in names}
    finally:  # the shared default server keeps its defaults for the other tests
        mariadb_default.sql(
            *(f"SET GLOBAL {n} = {before[n] if before[n].isdigit() else repr(before[n])}" for n in names)
        )


@pytest.mark.parametrize("profile", ["current", "baseline-8.0.28"])
def test_cnf_shape(profile):
    text = mysql_cnf(_answers(requirements_=profile))
    cnf = configparser.ConfigParser(allow_no_value=True, comment_prefixes=("#",))
    cnf.read_string(text)
    rules = requirements.load(profile)["database"]
    required = {n: str(r["value"]) for n, r in rules["parameters"].items() if r.get("required")}
    for_all = {n: v for n, v in required.items() if not rules["parameters"][n].get("skip_on")}
    assert dict(cnf["mysqld"]) == for_all
    for version in ("8.0", "8.4"):  # a setting not for 5.7 is active only where mysqld X.Y reads it
        group = dict(cnf[f"mysqld-{version}"]) if cnf.has_section(f"mysqld-{version}") else {}
        assert {**for_all, **group} == required
    for name in rules["recommended"]:
        assert f"# {name} = " in text  # optional extras, commented out
    assert "Optional" in text


def test_cnf_is_read_by_a_real_mariadbd(tmp_path):
    """mariadbd starts with the generated wandb.cnf as its only option file and holds its values."""
    cnf = tmp_path / "wandb.cnf"
    cnf.write_text(mysql_cnf(_answers()), encoding="utf-8")
    server = MariaDB(tmp_path / "srv", defaults_file=cnf)
    (tmp_path / "srv").mkdir()
    server.start()
    try:
        rules = requirements.load("current")["database"]["parameters"]
        for name, rule in rules.items():
            assert server.sql(f"SELECT @@GLOBAL.{name}") == [(rule["value"],)], name
    finally:
        server.stop()
