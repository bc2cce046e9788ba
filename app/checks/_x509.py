"""Certificate facts for the TLS step: RFC 6125 name matching, labels, the system trust store.

Whether a chain is trusted, and why not, is app/checks/_trust.py (the one certificate verdict).
"""

from __future__ import annotations

import hashlib
import ssl
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from app.checks._pem import blocks
from app.facts.hosts import ip_literal
from app.i18n.message import N_, MsgList, Text, msg


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
    how: Text  # the SAN that matched, or why none did
    cn_only: bool = False  # matched only through the subject CN (no SAN at all)


def name_match(cert: x509.Certificate, host: str) -> NameMatch:
    """Whether `cert` covers `host` (a DNS name or an IP literal). The CN counts only when the
    certificate has no SAN at all (RFC 6125 §6.4.4); browsers ignore it even then."""
    dns, ips = sans(cert)
    ip = ip_literal(host)
    if ip is not None:
        if ip in ips:
            return NameMatch(True, f"IP:{ip}")
        note = N_(" (an IP address must be an IP SAN, not a DNS SAN)") if str(ip) in dns else ""
        return NameMatch(False, MsgList([_listing(dns, ips), note], sep=""))
    for name in dns:
        if match_dns(name, host):
            return NameMatch(True, f"DNS:{name}")
    if not dns and not ips:
        cn = common_name(cert)
        if cn and match_dns(cn, host):
            return NameMatch(True, f"CN={cn}", cn_only=True)
        return NameMatch(False, msg("no subjectAltName (CN=%(cn)s)", cn=cn or "-"))
    notes: list[Text] = []
    partial = [n for n in dns if "*" in n and not n.startswith("*.")]
    if partial:
        notes.append(msg("partial wildcard %(partial)s is not honoured", partial=partial[0]))
    if any(n.startswith("*.") and normal_name(host).endswith(normal_name(n[1:])) for n in dns):
        notes.append(N_("a wildcard covers exactly one label"))
    return NameMatch(
        False, MsgList([_listing(dns, ips), " (", MsgList(notes), ")"], sep="") if notes else _listing(dns, ips)
    )


def _listing(dns: list[str], ips: list) -> Text:
    entries = [f"DNS:{n}" for n in dns] + [f"IP:{i}" for i in ips]
    shown = MsgList(
        [", ".join(entries[:8]), msg(", … (%(n_entries)s in all)", n_entries=len(entries)) if len(entries) > 8 else ""],
        sep="",
    )
    return msg("SANs: %(shown)s", shown=shown) if entries else N_("no SANs")


def label(cert: x509.Certificate) -> str:
    """A short human name: the CN, else the whole subject."""
    return f"CN={common_name(cert)}" if common_name(cert) else (cert.subject.rfc4514_string() or N_("(empty subject)"))


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
