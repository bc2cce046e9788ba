"""The certificate verdict names the real cause (issue #31.1): expired, not yet valid, unknown issuer,
missing intermediate, name mismatch — in tls.chain, tls.served and verify.tls alike, never a
library's message. Chains are built with cryptography (tests/services/https_server.py) and trustme;
the served cases use a real HTTPS server on 127.0.0.1.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import trustme
from cryptography import x509

from app.answers import Answers
from app.checks import _trust
from tests import factories as f
from tests.services.https_server import issue

LIBRARY_WORDS = ("candidates exhausted", "interior errors", "validation failed", "encountered processing")


def _no_library_words(*texts) -> None:
    for text in texts:
        assert not any(w in str(text) for w in LIBRARY_WORDS), text


class Demo:
    """The demo's shape: a CA made today, a leaf that expired 35 days ago (app/demo/https.py)."""

    def __init__(self):
        self.root = issue("Young Root CA", ca=True, days=(-1, 3650))
        self.leaf = issue("localhost", issuer=self.root, sans=["localhost", "127.0.0.1"], days=(-400, -35))


def _chain(root_days=(-400, 3650), intermediate_days=(-400, 1825), leaf_days=(-1, 90), sans=("localhost",)):
    root = issue("Cause Root CA", ca=True, days=root_days)
    intermediate = issue("Cause Intermediate CA", issuer=root, ca=True, days=intermediate_days)
    leaf = issue(sans[0], issuer=intermediate, sans=list(sans), days=leaf_days)
    return root, intermediate, leaf


# -- the verdict with plain data (no servers) -------------------------------------------------------
def test_expired_leaf_under_a_younger_ca_is_named_expired_not_candidates_exhausted():
    demo = Demo()
    verdict = _trust.verify_chain(demo.leaf.cert, [], roots=(), extra_roots=[demo.root.cert])
    assert (verdict.trust, verdict.reason) == ("untrusted", "expired")
    assert "CN=localhost has expired: valid until" in str(verdict.detail)
    assert "Renew" in str(verdict.hint) and "publicly trusted" not in str(verdict.hint)
    _no_library_words(verdict.detail, verdict.hint)


@pytest.mark.parametrize(
    "build, reason, words",
    [
        pytest.param(
            dict(intermediate_days=(-400, -2)), "expired", "Intermediate CA has expired", id="intermediate-expired"
        ),
        pytest.param(
            dict(intermediate_days=(1, 100)),
            "not-yet-valid",
            "Intermediate CA is not valid yet",
            id="intermediate-not-yet",
        ),
        pytest.param(dict(root_days=(-400, -2)), "expired", "Root CA has expired", id="root-expired"),
    ],
)
def test_a_chain_certificate_out_of_its_dates_is_named(build, reason, words):
    root, intermediate, leaf = _chain(**build)
    verdict = _trust.verify_chain(leaf.cert, [intermediate.cert], roots=(root.cert,))
    assert (verdict.trust, verdict.reason) == ("untrusted", reason)
    assert words in str(verdict.detail)
    _no_library_words(verdict.detail)


def test_unknown_issuer_and_missing_intermediate_in_words(pki, other_pki):
    leaf = pki.leaf("localhost")
    unknown = _trust.verify_chain(leaf.cert, [pki.intermediate.cert], roots=(other_pki.root.cert,))
    missing = _trust.verify_chain(leaf.cert, [], roots=(pki.root.cert,))
    assert (unknown.reason, missing.reason) == ("untrusted-root", "missing-intermediate")
    assert "not a trusted root" in str(unknown.detail) and "an intermediate is missing" in str(missing.detail)
    _no_library_words(unknown.detail, missing.detail)


def test_trustme_chain_expired_leaf_keeps_its_trust_path_and_the_served_verdict_says_expired():
    ca = trustme.CA()
    now = datetime.now(UTC)
    issued = ca.issue_cert("localhost", not_before=now - timedelta(days=90), not_after=now - timedelta(days=2))
    leaf = x509.load_pem_x509_certificate(issued.cert_chain_pems[0].bytes())
    root = x509.load_pem_x509_certificate(ca.cert_pem.bytes())
    assert _trust.verify_chain(leaf, [], roots=(root,)).trust == "system"  # tls.expiry judges the dates
    verdict = _trust.served_verdict(leaf, "localhost", trust="untrusted", code=10)
    assert [c.reason for c in verdict.problems] == ["expired"]  # OpenSSL's code 10 is the same cause: once


