"""Certificate judgements for the TLS step: RFC 6125 name matching and chain verification.

Chain verification uses cryptography's own verifier (`cryptography.x509.verification`, the Web PKI
policy of RFC 5280 + CA/B Forum) rather than hand-written chain walking; the walk in `_diagnose`
only explains a failure in words (which issuer is missing).
"""

from __future__ import annotations

import hashlib
import ssl
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import verification as v
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from app.checks._pem import blocks
from app.facts.hosts import ip_literal
from app.i18n.message import MsgList, msg


# -- names ---------------------------------------------------------------------------------------
def normal_name(name: str) -> str:
    """Lower-case, no trailing dot, IDNA A-labels (how names appear in SANs)."""
    name = name.strip().rstrip(".").lower()
    try:
        return name.encode("idna").decode("ascii")
    except UnicodeError:
        return name


def sans(cert: x509.Certificate) -> tuple[list[str], list]:
    """(DNS names, IP addresses) of the subjectAltName extension ([] , [] when absent)."""
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return [], []
    return ext.get_values_for_type(x509.DNSName), ext.get_values_for_type(x509.IPAddress)


def common_name(cert: x509.Certificate) -> str | None:
    attrs = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(attrs[0].value) if attrs else None


def match_dns(pattern: str, host: str) -> bool:
    """RFC 6125 §6.4.3: exact match, or a wildcard that is the whole left-most label and stands for
    exactly one non-empty label. Partial wildcards (f*.example.com), wildcards elsewhere and
    wildcards directly under a one-label name (*.com) do not match."""
    p, h = normal_name(pattern), normal_name(host)
    if "*" not in p:
        return p == h
    plabels, hlabels = p.split("."), h.split(".")
    if plabels[0] != "*" or "*" in ".".join(plabels[1:]) or len(plabels) < 3:
        return False
    return len(hlabels) == len(plabels) and bool(hlabels[0]) and hlabels[1:] == plabels[1:]


@dataclass(frozen=True)
class NameMatch:
    ok: bool
    how: str  # the SAN that matched, or why none did
    cn_only: bool = False  # matched only through the subject CN (no SAN at all)


def name_match(cert: x509.Certificate, host: str) -> NameMatch:
    """Whether `cert` covers `host` (a DNS name or an IP literal). The CN counts only when the
    certificate has no SAN at all (RFC 6125 §6.4.4); browsers ignore it even then."""
    dns, ips = sans(cert)
    ip = ip_literal(host)
    if ip is not None:
        if ip in ips:
            return NameMatch(True, f"IP:{ip}")
        note = " (an IP address must be an IP SAN, not a DNS SAN)" if str(ip) in dns else ""
        return NameMatch(False, MsgList([_listing(dns, ips), note], sep=""))
    for name in dns:
        if match_dns(name, host):
            return NameMatch(True, f"DNS:{name}")
    if not dns and not ips:
        cn = common_name(cert)
        if cn and match_dns(cn, host):
            return NameMatch(True, f"CN={cn}", cn_only=True)
        return NameMatch(False, msg("no subjectAltName (CN=%(cn)s)", cn=cn or "-"))
    notes: list[str] = []
    partial = [n for n in dns if "*" in n and not n.startswith("*.")]
    if partial:
        notes.append(msg("partial wildcard %(partial)s is not honoured", partial=partial[0]))
    if any(n.startswith("*.") and normal_name(host).endswith(normal_name(n[1:])) for n in dns):
        notes.append("a wildcard covers exactly one label")
    return NameMatch(
        False, MsgList([_listing(dns, ips), " (", MsgList(notes), ")"], sep="") if notes else _listing(dns, ips)
    )


def _listing(dns: list[str], ips: list) -> str:
    entries = [f"DNS:{n}" for n in dns] + [f"IP:{i}" for i in ips]
    shown = MsgList(
        [", ".join(entries[:8]), msg(", … (%(n_entries)s in all)", n_entries=len(entries)) if len(entries) > 8 else ""],
        sep="",
    )
    return msg("SANs: %(shown)s", shown=shown) if entries else "no SANs"


