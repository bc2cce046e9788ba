"""The tls.* checks end to end through the check engine, with certificates made by the fixtures.

The private PKI is not in the system store, so a good chain with tls.ca_pem warns; the pass path is
shown by replacing the system store (a test-only monkeypatch of `_x509.system_roots`).
"""

from __future__ import annotations

import socket
import threading
import time

import pytest

from app.checks import _x509
from app.checks.engine import run_checks_sync
from tests import factories as f
from tests.services.https_server import issue

CERT_CHECKS = ["tls.certificate", "tls.key_match", "tls.hostname", "tls.expiry", "tls.chain"]
ALL = ["tls.host", "tls.dns", *CERT_CHECKS, "tls.served"]


@pytest.fixture(autouse=True)
def loopback_names_only(monkeypatch):
    """Guard: these tests resolve only loopback names (the machine's DNS server is off-limits)."""
    real = socket.getaddrinfo

    def guarded(host, *args, **kw):
        assert host in ("localhost", "127.0.0.1", "::1"), f"test tried to resolve {host}"
        return real(host, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)


def run(host: str, only=ALL, **tls) -> dict:
    return f.results(f.answers(f.MINIMAL, profile="t", host=host, tls=tls), only=only, timeout=3)


@pytest.fixture
def good(pki):
    leaf = pki.leaf("localhost", "127.0.0.1")
    return dict(mode="provided", cert_pem=pki.chain_pem(leaf), key_pem=leaf.key_pem, ca_pem=pki.root_pem)


def test_good_chain_with_private_ca_warns_only_in_chain(good, closed_port):
    results = run(f"https://localhost:{closed_port}", **good)
    statuses = {i: r.status for i, r in results.items()}
    assert statuses == {
        "tls.host": "pass",
        "tls.dns": "pass",
        "tls.certificate": "pass",
        "tls.key_match": "pass",
        "tls.hostname": "pass",
        "tls.expiry": "pass",
        "tls.chain": "warn",
        "tls.served": "skip",
    }
    assert "trusted only through tls.ca_pem" in str(results["tls.chain"].message)
    assert "does not answer" in str(results["tls.served"].message)
    assert "+ 1 intermediate" in str(results["tls.certificate"].message)


def test_good_chain_trusted_by_the_system_store_passes(pki, good, monkeypatch):
    monkeypatch.setattr(_x509, "system_roots", lambda: (pki.root.cert,))
    result = run("https://localhost", only=["tls.chain"], **{**good, "ca_pem": None})["tls.chain"]
    assert result.status == "pass"
    assert str(result.message).startswith("trusted by the system store: CN=localhost → CN=wbsetup test Intermediate CA")


def _case(id, check, status, says, host="https://localhost", **build):
    return pytest.param(check, status, says, host, build, id=id)


def _leaf(pki, *sans, **kw):
    return pki.leaf(*(sans or ("localhost",)), **kw)


CASES = [
    _case("expired", "tls.expiry", "fail", "expired on", leaf=dict(days=(-90, -1))),
    _case("not-yet-valid", "tls.expiry", "fail", "not valid yet", leaf=dict(days=(2, 90))),
    _case("expires-in-10-days", "tls.expiry", "warn", "in 9 days", leaf=dict(days=(-1, 10))),
    _case("expires-in-31-days", "tls.expiry", "pass", "30 days left", leaf=dict(days=(-1, 31))),
    _case(
        "wrong-host",
        "tls.hostname",
        "fail",
        "wandb.acme.internal is not covered",
        host="https://wandb.acme.internal",
        leaf=dict(sans=("localhost",)),
    ),
    _case(
        "wildcard",
        "tls.hostname",
        "pass",
        "covered by DNS:*.acme.internal",
        host="https://wandb.acme.internal",
        leaf=dict(sans=("*.acme.internal",)),
    ),
    _case(
        "wildcard-two-labels",
        "tls.hostname",
        "fail",
        "exactly one label",
        host="https://a.wandb.acme.internal",
        leaf=dict(sans=("*.acme.internal",)),
    ),
    _case(
        "partial-wildcard",
        "tls.hostname",
        "fail",
        "partial wildcard",
        host="https://foo.acme.internal",
        leaf=dict(sans=("f*.acme.internal",)),
    ),
    _case(
        "ip-san",
        "tls.hostname",
        "pass",
        "covered by IP:127.0.0.1",
        host="https://127.0.0.1",
        leaf=dict(sans=("127.0.0.1",)),
    ),
    _case("no-san-cn-only", "tls.hostname", "warn", "no subjectAltName", leaf=dict(san_ext=False)),
    _case("rsa-key", "tls.key_match", "pass", "RSA 2048 key matches", leaf=dict(key="rsa")),
    _case("ecdsa-key", "tls.key_match", "pass", "EC secp256r1 key matches", leaf=dict(key="ec")),
    _case("ed25519-key", "tls.key_match", "pass", "Ed25519 key matches", leaf=dict(key="ed25519")),
    _case("ed25519-leaf-warns", "tls.certificate", "warn", "browsers do not accept", leaf=dict(key="ed25519")),
    _case("pkcs1-key", "tls.key_match", "pass", "RSA 2048 key matches", leaf=dict(key="rsa"), key_format="pkcs1"),
    _case("sec1-key", "tls.key_match", "pass", "EC secp256r1 key matches", key_format="pkcs1"),
    _case("mismatched-key", "tls.key_match", "fail", "does not match the leaf's public key", other_key=True),
    _case("encrypted-key", "tls.key_match", "fail", "key is encrypted; provide it unencrypted", key_password=b"pw"),
    _case("missing-intermediate", "tls.chain", "fail", "an intermediate is missing", chain=False),
    _case("untrusted-without-ca-pem", "tls.chain", "fail", "not a trusted root", ca=False),
    _case("intermediate-first", "tls.certificate", "fail", "is a CA certificate, not the server's", reverse=True),
]