@pytest.mark.parametrize(
    "trust, code, known, name, reasons",
    [
        pytest.param("untrusted", 20, "intermediate", "localhost", ["missing-intermediate"], id="missing-intermediate"),
        pytest.param("untrusted", 20, None, "localhost", ["untrusted-root"], id="unknown-issuer"),
        pytest.param("untrusted", 19, None, "localhost", ["untrusted-root"], id="untrusted-root-sent"),
        pytest.param("extra", 0, None, "other.example", ["name-mismatch"], id="name-mismatch"),
        pytest.param("system", 0, None, "localhost", [], id="all-well"),
        pytest.param("unknown", 0, None, "localhost", ["unverified"], id="verifying-handshake-failed"),
    ],
)
def test_served_verdict_causes(pki, trust, code, known, name, reasons):
    leaf = pki.leaf("localhost")
    certs = [pki.intermediate.cert] if known else []
    verdict = _trust.served_verdict(leaf.cert, name, trust=trust, code=code, known=certs)
    assert [c.reason for c in verdict.problems] == reasons
    assert verdict.via == (trust if trust in ("system", "extra") else "")
    for cause in verdict.problems:
        assert cause.hint
        _no_library_words(cause.words, cause.hint)


def test_served_self_signed_and_dates():
    lone = issue("localhost", sans=["localhost"])
    assert [c.reason for c in _trust.served_verdict(lone.cert, "localhost", trust="untrusted", code=18).problems] == [
        "self-signed"
    ]
    early = issue("localhost", sans=["localhost"], days=(3, 30))
    (cause,) = _trust.served_verdict(early.cert, "localhost", trust="system").problems
    assert (cause.reason, "is not valid yet" in str(cause.words)) == ("not-yet-valid", True)


# -- the checks against a real HTTPS server ---------------------------------------------------------
def _answers(port: int, tls: dict) -> Answers:
    return f.answers(f.MINIMAL, profile="t", host=f"https://localhost:{port}", tls=tls)


def _results(answers: Answers, only: list[str]) -> dict:
    return f.results(answers, only=only, timeout=5)


def _pem(issued) -> str:
    return issued.cert_pem


SERVED_CASES = [
    # served chain, answers' tls, cause, words in tls.served and verify.tls
    pytest.param("expired", "expired", "has expired: valid until", id="expired"),
    pytest.param("not-yet-valid", "not-yet-valid", "is not valid yet", id="not-yet-valid"),
    pytest.param("unknown-issuer", "untrusted-root", "unable to get local issuer certificate", id="unknown-issuer"),
    pytest.param(
        "missing-intermediate", "missing-intermediate", "does not send the intermediate", id="missing-intermediate"
    ),
    pytest.param("name-mismatch", "name-mismatch", "does not cover localhost", id="name-mismatch"),
]


def _site(case: str, pki, other_pki):
    """(served chain PEM, key PEM, answers' tls) for one cause."""
    if case == "expired":
        demo = Demo()
        return (
            demo.leaf.cert_pem,
            demo.leaf.key_pem,
            dict(mode="provided", cert_pem=demo.leaf.cert_pem, ca_pem=demo.root.cert_pem),
        )
    if case == "not-yet-valid":
        leaf = pki.leaf("localhost", days=(2, 90))
        return pki.chain_pem(leaf), leaf.key_pem, dict(mode="external", ca_pem=pki.root_pem)
    if case == "unknown-issuer":
        leaf = other_pki.leaf("localhost")
        return other_pki.chain_pem(leaf), leaf.key_pem, dict(mode="external")
    if case == "missing-intermediate":
        leaf = pki.leaf("localhost")
        return leaf.cert_pem, leaf.key_pem, dict(mode="provided", cert_pem=pki.chain_pem(leaf), ca_pem=pki.root_pem)
    leaf = pki.leaf("other.example")
    return pki.chain_pem(leaf), leaf.key_pem, dict(mode="external", ca_pem=pki.root_pem)


@pytest.mark.parametrize("case, reason, words", SERVED_CASES)
def test_served_and_verify_name_the_same_cause(pki, other_pki, https_server, case, reason, words):
    chain_pem, key_pem, tls = _site(case, pki, other_pki)
    port = https_server(chain_pem, key_pem)
    results = _results(_answers(port, tls), ["tls.served", "verify.reach", "verify.tls"])
    served, verified = results["tls.served"], results["verify.tls"]
    assert (served.status, words in str(served.message)) == ("warn", True), served.message
    assert (verified.status, words in str(verified.message)) == ("fail", True), verified.message
    assert verified.observed == reason
    for r in (served, verified):
        _no_library_words(r.message, r.hint)
    if reason != "untrusted-root":
        assert "publicly trusted" not in f"{served.hint} {verified.hint}"


def test_demo_expired_certificate_tls_chain_says_expired_and_renew():
    demo = Demo()
    tls = dict(mode="provided", cert_pem=demo.leaf.cert_pem, key_pem=demo.leaf.key_pem, ca_pem=demo.root.cert_pem)
    results = _results(_answers(443, tls), ["tls.chain", "tls.expiry"])
    chain = results["tls.chain"]
    assert chain.status == "fail" and "CN=localhost has expired" in str(chain.message), chain.message
    assert chain.observed == "expired" and str(chain.hint).startswith("Renew")
    assert "publicly trusted" not in str(chain.hint)
    _no_library_words(chain.message, chain.hint)
    assert results["tls.expiry"].status == "fail"
