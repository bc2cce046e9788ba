"""PyMySQL connections for the database checks and actions: TLS modes, timeouts, error causes.

Every connection sets its own socket timeouts (connect, read, write) below the check's timeout, so
a silent server ends the worker thread instead of leaving it blocked (§4).
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass

import pymysql
from pymysql.constants import CR, ER

from app import requirements
from app.answers import Database
from app.i18n.message import N_, Text, as_msg, msg
from app.secret import reveal

# Read by database.connect besides the profile's parameters (SHOW VARIABLES works on MySQL 5.7/8.x
# and MariaDB; a variable the server lacks is simply absent → "unknown").
CONTEXT_VARIABLES = ("log_bin", "character_set_server", "collation_server", "default_authentication_plugin")


def variables_for(profile: dict) -> tuple[str, ...]:
    """The variables database.connect reads in one query: the profile's parameters, then context."""
    return tuple(dict.fromkeys([*requirements.parameters(profile), *CONTEXT_VARIABLES]))


class TLSConfigError(ValueError):
    """database.ca_pem cannot be used (not PEM)."""


def ssl_options(db: Database) -> dict:
    """PyMySQL keyword arguments for `db.tls`.

    One form only: an `ssl=` SSLContext (PyMySQL's ssl_verify_* keywords would replace an ssl dict).
    Passing `ssl=` makes PyMySQL refuse a server that offers no TLS, which is what `required` and
    the verifying modes mean; `preferred` is PyMySQL's default (TLS when offered, unverified).
    """
    if db.tls == "disabled":
        return {"ssl_disabled": True}
    if db.tls == "preferred":
        return {}
    ctx = ssl.create_default_context()
    # MySQL's auto-generated certificates fail X509 strict mode (Python 3.13 default); PyMySQL
    # clears it too.
    ctx.verify_flags &= ~getattr(ssl, "VERIFY_X509_STRICT", 0)
    if db.tls == "required":
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return {"ssl": ctx}
    if db.ca_pem:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # only the given CA, not the system store too
        ctx.verify_flags &= ~getattr(ssl, "VERIFY_X509_STRICT", 0)
        try:
            ctx.load_verify_locations(cadata=db.ca_pem)
        except (ssl.SSLError, ValueError) as exc:
            raise TLSConfigError(msg("database.ca_pem is not a usable PEM certificate (%(exc)s)", exc=exc)) from None
    ctx.check_hostname = db.tls == "verify-identity"
    ctx.verify_mode = ssl.CERT_REQUIRED
    return {"ssl": ctx}


def socket_budget(timeout: float) -> float:
    """Socket timeout for one check: finish (and say why) before the runner's own timeout."""
    return max(0.2, timeout * 0.8)


def connect(
    db: Database, timeout: float, *, user: str | None = None, password: str | None = None, database: str | None = None
) -> pymysql.connections.Connection:
    """A connection to `db` (as `user`/`password`, default the application user) with autocommit.

    Raises pymysql errors or TLSConfigError; describe() turns them into a message.
    """
    pw = reveal(db.password) if password is None else password
    budget = socket_budget(timeout)
    return pymysql.connect(
        host=db.host,
        port=db.port,
        user=user or db.user,
        # PyMySQL encodes str passwords as latin-1 (non-ASCII would crash); servers hash the UTF-8
        # bytes the bootstrap SQL set (SET NAMES utf8mb4).
        password=(pw or "").encode("utf-8"),
        database=database,
        charset="utf8mb4",
        autocommit=True,
        connect_timeout=budget,
        read_timeout=budget,
        write_timeout=budget,
        **ssl_options(db),
    )


def tls_in_use(conn) -> str | None:
    """The TLS version of an open connection, or None when it is unencrypted."""
    sock = getattr(conn, "_sock", None)
    return sock.version() if isinstance(sock, ssl.SSLSocket) else None


@dataclass(frozen=True)
class Failure:
    cause: str  # dns | refused | timeout | access | tls | other
    message: Text
    hint: Text


