"""Database checks (§4.2), live against the MySQL server.

`database.connect` connects once, gathers the facts (version, server variables, Aurora version)
into ctx.facts["database"]; the version and parameter checks judge those facts. The checks that
need their own round trips (charset, grants, write, latency) open their own short connection, as
checks run concurrently in threads. Rules are data: ctx.req["database"] (app/requirements/*.yaml); the parameter checks are registered
from the profiles' `database.parameters` rows.
"""

from __future__ import annotations

import functools
import secrets
import statistics
import time
from contextlib import closing

import pymysql

from app import requirements
from app.artifacts.serialize import sql_account, sql_ident
from app.checks import _dbrules as rules, _mysql
from app.checks.engine import REGISTRY, Context, Outcome, check, error, fail, passed, skip, warn
from app.i18n.message import N_, msg

NEEDS = ["database.host", "database.password"]
READS = ["requirements"]  # ctx.req["database"]: the rules of the chosen requirement set
AFTER_CONNECT = dict(depends=["database.connect"], needs=NEEDS, reads=READS)
BOOTSTRAP_HINT = N_("Run sql/bootstrap.sql as an admin (or the wizard's “apply bootstrap” action)")


def _open(ctx: Context, database: str | None = None):
    return _mysql.connect(ctx.answers.database, ctx.timeout, database=database)


def _live(fn):
    """A server error in a check that connected before (database.connect passed) is an `error`
    naming the cause, not a crash."""

    @functools.wraps(fn)
    def guarded(ctx: Context) -> Outcome:
        try:
            return fn(ctx)
        except (pymysql.err.MySQLError, OSError) as exc:
            f = _mysql.describe(exc, ctx.answers.database, ctx.timeout)
            return error(f.message, f.hint)

    return guarded


def _facts(ctx: Context) -> dict | None:
    return ctx.facts.get("database")


def _version(facts: dict) -> rules.ServerVersion:
    raw = facts.get("version") or facts.get("server_version") or ""
    handshake = facts.get("server_version") or ""
    if "aurora" in handshake.lower() and "aurora" not in raw.lower():
        raw = handshake  # Aurora's VERSION() can be plain "8.0.32"; the handshake says more
    return rules.parse_version(raw, facts.get("aurora_version"))


@check("database.connect", N_("MySQL connection"), needs=NEEDS, reads=READS)
def connect(ctx: Context) -> Outcome:
    db = ctx.answers.database
    try:
        conn = _open(ctx)
    except (pymysql.err.MySQLError, _mysql.TLSConfigError, OSError) as exc:
        f = _mysql.describe(exc, db, ctx.timeout)
        return fail(f.message, f.hint, observed=f.cause)
    with closing(conn):
        try:
            facts = _mysql.gather(conn, _mysql.variables_for(ctx.req))
        except pymysql.err.MySQLError as exc:
            return fail(
                msg("connected, but cannot read the server's version and variables: %(args)s", args=exc.args[-1]),
                N_("Check that the user may run SELECT VERSION() and SHOW GLOBAL VARIABLES"),
            )
    ctx.facts["database"] = facts
    tls = f"TLS {facts['tls']}" if facts["tls"] else msg("unencrypted")
    return passed(
        msg(
            "connected to %(host)s:%(port)s as %(user)s (%(tls)s); server %(version)s",
            host=db.host,
            port=db.port,
            user=db.user,
            tls=tls,
            version=facts["version"],
        ),
        observed=facts["version"],
    )


@check("database.version", N_("MySQL version"), **AFTER_CONNECT)
def version(ctx: Context) -> Outcome:
    facts = _facts(ctx)
    if facts is None:
        return skip(N_("skipped: database.connect gathered no facts"))
    v = _version(facts)
    spec = ctx.req["database"]["version"]
    verdict = rules.judge_version(v, spec)
    if verdict.status == "pass":
        return passed(verdict.message, observed=v.raw, expected=spec["expected"])
    build = {"warn": warn, "fail": fail}[verdict.status]
    return build(verdict.message, verdict.hint, observed=v.raw, expected=spec["expected"])


