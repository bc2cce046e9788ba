"""The certificate verdict: whether a chain is trusted for a host and, when it is not, why — in words.

One module for `tls.chain` (the provided chain, verified offline with cryptography's Web PKI
verifier) and for `tls.served` and `verify.tls` (what a host serves, verified by OpenSSL during the
handshake, see _served.py). Every failure becomes a `Cause` naming the real reason — expired, not
yet valid, unknown issuer, missing intermediate, self-signed, name mismatch, not a server
certificate — with what to do; a library's own message ("candidates exhausted …") is never shown.
Pure functions of certificates, an OpenSSL verify code and the time (tests/test_tls_causes.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509 import verification as v
from cryptography.x509.oid import ExtendedKeyUsageOID

from app.checks import _x509
from app.facts.hosts import ip_literal
from app.i18n.message import N_, Msg, msg

TRUSTED_CA_HINT = N_("Use a certificate from a publicly trusted CA (e.g. Let's Encrypt)")
# OpenSSL's X509_V_ERR_* codes (openssl/x509_vfy.h) that have a cause of their own.
_EXPIRED, _NOT_YET_VALID, _SELF_SIGNED, _ROOT_IN_CHAIN = 10, 9, 18, 19
_NO_ISSUER = (2, 20, 21)  # unable to get (local) issuer certificate / verify the leaf signature


@dataclass(frozen=True)
class Cause:
    """Why a certificate fails: a stable reason, the words (a predicate: "has expired on …",
    "is not trusted (…)", "does not cover …") and the fix."""

    reason: str
    words: Msg | str
    hint: Msg | str


def _day(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d}"


def validity(cert: x509.Certificate, now: datetime | None = None) -> Cause | None:
    """expired / not-yet-valid when `now` lies outside the certificate's dates, else None."""
    now = now or datetime.now(UTC)
    start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
    if now > end:
        return Cause(
            "expired",
            msg("has expired: valid until %(end)s (%(days)s days ago)", end=_day(end), days=(now - end).days),
            msg("Renew %(label)s and install the new certificate", label=_x509.label(cert)),
        )
    if now < start:
        return Cause(
            "not-yet-valid",
            msg("is not valid yet: valid from %(start)s", start=_day(start)),
            N_("Check the clock of this machine and of the server, or use a certificate that is valid now"),
        )
    return None


def name_cause(cert: x509.Certificate, name: str) -> Cause | None:
    """name-mismatch when the certificate's subjectAltName does not cover `name` (RFC 6125)."""
    match = _x509.name_match(cert, name)
    if match.ok and not match.cn_only:
        return None
    san = f"IP:{name}" if ip_literal(name) else f"DNS:{name}"
    return Cause(
        "name-mismatch",
        msg("does not cover %(name)s (%(how)s)", name=name, how=match.how),
        msg("Issue a certificate whose subjectAltName includes %(san)s", san=san),
    )


# -- a provided chain, verified offline -------------------------------------------------------------
@dataclass(frozen=True)
class ChainVerdict:
    trust: str  # "system" | "extra" | "untrusted"
    detail: Msg | str  # the path on success; the cause's words otherwise
    reason: str = ""  # a Cause.reason on failure
    hint: Msg | str = field(default="", compare=False)


def _server_eku(policy, cert, ext) -> None:
    """EKU may be absent; when present it must allow TLS servers (CA/B Forum)."""
    if ext is not None and not (
        {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE} & set(ext)
    ):
        raise ValueError(N_("extendedKeyUsage does not include serverAuth"))


def _verifier_subject(leaf: x509.Certificate):
    """A name the leaf itself claims, so that verification judges trust only (tls.hostname judges
    the host). A wildcard SAN is exercised through one concrete label."""
    dns, ips = _x509.sans(leaf)
    for san in dns:
        label = "wildcard" + san[1:] if san.startswith("*.") and "*" not in san[2:] else san
        if "*" not in label:
            try:
                return x509.DNSName(label)
            except ValueError:
                continue
    return x509.IPAddress(ips[0]) if ips else None