def describe(exc: BaseException, db: Database, timeout: float) -> Failure:
    """Name the cause of a failed connection: DNS failure, refused, timed out, access denied, TLS."""
    where = f"{db.host}:{db.port}"
    if isinstance(exc, TLSConfigError):
        return Failure(
            "tls",
            msg("TLS failure: %(problem)s", problem=exc),
            N_("Paste the CA certificate (PEM) into database.ca_pem"),
        )
    original = getattr(exc, "original_exception", None) or exc
    code = exc.args[0] if isinstance(exc, pymysql.err.MySQLError) and exc.args else None
    text = str(exc.args[1]) if isinstance(exc, pymysql.err.MySQLError) and len(exc.args) > 1 else str(exc)
    if isinstance(original, socket.gaierror):
        return Failure(
            "dns",
            msg(
                "DNS failure: cannot resolve %(host)s (%(strerror)s)",
                host=repr(db.host),
                strerror=as_msg(original.strerror),
            ),  # the OS's words
            N_("Check database.host and this machine's DNS servers"),
        )
    if isinstance(original, ConnectionRefusedError):
        return Failure(
            "refused",
            msg("connection refused by %(where)s", where=where),
            msg("Check that MySQL listens on %(where)s (port, bind-address) and the firewall allows it", where=where),
        )
    if isinstance(original, ssl.SSLCertVerificationError):
        reason = original.verify_message or str(original)
        hint = (
            N_("Use a server certificate whose names cover the host, connect by that name, or use tls: verify-ca")
            if "mismatch" in reason or "match" in reason
            else N_("Put the CA that signed the server's certificate in database.ca_pem")
        )
        return Failure(
            "tls", msg("TLS failure: the server's certificate does not verify (%(reason)s)", reason=reason), hint
        )
    if isinstance(original, ssl.SSLError):
        return Failure(
            "tls",
            msg("TLS failure: %(problem)s", problem=original.reason or str(original)),
            N_("Check the server's TLS settings (ssl_cert, ssl_key, tls_version)"),
        )
    if code == CR.CR_SSL_CONNECTION_ERROR:
        return Failure(
            "tls",
            msg("TLS failure: %(where)s does not offer TLS", where=where),
            N_("Enable TLS on the server (ssl_cert/ssl_key), or set database.tls to preferred"),
        )
    if isinstance(original, (TimeoutError, socket.timeout)) or "timed out" in text:
        return Failure(
            "timeout",
            msg(
                "timed out after %(socket_budget)s s talking to %(where)s",
                socket_budget=format(socket_budget(timeout), "g"),
                where=where,
            ),
            N_("Check that the host and port are a MySQL server reachable from here (firewall, routing)"),
        )
    if code in (ER.ACCESS_DENIED_ERROR, ER.HOST_NOT_PRIVILEGED, ER.DBACCESS_DENIED_ERROR):
        # The server's text names the account and "using password: YES", never the password.
        return Failure(
            "access",
            msg("access denied: %(text)s", text=text),
            N_("Check database.user and database.password, or run sql/bootstrap.sql as an admin"),
        )
    if code == CR.CR_SERVER_LOST or isinstance(original, OSError):
        return Failure(
            "other",
            msg("connection to %(where)s failed: %(text)s", where=where, text=text),
            N_("Check that the host and port are a MySQL server"),
        )
    return Failure(
        "other",
        msg("connection to %(where)s failed: %(type)s: %(text)s", where=where, type=type(exc).__name__, text=text),
        N_("Check the server's error log"),
    )


def gather(conn, variables: tuple[str, ...]) -> dict:
    """The facts every other database check judges from, read once by database.connect
    (`variables`: the server variables to read, see variables_for)."""
    facts: dict = {"server_version": conn.get_server_info(), "tls": tls_in_use(conn)}
    with conn.cursor() as cur:
        cur.execute("SELECT VERSION()")
        facts["version"] = str(cur.fetchone()[0])
        placeholders = ", ".join(["%s"] * len(variables))
        cur.execute(f"SHOW GLOBAL VARIABLES WHERE Variable_name IN ({placeholders})", variables)
        facts["variables"] = {str(k).lower(): (None if v is None else str(v)) for k, v in cur.fetchall()}
        facts["aurora_version"] = None
        if "mariadb" not in facts["version"].lower():
            try:  # only Aurora has this function; elsewhere: ER_SP_DOES_NOT_EXIST
                cur.execute("SELECT aurora_version()")
                row = cur.fetchone()
                facts["aurora_version"] = None if not row or row[0] is None else str(row[0])
            except pymysql.err.MySQLError:
                pass
    return facts
