"""The "apply bootstrap" action against a real MariaDB: shows the SQL, runs it as the admin,
idempotent, never leaks a password."""

from __future__ import annotations

import json

import pytest

from app.actions import ActionResult
from app.actions.database import apply_bootstrap, bootstrap_statements
from app.artifacts.sql import PASSWORD_PLACEHOLDER
from app.i18n.message import to_data
from tests.services.mariadb import db_answers, run_db_checks

ADMIN, ADMIN_PASSWORD = "wbsetup_admin", "adm'in-Pa$$-관리자"
APP_PASSWORD = "a'pp\\\"-비밀번호-%@é"


@pytest.fixture(scope="module", autouse=True)
def _admin_account(mariadb_default):
    with mariadb_default.admin() as conn, conn.cursor() as cur:
        cur.execute(f"CREATE USER '{ADMIN}'@'%%' IDENTIFIED BY %s", (ADMIN_PASSWORD,))
        cur.execute(f"GRANT ALL ON *.* TO '{ADMIN}'@'%' WITH GRANT OPTION")


def _answers(port, **db):
    base = {
        "name": "action_db",
        "user": "action_user",
        "password": APP_PASSWORD,
        "admin_user": ADMIN,
        "admin_password": ADMIN_PASSWORD,
    }
    return db_answers(port, **{**base, **db})


def test_statements_shown_first_mask_the_password(mariadb_default):
    shown = bootstrap_statements(_answers(mariadb_default.port))
    assert shown[0].startswith("SET SESSION sql_mode")
    assert any("CREATE USER IF NOT EXISTS 'action_user'@'%'" in s for s in shown)
    assert any(PASSWORD_PLACEHOLDER in s for s in shown)
    assert APP_PASSWORD not in json.dumps(shown)


def test_apply_twice_then_the_app_user_works(mariadb_default):
    answers = _answers(mariadb_default.port)
    first = apply_bootstrap(answers, timeout=5)
    assert isinstance(first, ActionResult) and first.ok, first.message
    assert first.statements == bootstrap_statements(answers)
    second = apply_bootstrap(answers, timeout=5)
    assert second.ok, second.message
    r = run_db_checks(answers, "database.connect", "database.charset", "database.grants", "database.write")
    assert {k: v.status for k, v in r.items()} == dict.fromkeys(r, "pass"), {k: v.message for k, v in r.items()}


def test_apply_resets_a_changed_password(mariadb_default):
    answers = _answers(mariadb_default.port, name="action_db2", user="action_user2")
    assert apply_bootstrap(answers, timeout=5).ok
    mariadb_default.sql("ALTER USER 'action_user2'@'%' IDENTIFIED BY 'drifted'")
    assert run_db_checks(answers, "database.connect")["database.connect"].status == "fail"
    assert apply_bootstrap(answers, timeout=5).ok  # converges on the answers' password
    assert run_db_checks(answers, "database.connect")["database.connect"].status == "pass"


@pytest.mark.parametrize(
    "db, needle",
    [
        pytest.param({"admin_password": "wrong-admin-pw"}, "access denied", id="wrong-admin-password"),
        pytest.param({"admin_user": None}, "database.admin_user", id="no-admin-user"),
        pytest.param({"password": None}, "database.password", id="no-app-password"),
        pytest.param(
            {"admin_user": "wandb_local", "admin_password": "app-Pass-1"}, "failed", id="admin-lacks-privilege"
        ),
    ],
)
def test_apply_failures_are_reported_without_secrets(mariadb_default, db, needle):
    result = apply_bootstrap(_answers(mariadb_default.port, name="action_fail_db", user="action_fail", **db), timeout=5)
    assert not result.ok
    assert needle in str(result.message)
    dumped = json.dumps([str(result.message), to_data(result.message), result.statements])  # text and structure
    for secret in (APP_PASSWORD, ADMIN_PASSWORD, "wrong-admin-pw", "app-Pass-1"):
        assert secret not in dumped


def test_apply_against_closed_port(closed_port):
    result = apply_bootstrap(_answers(closed_port), timeout=2)
    assert not result.ok and "connection refused" in str(result.message)
