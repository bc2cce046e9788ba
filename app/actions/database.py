"""The "apply bootstrap" action (§4.2): create the database and user and grant, as the admin.

Shows the exact SQL first (bootstrap_statements, password masked), runs it with the admin
credentials over the same TLS mode as the checks; idempotent. Nothing here logs the password.
"""

from __future__ import annotations

import pymysql

from app.actions import ActionResult
from app.answers import Answers
from app.artifacts.sql import PASSWORD_PLACEHOLDER, bootstrap_statement_list
from app.checks import _mysql
from app.i18n.message import Msg, MsgList, Text, msg
from app.secret import reveal


def bootstrap_statements(answers: Answers) -> list[str]:
    """The statements apply_bootstrap runs, for display: exact, except that the password literal
    reads ${WANDB_DB_PASSWORD}."""
    return bootstrap_statement_list(answers, PASSWORD_PLACEHOLDER)


def _missing(answers: Answers) -> list[str]:
    db = answers.database
    return [
        path
        for path, value in (
            ("database.host", db.host),
            ("database.admin_user", db.admin_user),
            ("database.password", reveal(db.password)),
        )
        if not value
    ]


def apply_bootstrap(answers: Answers, timeout: float) -> ActionResult:
    """Run the bootstrap SQL as `database.admin_user`. Safe to repeat; stops at the first error."""
    shown = bootstrap_statements(answers)
    missing = _missing(answers)
    if missing:
        return ActionResult(False, msg("input missing: %(missing)s", missing=", ".join(missing)), shown)
    db = answers.database
    password = reveal(db.password)
    assert password is not None  # _missing() above
    real = bootstrap_statement_list(answers, password)
    secrets = [s for s in (password, reveal(db.admin_password)) if s]

    def hide(text: str) -> str:
        for s in secrets:
            text = text.replace(s, "********")
        return text

    def scrub(text: Text) -> Text:  # a message keeps its template; its values are scrubbed
        return text.map_values(hide) if isinstance(text, (Msg, MsgList)) else hide(text)

    try:
        conn = _mysql.connect(db, timeout, user=db.admin_user, password=reveal(db.admin_password) or "")
    except (pymysql.err.MySQLError, _mysql.TLSConfigError, OSError) as exc:
        f = _mysql.describe(exc, db, timeout)
        return ActionResult(
            False,
            scrub(msg("cannot connect as %(admin_user)s: %(message)s", admin_user=db.admin_user, message=f.message)),
            shown,
        )
    with conn, conn.cursor() as cur:
        for statement, display in zip(real, shown, strict=False):
            try:
                cur.execute(statement)
            except pymysql.err.MySQLError as exc:
                return ActionResult(False, scrub(f"{display.split(' IDENTIFIED')[0]} failed: {exc.args[-1]}"), shown)
    return ActionResult(
        True, msg("database %(name)s and user %(user)s@%% are ready", name=db.name, user=db.user), shown
    )
