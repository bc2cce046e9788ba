"""Real MariaDB 10.11 servers on loopback for the database checks (docs/architecture.md, "Tests").

Three session-wide servers, started on first use and stopped at the end:
- `mariadb_default`: stock settings (the parameter checks fail with MariaDB's defaults);
- `mariadb_tuned`: started with W&B's parameters (the parameter checks pass);
- `mariadb_tls`: TLS with a trustme certificate for the name `localhost` only.
Each has the application database and user of APP_* below; root logs in over the unix socket.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

import pymysql
import pytest

from app import requirements

APP_DB, APP_USER, APP_PASSWORD = "wandb_local", "wandb_local", "app-Pass-1"

# W&B's parameters (the "current" profile's values); `--loose-`: a parameter MariaDB lacks is
# ignored by mariadbd (the check then reports it unknown) instead of stopping the server.
TUNED_ARGS = (
    "--server-id=1",
    *(
        f"--loose-{name.replace('_', '-')}={value}"
        for name, value in requirements.tuned_variables(requirements.load("current")).items()
    ),
    "--character-set-server=utf8mb4",
    "--collation-server=utf8mb4_general_ci",
)


class MariaDB:
    """One mariadbd in its own data directory on a free loopback port."""

    def __init__(self, base: Path, args: tuple[str, ...] = (), defaults_file: Path | None = None):
        from tests.services.net import free_port  # lazily: net.py is a plugin registered after this one

        self.dir = base
        self.port = free_port()
        self.socket = str(base / "sock")
        self.args = args
        self.defaults = f"--defaults-file={defaults_file}" if defaults_file else "--no-defaults"
        self.proc: subprocess.Popen | None = None

    def start(self) -> "MariaDB":
        from tests.services.net import wait_port

        data = self.dir / "data"
        subprocess.run(
            [
                "mariadb-install-db",
                "--no-defaults",
                f"--datadir={data}",
                "--user=root",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        args = [a.replace("$D", str(self.dir)) for a in self.args]
        self.proc = subprocess.Popen(
            [
                "mariadbd",
                self.defaults,
                f"--datadir={data}",
                f"--socket={self.socket}",
                f"--pid-file={self.dir / 'pid'}",
                f"--port={self.port}",
                "--bind-address=127.0.0.1",
                "--user=root",
                f"--log-error={self.dir / 'err'}",
                "--skip-name-resolve",
                *args,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_port(self.port, timeout=30)
        except TimeoutError:
            self.stop()
            raise RuntimeError((self.dir / "err").read_text(errors="replace")) from None
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)

    def admin(self, database: str | None = None) -> pymysql.connections.Connection:
        """root over the unix socket."""
        return pymysql.connect(
            unix_socket=self.socket,
            user="root",
            password="",
            database=database,
            charset="utf8mb4",
            autocommit=True,
            connect_timeout=5,
            read_timeout=10,
        )

    def sql(self, *statements: str, params: tuple = ()) -> list[tuple]:
        """Run statements as root; the rows of the last one."""
        with self.admin() as conn, conn.cursor() as cur:
            rows: list = []
            for s in statements:
                cur.execute(s, params or None)
                rows = list(cur.fetchall())
            return rows

    def client(
        self, script: str, *, user: str = "root", password: str | None = None, timeout: float = 30
    ) -> subprocess.CompletedProcess:
        """Feed `script` to the real `mariadb` command-line client (over the socket as root, or over
        TCP as another user)."""
        cmd = ["mariadb", "--no-defaults", "--batch", f"--user={user}"]
        env = dict(os.environ)
        if user == "root":
            cmd.append(f"--socket={self.socket}")
        else:
            cmd += ["--protocol=TCP", "--host=127.0.0.1", f"--port={self.port}"]
            env["MYSQL_PWD"] = password or ""
        return subprocess.run(cmd, input=script.encode("utf-8"), capture_output=True, timeout=timeout, env=env)

    def seed_app(self) -> "MariaDB":
        self.sql(
            f"CREATE DATABASE {APP_DB} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci",
            f"CREATE USER '{APP_USER}'@'%' IDENTIFIED BY '{APP_PASSWORD}'",
            f"GRANT ALL ON {APP_DB}.* TO '{APP_USER}'@'%'",
        )
        return self


def _server(tmp_path_factory, name: str, args: tuple[str, ...] = ()):
    if not shutil.which("mariadbd"):
        pytest.fail("mariadbd is missing: install the mariadb-server Debian package (make test does)")
    server = MariaDB(tmp_path_factory.mktemp(name), args).start()
    return server


@pytest.fixture(scope="session")
def mariadb_default(tmp_path_factory):
    server = _server(tmp_path_factory, "mariadb-default")
    try:
        yield server.seed_app()
    finally:
        server.stop()


@pytest.fixture(scope="session")
def mariadb_tuned(tmp_path_factory):
    server = _server(tmp_path_factory, "mariadb-tuned", ("--log-bin=$D/binlog", *TUNED_ARGS))
    try:
        yield server.seed_app()
    finally:
        server.stop()


@pytest.fixture(scope="session")
def db_ca():
    import trustme

    return trustme.CA()


@pytest.fixture(scope="session")
def mariadb_tls(tmp_path_factory, db_ca):
    base = tmp_path_factory.mktemp("mariadb-tls-certs")
    cert = db_ca.issue_cert("localhost")  # deliberately not 127.0.0.1: hostname mismatch cases
    cert.private_key_pem.write_to_path(base / "key.pem")
    cert.cert_chain_pems[0].write_to_path(base / "cert.pem")
    db_ca.cert_pem.write_to_path(base / "ca.pem")
    server = _server(
        tmp_path_factory,
        "mariadb-tls",
        (f"--ssl-ca={base / 'ca.pem'}", f"--ssl-cert={base / 'cert.pem'}", f"--ssl-key={base / 'key.pem'}"),
    )
    try:
        yield server.seed_app()
    finally:
        server.stop()


def db_answers(port: int, *, requirements: str = "current", host: str = "127.0.0.1", **database):
    """Answers for a database at 127.0.0.1:`port` (application user and password by default)."""
    from app.answers import parse_document

    db = {"host": host, "port": port, "name": APP_DB, "user": APP_USER, "password": APP_PASSWORD, **database}
    return parse_document({"schema": 1, "profile": "db-test", "requirements": requirements, "database": db})


def run_db_checks(answers, *ids: str, timeout: float = 5.0) -> dict:
    """Run database checks (all, or `ids`); {id: Result}."""
    from app.checks.engine import run_checks_sync

    report = run_checks_sync(answers, steps=["database"], only=list(ids) or None, timeout=timeout)
    return {r.id: r for r in report.results}