@check("database.charset", N_("Database character set"), **AFTER_CONNECT)
@_live
def charset(ctx: Context) -> Outcome:
    name = ctx.answers.database.name
    want = ctx.req["database"]["charset"]
    expected = f"{want['charset']} / {want['collation']}"
    create = (
        f"CREATE DATABASE IF NOT EXISTS {sql_ident(name)} CHARACTER SET {want['charset']} COLLATE {want['collation']};"
    )
    with closing(_open(ctx)) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA "
            "WHERE SCHEMA_NAME = %s",
            (name,),
        )
        row = cur.fetchone()
    if row is None:
        return fail(
            msg(
                "database %(name)s does not exist (or %(user)s cannot see it)",
                name=name,
                user=ctx.answers.database.user,
            ),
            msg("%(text)s: %(detail)s", text=msg(BOOTSTRAP_HINT), detail=create),
            observed=None,
            expected=expected,
        )
    cs, coll = str(row[0]), str(row[1])
    observed = f"{cs} / {coll}"
    alter = f"ALTER DATABASE {sql_ident(name)} CHARACTER SET {want['charset']} COLLATE {want['collation']};"
    if cs.lower() != want["charset"]:
        return fail(
            msg(
                "database %(name)s uses character set %(cs)s; W&B needs %(charset)s",
                name=name,
                cs=cs,
                charset=want["charset"],
            ),
            msg("%(alter)s (before W&B creates its tables)", alter=alter),
            observed=observed,
            expected=expected,
        )
    if coll.lower() != want["collation"]:
        return warn(
            msg(
                "database %(name)s uses collation %(coll)s; W&B expects %(collation)s",
                name=name,
                coll=coll,
                collation=want["collation"],
            ),
            alter,
            observed=observed,
            expected=expected,
        )
    return passed(f"database {name}: {observed}", observed=observed, expected=expected)


@check("database.grants", N_("Privileges of the W&B user"), **AFTER_CONNECT)
@_live
def grants(ctx: Context) -> Outcome:
    name = ctx.answers.database.name
    with closing(_open(ctx)) as conn, conn.cursor() as cur:
        cur.execute("SELECT CURRENT_USER()")
        account = str(cur.fetchone()[0])
        cur.execute("SHOW GRANTS FOR CURRENT_USER()")
        lines = [str(r[0]) for r in cur.fetchall()]
    ok, line = rules.has_all_privileges(lines, name)
    expected = f"ALL PRIVILEGES ON {sql_ident(name)}.*"
    if ok:
        assert line is not None  # the granting line comes with ok
        return passed(f"{account}: {rules.redact_grant(line)}", observed=rules.redact_grant(line), expected=expected)
    user, host = rules.split_account(account)
    shown = "; ".join(rules.redact_grant(g) for g in lines) or msg("no grants")
    # SHOW GRANTS FOR CURRENT_USER() does not expand roles (MySQL 8, MariaDB).
    roles = (
        msg(" (privileges held through roles are not counted)") if any(rules.is_role_grant(g) for g in lines) else ""
    )
    return fail(
        msg(
            "%(account)s lacks ALL PRIVILEGES on %(name)s.*%(roles)s (has: %(shown)s)",
            account=account,
            name=name,
            roles=roles,
            shown=shown,
        ),
        f"GRANT ALL ON {sql_ident(name)}.* TO {sql_account(user, host)};",
        observed=shown,
        expected=expected,
    )