@pytest.mark.parametrize("check_id, status, says, host, build", CASES)
def test_provided_certificate(pki, check_id, status, says, host, build):
    opts = build.get("leaf", {})
    leaf = _leaf(pki, *opts.get("sans", ()), **{k: v for k, v in opts.items() if k != "sans"})
    cert_pem = pki.chain_pem(leaf) if build.get("chain", True) else leaf.cert_pem
    if build.get("reverse"):
        cert_pem = pki.intermediate.cert_pem + leaf.cert_pem
    key = pki.leaf("localhost") if build.get("other_key") else leaf
    key_pem = (
        key.key_pem_as(build.get("key_format", "pkcs8"), build.get("key_password"))
        if "key_format" in build or "key_password" in build
        else key.key_pem
    )
    result = run(
        host,
        only=[check_id],
        mode="provided",
        cert_pem=cert_pem,
        key_pem=key_pem,
        ca_pem=pki.root_pem if build.get("ca", True) else None,
    )[check_id]
    assert (result.status, says in str(result.message)) == (status, True), result.message


@pytest.mark.parametrize(
    "self_signed",
    [
        pytest.param(lambda: issue("localhost"), id="end-entity"),
        pytest.param(lambda: issue("localhost", ca=True), id="openssl-req-x509-style-ca-true"),
    ],
)
def test_self_signed_leaf_fails_in_wb_words(self_signed):
    leaf = self_signed()
    results = run(
        "https://localhost",
        only=["tls.certificate", "tls.chain"],
        mode="provided",
        cert_pem=leaf.cert_pem,
        key_pem=leaf.key_pem,
        ca_pem=leaf.cert_pem,
    )
    assert results["tls.certificate"].status == "pass"
    assert results["tls.chain"].status == "fail"
    assert str(results["tls.chain"].message).startswith("W&B does not support self-signed certificates")


@pytest.mark.parametrize(
    "cert_pem, says",
    [
        pytest.param(
            lambda leaf: leaf.key_pem, "tls.cert_pem: this is a private key, not a certificate", id="key-in-cert-field"
        ),
        pytest.param(
            lambda leaf: "0\x82\x01\x0a\x02\x82\x01\x01\x00garbage", "tls.cert_pem: binary data", id="der-garbage"
        ),
        pytest.param(lambda leaf: "not a certificate", "tls.cert_pem: no PEM certificate found", id="garbage"),
    ],
)
def test_unusable_certificate_fails_once_and_the_rest_skip(pki, cert_pem, says):
    leaf = pki.leaf("localhost")
    results = run("https://localhost", only=CERT_CHECKS, mode="provided", cert_pem=cert_pem(leaf), key_pem=leaf.key_pem)
    assert results["tls.certificate"].status == "fail"
    assert str(results["tls.certificate"].message).startswith(says)
    for check_id in CERT_CHECKS[1:]:
        assert results[check_id].status == "skip"
        assert "see tls.certificate" in str(results[check_id].message)
    assert leaf.key_pem.splitlines()[1] not in str(results["tls.certificate"].message)  # pasted text is never echoed