def _verify(leaf, intermediates, roots, at: datetime) -> tuple[list | None, str]:
    subject = _verifier_subject(leaf)
    if subject is None:
        return None, "no-san"
    # SAN and EKU criticality are relaxed: private CAs (and trustme) mark them critical, which
    # browsers accept; everything else is cryptography's Web PKI default.
    ee = (
        v.ExtensionPolicy.webpki_defaults_ee()
        .require_present(x509.SubjectAlternativeName, v.Criticality.AGNOSTIC, None)
        .may_be_present(x509.ExtendedKeyUsage, v.Criticality.AGNOSTIC, _server_eku)
    )
    try:
        verifier = (
            v.PolicyBuilder()
            .store(v.Store(list(roots)))
            .time(at)
            .extension_policies(ca_policy=v.ExtensionPolicy.webpki_defaults_ca(), ee_policy=ee)
            .build_server_verifier(subject)
        )
        return verifier.verify(leaf, list(intermediates)), ""
    except (v.VerificationError, ValueError) as exc:
        return None, "not-for-servers" if "serverAuth" in str(exc) else "invalid"


def verify_chain(
    leaf: x509.Certificate,
    intermediates: list[x509.Certificate],
    *,
    extra_roots: Sequence[x509.Certificate] = (),
    roots: tuple[x509.Certificate, ...] | None = None,
    at: datetime | None = None,
    now: datetime | None = None,
) -> ChainVerdict:
    """Verify leaf → intermediates → a root of the system store (`roots`, injectable for tests;
    default `_x509.system_roots()`), else → `extra_roots` (tls.ca_pem). `at` defaults to now clamped
    into the leaf's validity, so a leaf that merely expired still shows its trust path (tls.expiry
    judges its dates); when the chain does not verify, `chain_cause` says why as of `now`."""
    now = now or datetime.now(UTC)
    if at is None:
        at = min(max(now, leaf.not_valid_before_utc), leaf.not_valid_after_utc)
    roots = _x509.system_roots() if roots is None else roots
    failure = "untrusted-root"  # an empty system store trusts nothing
    if roots:
        path, failure = _verify(leaf, intermediates, roots, at)
        if path:
            return ChainVerdict("system", _path(path))
    if extra_roots:
        path, extra_failure = _verify(leaf, intermediates, extra_roots, at)
        if path:
            return ChainVerdict("extra", _path(path))
        failure = failure if roots else extra_failure
    cause = chain_cause(leaf, intermediates, [*roots, *extra_roots], failure, now)
    return ChainVerdict("untrusted", cause.words, cause.reason, cause.hint)


def _path(path: list[x509.Certificate]) -> str:
    return " → ".join(_x509.label(c) for c in path)


def chain_cause(leaf, intermediates, anchors, failure: str, now: datetime) -> Cause:
    """Why leaf → intermediates does not verify to `anchors`: follow the issuer names (which one is
    missing or untrusted), then the dates of every certificate on the way, then what the verifier
    refused (`failure`: "no-san", "not-for-servers" or "invalid")."""
    if failure == "no-san" and not any(_x509.sans(leaf)):
        return Cause(
            "no-san",
            N_("the leaf has no subjectAltName"),
            N_("Reissue the certificate with a subjectAltName for the host"),
        )
    anchor_by_name = {a.subject: a for a in anchors}
    current, path, seen = leaf, [leaf], set()
    while current.fingerprint(hashes.SHA256()) not in seen:
        seen.add(current.fingerprint(hashes.SHA256()))
        if current.issuer in anchor_by_name:
            path.append(anchor_by_name[current.issuer])
            break
        if _x509.is_self_signed(current):
            return _untrusted_root(
                msg("the chain ends at %(label)s, which is not a trusted root", label=_x509.label(current))
            )
        parents = [c for c in intermediates if c.subject == current.issuer and c is not current]
        if not parents and current is leaf:
            return Cause(
                "missing-intermediate",
                msg(
                    "the issuer of %(label)s (%(rfc4514_string)s) is neither in the chain nor a trusted root: "
                    "an intermediate is missing (or that issuer is a private CA)",
                    label=_x509.label(current),
                    rfc4514_string=current.issuer.rfc4514_string(),
                ),
                N_("Append your CA's intermediate certificate(s) after the leaf in tls.cert_pem"),
            )
        if not parents:  # an intermediate whose issuer is unknown: a private or unknown root
            return _untrusted_root(
                msg(
                    "the chain ends at %(label)s, issued by %(rfc4514_string)s, which is not a trusted root",
                    label=_x509.label(current),
                    rfc4514_string=current.issuer.rfc4514_string(),
                )
            )
        current = parents[0]
        path.append(current)
    for cert in path:
        dated = validity(cert, now)
        if dated is not None:
            return Cause(
                dated.reason, msg("%(label)s %(words)s", label=_x509.label(cert), words=dated.words), dated.hint
            )
    if failure == "not-for-servers":
        return Cause(
            "not-for-servers",
            N_("the leaf's extendedKeyUsage does not include serverAuth: it is not a TLS server certificate"),
            N_("Issue a server certificate (extendedKeyUsage serverAuth)"),
        )
    return Cause(
        "invalid",
        msg(
            "the path %(path)s exists, but a certificate on it is refused for TLS (a signature, key usage "
            "or CA constraint)",
            path=_path(path),
        ),
        N_(
            "Reissue the certificate from your CA: `openssl verify -CAfile root.pem -untrusted chain.pem leaf.pem` names the fault"
        ),
    )