@check("database.write", N_("Create, write, read and drop a table"), **AFTER_CONNECT)
@_live
def write(ctx: Context) -> Outcome:
    name = ctx.answers.database.name
    table = sql_ident(f"wbsetup_check_{secrets.token_hex(6)}")
    grant = f"GRANT ALL ON {sql_ident(name)}.* TO {sql_account(ctx.answers.database.user)};"
    try:
        conn = _open(ctx, database=name)
    except pymysql.err.MySQLError as exc:
        return fail(msg("cannot use database %(name)s: %(args)s", name=name, args=exc.args[-1]), BOOTSTRAP_HINT)
    token = secrets.token_hex(8)
    with closing(conn), conn.cursor() as cur:
        try:
            cur.execute(f"CREATE TABLE {table} (id INT PRIMARY KEY, v VARCHAR(32)) ENGINE=InnoDB")
        except pymysql.err.MySQLError as exc:
            return fail(msg("CREATE TABLE in %(name)s failed: %(args)s", name=name, args=exc.args[-1]), grant)
        problem, row = None, None
        try:
            cur.execute(f"INSERT INTO {table} (id, v) VALUES (1, %s)", (token,))
            cur.execute(f"SELECT v FROM {table} WHERE id = 1")
            row = cur.fetchone()
        except pymysql.err.MySQLError as exc:
            problem = msg("writing to a table in %(name)s failed: %(args)s", name=name, args=exc.args[-1])
        finally:
            try:  # always leave nothing behind
                cur.execute(f"DROP TABLE IF EXISTS {table}")
            except pymysql.err.MySQLError as exc:
                problem = problem or msg(
                    "DROP TABLE %(table)s in %(name)s failed: %(args)s (drop it by hand)",
                    table=table,
                    name=name,
                    args=exc.args[-1],
                )
    if problem:
        return fail(problem, grant)
    if row is None or row[0] != token:
        return fail(
            msg("a row written to %(name)s read back as %(row)s", name=name, row=repr(row)),
            N_("Check the server's error log"),
        )
    return passed(msg("created, wrote, read and dropped a table in %(name)s", name=name))


# -- server parameters -----------------------------------------------------------------------------


def _parameter(name: str):
    def judge(ctx: Context) -> Outcome:
        rule = ctx.req["database"]["parameters"].get(name)
        if rule is None:
            return skip(
                msg(
                    "%(name)s is not part of the %(requirements)s requirements",
                    name=name,
                    requirements=ctx.answers.requirements,
                )
            )
        facts = _facts(ctx)
        if facts is None:
            return skip(N_("skipped: database.connect gathered no facts"))
        variables = facts.get("variables", {})
        observed = variables.get(name)
        expected = str(rule["value"]) if rule["compare"] == "equals" else f">= {rule['value']}"
        v = rules.judge_parameter(name, observed, rule, _version(facts), variables.get("log_bin"))
        if v.status == "pass":
            return passed(v.message, observed=observed, expected=expected)
        if v.status == "skip":
            return skip(v.message)
        return {"warn": warn, "fail": fail}[v.status](v.message, v.hint, observed=observed, expected=expected)

    judge.__name__ = f"parameter_{name}"
    return judge


def register_parameters(profile: dict) -> list[str]:
    """Register a `database.<name>` check for every parameter of `profile` not registered yet
    (the profile's YAML is the one source); returns the new check ids."""
    new = []
    for name in requirements.parameters(profile):
        if f"database.{name}" not in REGISTRY:
            check(f"database.{name}", msg("MySQL parameter %(name)s", name=name), **AFTER_CONNECT)(_parameter(name))
            new.append(f"database.{name}")
    return new


for _profile in requirements.PROFILES:
    register_parameters(requirements.load(_profile))


@check("database.latency", N_("Round-trip latency"), **AFTER_CONNECT)
@_live
def latency(ctx: Context) -> Outcome:
    spec = ctx.req["database"]["latency"]
    times = []
    with closing(_open(ctx)) as conn, conn.cursor() as cur:
        for _ in range(spec["samples"]):
            t0 = time.perf_counter()
            cur.execute("SELECT 1")
            cur.fetchall()
            times.append((time.perf_counter() - t0) * 1000)
    median = round(statistics.median(times), 2)
    shown = msg(
        "median of %(n_times)s SELECT 1 round trips: %(median)s ms", n_times=len(times), median=format(median, "g")
    )
    if median <= spec["max_ms"]:
        return passed(shown, observed=median, expected=f"<= {spec['max_ms']} ms")
    return warn(
        msg("%(shown)s (W&B expects ≤ %(max_ms)s ms)", shown=shown, max_ms=spec["max_ms"]),
        N_("Place the database on the same low-latency network as the W&B nodes"),
        observed=median,
        expected=f"<= {spec['max_ms']} ms",
    )
