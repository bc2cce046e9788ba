"""SQL and my.cnf artifacts (§6): sql/bootstrap.sql, sql/parameters.sql, mysql/wandb.cnf.

Builders only: answers in, text out, no I/O. Every literal and identifier goes through
app.artifacts.serialize; the parameter values come from the answers' requirement profile.
"""

from __future__ import annotations

from app import requirements
from app.answers import Answers
from app.artifacts.serialize import SQL_MODE, sql_account, sql_ident, sql_string
from app.secret import reveal

PASSWORD_PLACEHOLDER = "${WANDB_DB_PASSWORD}"
# Option groups of the MySQL 8 releases W&B runs on; 8.0-only settings go there (never active on 5.7).
MYSQL8_GROUPS = ("8.0", "8.4")
# The seed creates the user for any client host; W&B nodes connect from several addresses.
USER_HOST = "%"


def _database_rules(answers: Answers) -> dict:
    return requirements.load(answers.requirements)["database"]


def bootstrap_statement_list(answers: Answers, password: str) -> list[str]:
    """The bootstrap statements (without `;`), with `password` as the user's password literal.

    Idempotent: IF NOT EXISTS for database and user, ALTER USER so a re-run converges on the
    password, GRANT is a no-op when held. No IDENTIFIED WITH: the server's default auth plugin
    (caching_sha2_password on MySQL 8.x, mysql_native_password on 5.7 and MariaDB).
    """
    db = answers.database
    cs = _database_rules(answers)["charset"]
    account = sql_account(db.user, USER_HOST)
    return [
        # Pinned so backslash escapes in the literals below mean the same on every server.
        f"SET SESSION sql_mode = {sql_string(SQL_MODE)}",
        # The password literal is UTF-8 text; the server must read it as such to hash the same
        # bytes the client (PyMySQL, W&B) sends.
        "SET NAMES utf8mb4",
        f"CREATE DATABASE IF NOT EXISTS {sql_ident(db.name)} CHARACTER SET {cs['charset']} COLLATE {cs['collation']}",
        f"CREATE USER IF NOT EXISTS {account} IDENTIFIED BY {sql_string(password)}",
        f"ALTER USER {account} IDENTIFIED BY {sql_string(password)}",
        f"GRANT ALL ON {sql_ident(db.name)}.* TO {account}",
    ]


def _password(answers: Answers) -> str:
    value = reveal(answers.database.password)
    return PASSWORD_PLACEHOLDER if value is None else value


def bootstrap_sql(answers: Answers) -> str:
    """sql/bootstrap.sql: database, user and grant; re-running it changes nothing.

    Runs unchanged on MySQL 5.7/8.0/8.4 and MariaDB 10.11 as an admin:
    `mysql -h HOST -u root -p < bootstrap.sql`.
    """
    first, *rest = bootstrap_statement_list(answers, _password(answers))
    db = answers.database
    header = [
        f"-- W&B Server: database {db.name} and user {db.user} (profile {answers.profile}).",
        "-- Run as an administrator: mysql -h HOST -u ADMIN -p < bootstrap.sql  (safe to re-run)",
    ]
    return "\n".join([first + ";", *header, *(s + ";" for s in rest)]) + "\n"


def _literal(value) -> str:
    return sql_string(value) if isinstance(value, str) else str(value)


def parameters_sql(answers: Answers) -> str:
    """sql/parameters.sql: `SET PERSIST` for every required parameter of the requirement profile.

    MySQL 8+ (SET PERSIST survives restarts; needs SYSTEM_VARIABLES_ADMIN). On MySQL 5.7 use
    mysql/wandb.cnf instead.
    """
    params = _database_rules(answers)["parameters"]
    lines = [
        f"-- W&B Server: MySQL server parameters (requirements: {answers.requirements}).",
        "-- MySQL 8.0+ as an administrator; on MySQL 5.7 use mysql/wandb.cnf instead.",
    ]
    for name, rule in params.items():
        if not rule.get("required"):
            continue
        if rule.get("skip_on"):
            lines.append(f"-- {name}: not for MySQL {', '.join(rule['skip_on'])}")
        lines.append(f"SET PERSIST {name} = {_literal(rule['value'])};")
    return "\n".join(lines) + "\n"


def mysql_cnf(answers: Answers) -> str:
    """mysql/wandb.cnf: a [mysqld] group with the required parameters, then optional
    recommendations (commented out, clearly marked)."""
    rules = _database_rules(answers)
    lines = [
        f"# W&B Server: MySQL server parameters (requirements: {answers.requirements}).",
        "# Install as /etc/mysql/conf.d/wandb.cnf (or !include it from my.cnf) and restart mysqld.",
        "[mysqld]",
    ]
    versioned: dict[tuple[str, ...], list[str]] = {}
    for name, rule in rules["parameters"].items():
        if rule.get("required"):
            if rule.get("skip_on"):  # not active for those versions: see the version groups below
                versioned.setdefault(tuple(rule["skip_on"]), []).append(f"{name} = {rule['value']}")
            else:
                lines.append(f"{name} = {rule['value']}")
    extras = rules.get("recommended") or {}
    if extras:
        lines += ["", "# Optional, recommended (W&B's own managed databases set these). Uncomment to use."]
        lines += [f"# {name} = {value}" for name, value in extras.items()]
    for skip_on, settings in versioned.items():
        # mysqld reads a [mysqld-X.Y] group only when its own version is X.Y (MySQL manual, "Using
        # Option Files"): the settings below are active on MySQL 8 and ignored by the others.
        lines += [
            "",
            (
                f"# Not for MySQL {', '.join(skip_on)}: only MySQL {' and '.join(MYSQL8_GROUPS)} servers read "
                "the groups below. On another MySQL 8 release, copy these lines under [mysqld]."
            ),
        ]
        for version in MYSQL8_GROUPS:
            lines += [f"[mysqld-{version}]", *settings]
    return "\n".join(lines) + "\n"
