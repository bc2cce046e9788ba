"""PEM field parsing: what people paste into the certificate and key fields, and what they are told."""

from __future__ import annotations

import base64
import textwrap

import pytest
from cryptography.hazmat.primitives import serialization

from app.checks._pem import KEY_ENCRYPTED, PemProblem, describe_pem_problem, load_certificates, load_private_key
from tests.services.https_server import issue


@pytest.fixture(scope="module")
def rsa_leaf():
    return issue("localhost", key="rsa")


@pytest.fixture(scope="module")
def ec_leaf():
    return issue("localhost", key="ec")


def _der_b64(leaf) -> str:
    return base64.b64encode(leaf.cert.public_bytes(serialization.Encoding.DER)).decode()


CERT_CASES = [
    # id, builder(leaf) -> text, expected substring of the problem (None = fine)
    ("pem", lambda l: l.cert_pem, None),
    ("pem-with-text-around", lambda l: "subject=CN=localhost\n" + l.cert_pem + "\n# trailing note\n", None),
    ("crlf", lambda l: l.cert_pem.replace("\n", "\r\n"), None),
    ("empty", lambda l: "", "empty"),
    ("blank", lambda l: "  \n\t", "empty"),
    ("private-key", lambda l: l.key_pem, "this is a private key, not a certificate"),
    ("cert-and-key", lambda l: l.cert_pem + l.key_pem, "also contains a private key"),
    ("base64-der-no-armour", _der_b64, "base64 DER without PEM armour"),
    ("base64-der-wrapped", lambda l: "\n".join(textwrap.wrap(_der_b64(l), 64)), "base64 DER without PEM armour"),
    ("binary-der", lambda l: l.cert.public_bytes(serialization.Encoding.DER).decode("latin-1"), "binary data"),
    ("garbage", lambda l: "hello, this is my certificate", "no PEM certificate found"),
    ("truncated", lambda l: l.cert_pem[:200], "no matching -----END line"),
    ("damaged-base64", lambda l: l.cert_pem.replace(l.cert_pem.splitlines()[3], "A" * 64), "does not parse"),
    (
        "public-key",
        lambda l: (
            l.cert.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode()
        ),
        "public key",
    ),
    (
        "csr",
        lambda l: "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n",
        "certificate signing request",
    ),
]


@pytest.mark.parametrize("build, expected", [pytest.param(b, e, id=i) for i, b, e in CERT_CASES])
def test_certificate_field(rsa_leaf, build, expected):
    problem = describe_pem_problem(build(rsa_leaf), "cert")
    if expected is None:
        assert problem is None
    else:
        assert problem is not None and expected in problem


KEY_CASES = [
    ("pkcs8-rsa", "rsa", lambda l: l.key_pem_as("pkcs8"), None),
    ("pkcs1-rsa", "rsa", lambda l: l.key_pem_as("pkcs1"), None),
    ("pkcs8-ec", "ec", lambda l: l.key_pem_as("pkcs8"), None),
    ("sec1-ec", "ec", lambda l: l.key_pem_as("pkcs1"), None),
    (
        "sec1-ec-with-params",
        "ec",
        lambda l: (
            "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" + l.key_pem_as("pkcs1")
        ),
        None,
    ),
    ("encrypted-pkcs8", "ec", lambda l: l.key_pem_as("pkcs8", b"pw"), KEY_ENCRYPTED),
    ("encrypted-traditional", "rsa", lambda l: l.key_pem_as("pkcs1", b"pw"), KEY_ENCRYPTED),
    ("certificate", "ec", lambda l: l.cert_pem, "this is a certificate, not a private key"),
    ("two-keys", "ec", lambda l: l.key_pem + l.key_pem, "2 private keys"),
    ("empty", "ec", lambda l: "", "empty"),
    ("garbage", "ec", lambda l: "password123", "no PEM private key found"),
    (
        "base64-der",
        "ec",
        lambda l: base64.b64encode(
            l.key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ).decode(),
        "base64 DER without PEM armour",
    ),
    ("damaged", "ec", lambda l: l.key_pem.replace(l.key_pem.splitlines()[1], "QUJD"), "does not parse"),
]


@pytest.mark.parametrize("kind, build, expected", [pytest.param(k, b, e, id=i) for i, k, b, e in KEY_CASES])
def test_key_field(rsa_leaf, ec_leaf, kind, build, expected):
    leaf = rsa_leaf if kind == "rsa" else ec_leaf
    problem = describe_pem_problem(build(leaf), "key")
    if expected is None:
        assert problem is None
    else:
        assert problem is not None and expected in problem


def test_encrypted_key_message_is_exact(ec_leaf):
    with pytest.raises(PemProblem) as exc:
        load_private_key(ec_leaf.key_pem_as("pkcs8", b"secret-pass"))
    assert str(exc.value) == "key is encrypted; provide it unencrypted"
    assert "openssl pkey" in str(exc.value.hint)


def test_key_problems_never_echo_the_key(ec_leaf):
    damaged = ec_leaf.key_pem.replace(ec_leaf.key_pem.splitlines()[1], "QUJD")
    body = "".join(damaged.splitlines()[2:-1])
    problem = describe_pem_problem(damaged, "key")
    assert problem and body[:16] not in problem


def test_chain_keeps_order(rsa_leaf, ec_leaf):
    certs = load_certificates(rsa_leaf.cert_pem + ec_leaf.cert_pem)
    assert [c.serial_number for c in certs] == [rsa_leaf.cert.serial_number, ec_leaf.cert.serial_number]
