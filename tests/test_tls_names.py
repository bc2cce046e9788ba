"""RFC 6125 host name matching and chain verification with an injected trust store."""

from __future__ import annotations

import pytest

from app.checks import _trust, _x509
from tests.services.https_server import issue


@pytest.mark.parametrize(
    "pattern, host, expected",
    [
        pytest.param("wandb.acme.internal", "wandb.acme.internal", True, id="exact"),
        pytest.param("WandB.Acme.Internal.", "wandb.acme.internal", True, id="case-and-trailing-dot"),
        pytest.param("*.acme.internal", "wandb.acme.internal", True, id="wildcard-one-label"),
        pytest.param("*.acme.internal", "a.b.acme.internal", False, id="wildcard-not-two-labels"),
        pytest.param("*.acme.internal", "acme.internal", False, id="wildcard-not-zero-labels"),
        pytest.param("f*.acme.internal", "foo.acme.internal", False, id="partial-wildcard-ignored"),
        pytest.param("*oo.acme.internal", "foo.acme.internal", False, id="partial-wildcard-suffix-ignored"),
        pytest.param("wandb.*.internal", "wandb.acme.internal", False, id="wildcard-not-left-most"),
        pytest.param("*.internal", "acme.internal", False, id="wildcard-too-broad"),
        pytest.param("other.acme.internal", "wandb.acme.internal", False, id="different-name"),
        pytest.param("bücher.example", "xn--bcher-kva.example", True, id="idna"),
    ],
)
def test_match_dns(pattern, host, expected):
    assert _x509.match_dns(pattern, host) is expected


@pytest.mark.parametrize(
    "sans, host, ok, says",
    [
        pytest.param(["localhost"], "localhost", True, "DNS:localhost", id="dns"),
        pytest.param(["*.example.com"], "wandb.example.com", True, "DNS:*.example.com", id="wildcard"),
        pytest.param(["*.example.com"], "a.wandb.example.com", False, "exactly one label", id="wildcard-multi-label"),
        pytest.param(["f*.example.com"], "foo.example.com", False, "partial wildcard", id="partial-wildcard"),
        pytest.param(["127.0.0.1"], "127.0.0.1", True, "IP:127.0.0.1", id="ip-san"),
        pytest.param(["::1"], "[::1]", True, "IP:::1", id="ipv6-san"),
        pytest.param(["localhost"], "127.0.0.1", False, "SANs: DNS:localhost", id="ip-host-dns-only"),
        pytest.param(["other.example"], "localhost", False, "SANs: DNS:other.example", id="wrong-host"),
    ],
)
def test_name_match(sans, host, ok, says):
    cert = issue(sans[0], sans=sans).cert
    match = _x509.name_match(cert, host)
    assert match.ok is ok and says in str(match.how)


def test_ip_written_as_dns_san_is_explained():
    from cryptography import x509
    from cryptography.x509.oid import NameOID
    from datetime import datetime, timedelta, timezone
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives import hashes

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ip")])
    now = datetime.now(timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("10.0.0.1")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    match = _x509.name_match(cert, "10.0.0.1")
    assert not match.ok and "must be an IP SAN" in str(match.how)


def test_cn_counts_only_without_sans():
    no_san = issue("localhost", san_ext=False).cert
    assert _x509.name_match(no_san, "localhost") == _x509.NameMatch(True, "CN=localhost", cn_only=True)
    with_san = issue("localhost", sans=["other.example"]).cert  # CN=localhost is ignored
    assert not _x509.name_match(with_san, "localhost").ok


# -- chain verification with an injected "system" store --------------------------------------------
def test_chain_to_injected_system_store(pki):
    leaf = pki.leaf("localhost")
    verdict = _trust.verify_chain(leaf.cert, [pki.intermediate.cert], roots=(pki.root.cert,))
    assert verdict.trust == "system"
    assert str(verdict.detail) == "CN=localhost → CN=wbsetup test Intermediate CA → CN=wbsetup test Root CA"


def test_chain_only_through_extra_root(pki, other_pki):
    leaf = pki.leaf("localhost")
    verdict = _trust.verify_chain(
        leaf.cert, [pki.intermediate.cert], roots=(other_pki.root.cert,), extra_roots=[pki.root.cert]
    )
    assert verdict.trust == "extra"


@pytest.mark.parametrize(
    "intermediates, reason",
    [
        pytest.param(lambda p: [], "missing-intermediate", id="missing-intermediate"),
        pytest.param(lambda p: [p.intermediate.cert], "untrusted-root", id="unknown-root"),
        pytest.param(lambda p: [p.intermediate.cert, p.root.cert], "untrusted-root", id="root-sent-but-untrusted"),
    ],
)
def test_chain_failures_are_explained(pki, other_pki, intermediates, reason):
    leaf = pki.leaf("localhost")
    verdict = _trust.verify_chain(leaf.cert, intermediates(pki), roots=(other_pki.root.cert,))
    assert (verdict.trust, verdict.reason) == ("untrusted", reason)


def test_real_system_store_does_not_trust_a_private_pki(pki):
    assert len(_x509.system_roots()) > 50  # the machine's CA bundle is found and parsed
    leaf = pki.leaf("localhost")
    assert _trust.verify_chain(leaf.cert, [pki.intermediate.cert]).trust == "untrusted"


def test_expired_leaf_is_judged_for_trust_within_its_validity(pki):
    leaf = pki.leaf("localhost", days=(-60, -30))
    assert _trust.verify_chain(leaf.cert, [pki.intermediate.cert], roots=(pki.root.cert,)).trust == "system"


def test_client_only_certificate_is_not_a_server_certificate(pki):
    from cryptography.x509.oid import ExtendedKeyUsageOID

    leaf = pki.leaf("localhost", eku=(ExtendedKeyUsageOID.CLIENT_AUTH,))
    verdict = _trust.verify_chain(leaf.cert, [pki.intermediate.cert], roots=(pki.root.cert,))
    assert verdict.trust == "untrusted" and "serverAuth" in str(verdict.detail)


def test_summarize_chain_for_the_form_preview(pki):
    leaf = pki.leaf("localhost", "127.0.0.1", key="rsa")
    first, second = _x509.summarize_chain(pki.chain_pem(leaf))
    assert (first["sans"], first["key"], first["ca"]) == (["DNS:localhost", "IP:127.0.0.1"], "RSA 2048", False)
    assert second["subject"] == "CN=wbsetup test Intermediate CA,O=wbsetup tests" and second["ca"] is True


def test_trustme_chain_with_critical_san_and_eku_verifies():
    """trustme (like some private CAs) marks SAN and EKU critical; browsers accept that, so do we."""
    import trustme
    from cryptography import x509

    ca = trustme.CA()
    issued = ca.create_child_ca().issue_cert("localhost")
    leaf, intermediate = x509.load_pem_x509_certificates(b"".join(p.bytes() for p in issued.cert_chain_pems))
    root = x509.load_pem_x509_certificate(ca.cert_pem.bytes())
    assert _trust.verify_chain(leaf, [intermediate], roots=(root,)).trust == "system"
    assert _x509.name_match(leaf, "localhost").ok
