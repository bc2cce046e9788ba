"""TLS modes of the database connection against a real TLS-enabled MariaDB (trustme certificates).

The server's certificate names `localhost` only, so connecting to 127.0.0.1 is a hostname mismatch.
"""

from __future__ import annotations

import pytest
import trustme

from tests.services.mariadb import db_answers, run_db_checks


@pytest.fixture(scope="module")
def right_ca(db_ca):
    return db_ca.cert_pem.bytes().decode()


@pytest.fixture(scope="module")
def wrong_ca():
    return trustme.CA().cert_pem.bytes().decode()


@pytest.mark.parametrize(
    "host, tls, ca, status, needle",
    [
        pytest.param("localhost", "verify-identity", "right", "pass", "TLS", id="verify-identity-right-ca"),
        pytest.param("localhost", "verify-identity", "wrong", "fail", "TLS failure", id="verify-identity-wrong-ca"),
        pytest.param(
            "127.0.0.1", "verify-identity", "right", "fail", "TLS failure", id="verify-identity-name-mismatch"
        ),
        pytest.param("127.0.0.1", "verify-ca", "right", "pass", "TLS", id="verify-ca-ignores-name"),
        pytest.param("127.0.0.1", "verify-ca", "wrong", "fail", "TLS failure", id="verify-ca-wrong-ca"),
        pytest.param("localhost", "verify-ca", "none", "fail", "TLS failure", id="verify-ca-system-store"),
        pytest.param("127.0.0.1", "required", "none", "pass", "TLS", id="required"),
        pytest.param("127.0.0.1", "preferred", "none", "pass", "TLS", id="preferred-uses-tls"),
        pytest.param("127.0.0.1", "disabled", "none", "pass", "unencrypted", id="disabled"),
        pytest.param("localhost", "verify-identity", "garbage", "fail", "database.ca_pem", id="ca-not-pem"),
    ],
)
def test_tls_modes(mariadb_tls, right_ca, wrong_ca, host, tls, ca, status, needle):
    pem = {"right": right_ca, "wrong": wrong_ca, "none": None, "garbage": "not a certificate"}[ca]
    extra = {"tls": tls} | ({"ca_pem": pem} if pem else {})
    r = run_db_checks(db_answers(mariadb_tls.port, host=host, **extra), "database.connect")["database.connect"]
    assert r.status == status, r.message
    assert needle in str(r.message)


def test_tls_session_is_really_encrypted(mariadb_tls, right_ca):
    """The server itself reports the cipher of the verified session."""
    from app.checks import _mysql

    answers = db_answers(mariadb_tls.port, host="localhost", tls="verify-identity", ca_pem=right_ca)
    with _mysql.connect(answers.database, 5.0) as conn, conn.cursor() as cur:
        cur.execute("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
        assert cur.fetchone()[1]
        assert _mysql.tls_in_use(conn).startswith("TLS")


@pytest.mark.parametrize("tls", ["required", "verify-ca", "verify-identity"])
def test_tls_required_fails_without_server_tls(mariadb_default, right_ca, tls):
    r = run_db_checks(db_answers(mariadb_default.port, host="localhost", tls=tls, ca_pem=right_ca), "database.connect")[
        "database.connect"
    ]
    assert r.status == "fail"
    assert "TLS failure" in str(r.message) and "does not offer TLS" in str(r.message)


def test_preferred_without_server_tls_connects_unencrypted(mariadb_default):
    r = run_db_checks(db_answers(mariadb_default.port, tls="preferred"), "database.connect")["database.connect"]
    assert r.status == "pass" and "unencrypted" in str(r.message)


def test_all_checks_over_verified_tls(mariadb_tls, right_ca):
    r = run_db_checks(db_answers(mariadb_tls.port, host="localhost", tls="verify-identity", ca_pem=right_ca))
    for check_id in ("database.connect", "database.charset", "database.grants", "database.write", "database.latency"):
        assert r[check_id].status == "pass", (check_id, r[check_id].message)