def label(cert: x509.Certificate) -> str:
    """A short human name: the CN, else the whole subject."""
    return f"CN={common_name(cert)}" if common_name(cert) else (cert.subject.rfc4514_string() or "(empty subject)")


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the DER, first 8 bytes as hex pairs (enough to tell certificates apart)."""
    digest = hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, 16, 2)).upper()


def is_self_signed(cert: x509.Certificate) -> bool:
    if cert.subject != cert.issuer:
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except Exception:
        return False
    return True


def is_ca(cert: x509.Certificate) -> bool:
    try:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False


# -- trust ---------------------------------------------------------------------------------------
def _bundle_path() -> Path | None:
    paths = ssl.get_default_verify_paths()
    for candidate in (paths.cafile, paths.openssl_cafile, "/etc/ssl/certs/ca-certificates.crt"):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    try:
        import certifi

        return Path(certifi.where())
    except ImportError:  # pragma: no cover
        return None


@lru_cache(maxsize=1)
def system_roots() -> tuple[x509.Certificate, ...]:
    """The system trust store (the OpenSSL default CA file, else certifi), parsed once. A root that
    cryptography cannot parse (a few carry negative serials) is skipped, not fatal."""
    path = _bundle_path()
    if path is None:
        return ()
    roots = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for kind, block in blocks(path.read_text("ascii", "replace")):
            if kind == "CERTIFICATE":
                try:
                    roots.append(x509.load_pem_x509_certificate(block.encode()))
                except ValueError:
                    continue
    return tuple(roots)


@dataclass(frozen=True)
class ChainVerdict:
    trust: str  # "system" | "extra" | "untrusted"
    detail: str  # the path on success; what broke otherwise
    reason: str = ""  # "missing-intermediate" | "untrusted-root" | "invalid" | "no-san" on failure


def _server_eku(policy, cert, ext) -> None:
    """EKU may be absent; when present it must allow TLS servers (CA/B Forum)."""
    if ext is not None and not (
        {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE} & set(ext)
    ):
        raise ValueError("extendedKeyUsage does not include serverAuth")


def _verifier_subject(leaf: x509.Certificate):
    """A name the leaf itself claims, so that verification judges trust only (tls.hostname judges
    the host). A wildcard SAN is exercised through one concrete label."""
    dns, ips = sans(leaf)
    for name in dns:
        if name.startswith("*.") and "*" not in name[2:]:
            name = "wildcard" + name[1:]
        if "*" not in name:
            try:
                return x509.DNSName(name)
            except ValueError:
                continue
    return x509.IPAddress(ips[0]) if ips else None


def _verify(leaf, intermediates, roots, at: datetime) -> tuple[list | None, str]:
    subject = _verifier_subject(leaf)
    if subject is None:
        return None, "the leaf has no subjectAltName"
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
        return None, str(exc).split(" (encountered processing", 1)[0].removeprefix("validation failed: ")


def verify_chain(
    leaf: x509.Certificate,
    intermediates: list[x509.Certificate],
    *,
    extra_roots: Sequence[x509.Certificate] = (),
    roots: tuple[x509.Certificate, ...] | None = None,
    at: datetime | None = None,
) -> ChainVerdict:
    """Verify leaf → intermediates → a root of the system store (`roots`, injectable for tests;
    default `system_roots()`), else → `extra_roots` (tls.ca_pem). `at` defaults to now clamped into
    the leaf's validity, so an expired leaf is judged by tls.expiry, not twice."""
    if at is None:
        at = min(max(datetime.now(UTC), leaf.not_valid_before_utc), leaf.not_valid_after_utc)
    roots = system_roots() if roots is None else roots
    error = "the system trust store is empty"
    if roots:
        path, error = _verify(leaf, intermediates, roots, at)
        if path:
            return ChainVerdict("system", _path(path))
    if extra_roots:
        path, extra_error = _verify(leaf, intermediates, extra_roots, at)
        if path:
            return ChainVerdict("extra", _path(path))
        error = error if roots else extra_error
    if "subjectAltName" in error and not any(sans(leaf)):
        return ChainVerdict("untrusted", error, "no-san")
    reason, words = _diagnose(leaf, intermediates, list(roots) + list(extra_roots))
    return ChainVerdict("untrusted", words or error, reason)


def _path(path: list[x509.Certificate]) -> str:
    return " → ".join(label(c) for c in path)


def _diagnose(leaf, intermediates, anchors) -> tuple[str, str]:
    """Explain an unverifiable chain by following issuer names (explanation only)."""
    anchor_names = {a.subject for a in anchors}
    current, seen = leaf, set()
    while current.fingerprint(hashes.SHA256()) not in seen:
        seen.add(current.fingerprint(hashes.SHA256()))
        if current.issuer in anchor_names:
            return "invalid", ""  # the path exists by name: the verifier's own words say what broke
        if is_self_signed(current):
            return "untrusted-root", msg(
                "the chain ends at %(label)s, which is not a trusted root", label=label(current)
            )
        parents = [c for c in intermediates if c.subject == current.issuer and c is not current]
        if not parents and current is leaf:
            return (
                "missing-intermediate",
                msg(
                    "the issuer of %(label)s (%(rfc4514_string)s) is neither in the chain nor a trusted root: "
                    "an intermediate is missing (or that issuer is a private CA)",
                    label=label(current),
                    rfc4514_string=current.issuer.rfc4514_string(),
                ),
            )
        if not parents:  # an intermediate whose issuer is unknown: a private or unknown root
            return (
                "untrusted-root",
                msg(
                    "the chain ends at %(label)s, issued by %(rfc4514_string)s, which is not a trusted root",
                    label=label(current),
                    rfc4514_string=current.issuer.rfc4514_string(),
                ),
            )
        current = parents[0]
    return "invalid", ""


def summarize_chain(text: str) -> list[dict]:
    """A preview of a PEM chain for the web form: one dict per certificate (subject, issuer, SANs,
    validity, key, CA flag, short SHA-256). Raises _pem.PemProblem for unusable text."""
    from app.checks._pem import describe_key, load_certificates

    out = []
    for cert in load_certificates(text):
        dns, ips = sans(cert)
        out.append(
            {
                "subject": cert.subject.rfc4514_string(),
                "issuer": cert.issuer.rfc4514_string(),
                "sans": [f"DNS:{n}" for n in dns] + [f"IP:{i}" for i in ips],
                "not_before": cert.not_valid_before_utc.isoformat(),
                "not_after": cert.not_valid_after_utc.isoformat(),
                "key": describe_key(cert.public_key()),
                "ca": is_ca(cert),
                "self_signed": is_self_signed(cert),
                "sha256": fingerprint(cert),
            }
        )
    return out