def _untrusted_root(words: Msg) -> Cause:
    return Cause(
        "untrusted-root",
        words,
        msg("%(trusted_ca_hint)s, or set tls.ca_pem to your private root CA", trusted_ca_hint=msg(TRUSTED_CA_HINT)),
    )


# -- a served certificate, verified by OpenSSL ------------------------------------------------------
@dataclass(frozen=True)
class ServedVerdict:
    problems: list[Cause]  # worst first: dates, trust, name; empty when all is well
    via: str  # "system" | "extra" (through tls.ca_pem) | "" (not trusted)


def served_verdict(
    cert: x509.Certificate,
    name: str,
    *,
    trust: str,
    code: int = 0,
    known: Sequence[x509.Certificate] = (),
    now: datetime | None = None,
) -> ServedVerdict:
    """Judge the leaf a host serves for `name`: `trust` and `code` are OpenSSL's verdict on the
    chain (_served.Served); `known` are certificates the answers hold (tls.cert_pem, tls.ca_pem),
    which tell a missing intermediate from an unknown issuer."""
    problems = []
    dated = validity(cert, now)
    if dated is not None:
        problems.append(dated)
    if trust not in ("system", "extra"):
        cause = _openssl_cause(cert, trust, code, known)
        if cause is not None and (dated is None or code not in (_EXPIRED, _NOT_YET_VALID)):
            problems.append(cause)
    named = name_cause(cert, name)
    if named is not None:
        problems.append(named)
    return ServedVerdict(problems, trust if trust in ("system", "extra") else "")


def _openssl_cause(cert, trust: str, code: int, known) -> Cause | None:
    if trust == "unknown":  # the verifying handshake itself failed (the host went away, a timeout)
        return Cause(
            "unverified", N_("could not be verified: the verifying handshake did not complete"), N_("Re-run the check")
        )
    if code in (_EXPIRED, _NOT_YET_VALID):  # the leaf's dates are fine (validity() ran): an intermediate
        return Cause(
            "expired" if code == _EXPIRED else "not-yet-valid",
            N_("is not trusted: an intermediate certificate it is served with has expired or is not valid yet"),
            N_("Install your CA's current intermediate certificate(s) after the leaf on the proxy or ingress"),
        )
    if code == _SELF_SIGNED or (_x509.is_self_signed(cert) and code in _NO_ISSUER):
        return Cause(
            "self-signed", N_("is not trusted: it is self-signed, which W&B does not support"), TRUSTED_CA_HINT
        )
    issuer = cert.issuer.rfc4514_string() or "-"
    if code in _NO_ISSUER and any(c.subject == cert.issuer and not _x509.is_self_signed(c) for c in known):
        return Cause(
            "missing-intermediate",
            msg("is not trusted: the server does not send the intermediate that issued it (%(issuer)s)", issuer=issuer),
            N_("Install the intermediate certificate(s) after the leaf (the leaf first, then its issuers)"),
        )
    if code in (*_NO_ISSUER, _ROOT_IN_CHAIN):
        return Cause(
            "untrusted-root",
            msg(
                "is not trusted (unable to get local issuer certificate): its chain does not end at a CA this "
                "machine trusts (issuer %(issuer)s)",
                issuer=issuer,
            ),
            N_("Serve a chain that verifies to a trusted CA (a private CA: put it in tls.ca_pem and on every client)"),
        )
    return Cause(
        "invalid",
        msg("is not trusted: its chain is refused (OpenSSL verify error %(code)s)", code=str(code)),
        N_(
            "Install a certificate and intermediates from your CA; `openssl s_client -connect HOST:443 -showcerts` "
            "shows what is served"
        ),
    )


def known_certificates(*pems: str | None) -> list[x509.Certificate]:
    """The certificates of the answers' PEM texts (tls.cert_pem, tls.ca_pem); text that does not
    parse adds none (tls.certificate and tls.chain say what is wrong with it)."""
    from app.checks._pem import PemProblem, load_certificates

    out: list[x509.Certificate] = []
    for text in pems:
        if text:
            try:
                out.extend(load_certificates(text))
            except PemProblem:
                continue
    return out