@pytest.mark.parametrize("mode", ["external", "cert-manager", "none"])
def test_modes_without_a_provided_certificate_skip_saying_why(mode, closed_port):
    results = run(f"https://localhost:{closed_port}", mode=mode)
    for check_id in CERT_CHECKS:
        assert results[check_id].status == "skip"
        assert str(results[check_id].message).startswith(f"tls.mode is {mode}")
    assert results["tls.dns"].status == "pass"
    assert results["tls.host"].status == ("warn" if mode == "none" else "pass")
    assert results["tls.served"].status == "skip"


@pytest.mark.parametrize(
    "host, mode, status, says",
    [
        pytest.param("https://wandb.acme.internal", "provided", "pass", "https://wandb.acme.internal", id="https"),
        pytest.param("https://wandb.acme.internal:8443", "external", "pass", ":8443", id="https-port"),
        pytest.param("http://wandb.acme.internal", "provided", "warn", "W&B should be served over TLS", id="http"),
        pytest.param("http://wandb.acme.internal", "none", "warn", "W&B should be served over TLS", id="http-none"),
        pytest.param("https://wandb.acme.internal", "none", "warn", "nothing terminates TLS", id="https-none"),
    ],
)
def test_host(host, mode, status, says):
    result = run(host, only=["tls.host"], mode=mode)["tls.host"]
    assert (result.status, says in str(result.message)) == (status, True), result.message


def test_host_missing_skips():
    answers = f.answers(f.MINIMAL, profile="t")
    results = {r.id: r for r in run_checks_sync(answers, steps=["tls"], timeout=3).results}
    assert results["tls.host"].status == "skip" and "input missing: host" in str(results["tls.host"].message)
    assert str(results["tls.certificate"].message) == "input missing: tls.cert_pem"


@pytest.mark.parametrize(
    "host, status, says",
    [
        pytest.param("https://localhost", "pass", "localhost → ", id="localhost"),
        pytest.param("https://127.0.0.1", "pass", "is an IP address", id="ipv4-literal"),
        pytest.param("https://[::1]", "pass", "is an IP address", id="ipv6-literal"),
    ],
)
def test_dns(host, status, says):
    result = run(host, only=["tls.dns"], mode="external")["tls.dns"]
    assert (result.status, says in str(result.message)) == (status, True), result.message


# Tests never ask the machine's DNS server (it is not on loopback): the failing resolver is a
# stand-in for socket.getaddrinfo.
def _no_such_name(*args, **kw):
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


_RESOLVER_RELEASED = threading.Event()


def _slow_resolver(*args, **kw):
    _RESOLVER_RELEASED.wait(10)  # hangs until the test is over (at most 10 s)
    raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")


@pytest.mark.parametrize(
    "resolver, says",
    [
        pytest.param(
            _no_such_name,
            "does not resolve from this machine ([Errno -2] Name or service not known)",
            id="nxdomain-stand-in",
        ),
        pytest.param(_slow_resolver, "name resolution took longer than 0.9 s", id="slow-resolver-stand-in"),
    ],
)
def test_dns_failure_warns_within_the_timeout(monkeypatch, resolver, says):
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    answers = f.answers(f.MINIMAL, profile="t", host="https://wandb.acme.internal")
    started = time.monotonic()
    _RESOLVER_RELEASED.clear()
    try:
        result = run_checks_sync(answers, only=["tls.dns"], timeout=1).results[0]
    finally:
        _RESOLVER_RELEASED.set()
    assert (result.status, says in str(result.message)) == ("warn", True), result.message
    assert time.monotonic() - started < 1.5


def test_misordered_chain_fails_once_and_the_rest_skip(pki):
    leaf = pki.leaf("localhost")
    results = run(
        "https://localhost",
        only=CERT_CHECKS,
        mode="provided",
        cert_pem=pki.intermediate.cert_pem + leaf.cert_pem,
        key_pem=leaf.key_pem,
        ca_pem=pki.root_pem,
    )
    assert results["tls.certificate"].status == "fail"
    assert "CN=wbsetup test Intermediate CA" in str(results["tls.certificate"].message)
    for check_id in CERT_CHECKS[1:]:
        assert (results[check_id].status, results[check_id].message) == (
            "skip",
            "skipped: tls.cert_pem does not start with the leaf (see tls.certificate)",
        )


def test_out_of_order_intermediates_warn(pki, other_pki):
    leaf = pki.leaf("localhost")
    cert_pem = leaf.cert_pem + other_pki.intermediate.cert_pem
    result = run("https://localhost", only=["tls.certificate"], mode="provided", cert_pem=cert_pem)["tls.certificate"]
    assert result.status == "warn" and "did not issue certificate 1" in str(result.message)
