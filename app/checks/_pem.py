"""PEM parsing for the TLS step, with messages a person can act on.

Shared by the `tls.*` checks and usable by the web form for field errors:
`describe_pem_problem(text, "cert" | "key")` returns None for good input, else one line saying what
was pasted and what to do (a private key in the certificate field, DER without PEM armour, an
encrypted key, …). Messages never quote the pasted text: a key field holds a secret.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

from app.i18n.message import N_, Text, msg

Kind = Literal["cert", "key"]

_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.DOTALL)
_BEGIN = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----")
_BASE64 = re.compile(r"^[A-Za-z0-9+/=\s]+$")

KEY_LABELS = (
    "PRIVATE KEY",
    "RSA PRIVATE KEY",
    "EC PRIVATE KEY",
    "DSA PRIVATE KEY",
    "ENCRYPTED PRIVATE KEY",
    "OPENSSH PRIVATE KEY",
)
KEY_ENCRYPTED = N_("key is encrypted; provide it unencrypted")
KEY_DECRYPT_HINT = N_("Decrypt it once: openssl pkey -in key.pem -out key-plain.pem (asks for the passphrase)")
CERT_DER_HINT = N_("Convert it: openssl x509 -inform DER -in cert.der -out cert.pem")
KEY_DER_HINT = N_("Convert it: openssl pkey -inform DER -in key.der -out key.pem")


class PemProblem(ValueError):
    """Text that is not what the field needs; str() is the message, `hint` says what to do."""

    def __init__(self, message: Text, hint: Text = ""):
        super().__init__(message)
        self.hint = hint


def blocks(text: str) -> list[tuple[str, str]]:
    """(label, whole block text) of every PEM block in `text`, in order."""
    return [(m.group(1), m.group(0)) for m in _BLOCK.finditer(text)]


def _unarmoured(text: str, kind: Kind) -> PemProblem:
    """Why `text` (no PEM block in it) is not usable: binary DER, base64 DER, or something else."""
    what = msg("certificate") if kind == "cert" else msg("private key")
    der_hint = CERT_DER_HINT if kind == "cert" else KEY_DER_HINT
    if _BEGIN.search(text):
        return PemProblem(
            msg("a -----BEGIN line has no matching -----END line: the %(what)s is truncated", what=what),
            msg("Paste the whole %(what)s, including its -----END line", what=what),
        )
    if any(ord(c) < 32 and c not in "\r\n\t" for c in text) or "\ufffd" in text:
        return PemProblem(msg("binary data (DER?) instead of a PEM %(what)s", what=what), der_hint)
    compact = "".join(text.split())
    if len(compact) >= 64 and _BASE64.match(text):
        try:
            der = base64.b64decode(compact, validate=True)
        except binascii.Error:
            der = b""
        if der[:1] == b"\x30":  # an ASN.1 SEQUENCE: DER that lost its armour
            return PemProblem(
                msg("base64 DER without PEM armour: the %(what)s needs its -----BEGIN/-----END lines", what=what),
                der_hint,
            )
    label = "CERTIFICATE" if kind == "cert" else "PRIVATE KEY"
    return PemProblem(
        msg("no PEM %(what)s found (expected a -----BEGIN %(label)s----- block)", what=what, label=label),
        msg(
            "Paste the PEM text of the %(what)s, from -----BEGIN %(label)s----- to -----END %(label)s-----",
            what=what,
            label=label,
        ),
    )


def load_certificates(text: str | None) -> list[x509.Certificate]:
    """Every certificate of a PEM bundle, in order; PemProblem when the text is not one."""
    if not text or not text.strip():
        raise PemProblem(N_("empty: no certificate given"), N_("Paste the PEM certificate chain, leaf first"))
    found = blocks(text)
    labels = [label for label, _ in found]
    if any(label in KEY_LABELS for label in labels):
        only = all(label in KEY_LABELS for label in labels)
        raise PemProblem(
            N_("this is a private key, not a certificate")
            if only
            else N_("the certificate field also contains a private key"),
            N_("Paste the private key into the private key field (tls.key_pem), never here"),
        )
    certs = [block for label, block in found if label == "CERTIFICATE"]
    if not certs:
        if any(label.endswith("CERTIFICATE REQUEST") for label in labels):
            raise PemProblem(
                N_("this is a certificate signing request (CSR), not a certificate"),
                N_("Paste the certificate your CA issued for this CSR"),
            )
        if any("PUBLIC KEY" in label for label in labels):
            raise PemProblem(N_("this is a public key, not a certificate"), N_("Paste the PEM certificate chain"))
        if labels:
            raise PemProblem(
                msg("no certificate found (found a %(labels)s block)", labels=labels[0]),
                N_("Paste the PEM certificate chain"),
            )
        raise _unarmoured(text, "cert")
    out = []
    for i, block in enumerate(certs, 1):
        try:
            out.append(x509.load_pem_x509_certificate(block.encode("ascii", "replace")))
        except ValueError as exc:
            where = (
                msg("certificate %(i)s of %(n_certs)s", i=i, n_certs=len(certs))
                if len(certs) > 1
                else msg("the certificate")
            )
            raise PemProblem(
                msg("%(where)s does not parse (%(short)s)", where=where, short=_short(exc)),
                N_("Paste it again from the original file; it looks damaged or truncated"),
            ) from None
    return out


PrivateKey = (
    rsa.RSAPrivateKey
    | ec.EllipticCurvePrivateKey
    | ed25519.Ed25519PrivateKey
    | ed448.Ed448PrivateKey
    | dsa.DSAPrivateKey
)


def load_private_key(text: str | None) -> PrivateKey:
    """The one private key in `text` (PKCS#1, PKCS#8 or SEC1 PEM); PemProblem otherwise."""
    if not text or not text.strip():
        raise PemProblem(N_("empty: no private key given"), N_("Paste the PEM private key of the leaf certificate"))
    found = blocks(text)
    keys = [(label, block) for label, block in found if label in KEY_LABELS]
    if not keys:
        labels = [label for label, _ in found]
        if "CERTIFICATE" in labels:
            raise PemProblem(
                N_("this is a certificate, not a private key"),
                N_("Paste the private key the certificate was issued for (-----BEGIN PRIVATE KEY-----)"),
            )
        if any("PUBLIC KEY" in label for label in labels):
            raise PemProblem(
                N_("this is a public key, not the private key"),
                N_("Paste the private key (-----BEGIN PRIVATE KEY-----)"),
            )
        if labels:
            raise PemProblem(
                msg("no private key found (found a %(labels)s block)", labels=labels[0]),
                N_("Paste the PEM private key (-----BEGIN PRIVATE KEY-----)"),
            )
        raise _unarmoured(text, "key")
    if len(keys) > 1:
        raise PemProblem(
            msg("%(n_keys)s private keys found; the field takes exactly one", n_keys=len(keys)),
            N_("Paste only the private key of the leaf certificate"),
        )
    label, block = keys[0]
    if label == "ENCRYPTED PRIVATE KEY" or "ENCRYPTED" in block.split("\n\n", 1)[0].upper():
        raise PemProblem(KEY_ENCRYPTED, KEY_DECRYPT_HINT)
    if label == "OPENSSH PRIVATE KEY":
        raise PemProblem(
            N_("an OpenSSH key, not a TLS private key"), N_("Paste the PEM private key the certificate was issued for")
        )
    try:
        key = serialization.load_pem_private_key(block.encode("ascii", "replace"), password=None)
    except TypeError:  # cryptography: "Password was not given but private key is encrypted"
        raise PemProblem(KEY_ENCRYPTED, KEY_DECRYPT_HINT) from None
    except Exception:  # ValueError / UnsupportedAlgorithm; their text adds nothing for a person
        raise PemProblem(
            msg("the %(label)s block does not parse as a private key", label=label),
            N_("Paste it again from the original file; it looks damaged or truncated"),
        ) from None
    if not isinstance(key, PrivateKey):
        raise PemProblem(
            msg("a %(type)s, not a key TLS servers use", type=type(key).__name__),
            N_("Paste the RSA, ECDSA or Ed25519 private key the certificate was issued for"),
        )
    return key


def describe_pem_problem(text: str, kind: Kind) -> str | None:
    """None when `text` is a usable PEM certificate chain (kind "cert") or private key ("key");
    otherwise one line saying what is wrong (for form field errors). Never echoes the text."""
    try:
        (load_certificates if kind == "cert" else load_private_key)(text)
    except PemProblem as exc:
        return str(exc)
    return None


def describe_key(key) -> str:
    """A short name of a public or private key: "RSA 2048", "EC secp256r1", "Ed25519"."""
    if isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
        return f"RSA {key.key_size}"
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        return f"EC {key.curve.name}"
    if isinstance(key, (ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey)):
        return "Ed25519"
    if isinstance(key, (ed448.Ed448PrivateKey, ed448.Ed448PublicKey)):
        return "Ed448"
    if isinstance(key, (dsa.DSAPrivateKey, dsa.DSAPublicKey)):
        return f"DSA {key.key_size}"
    return type(key).__name__


def spki(key) -> bytes:
    """DER SubjectPublicKeyInfo of a public key (or of a private key's public half)."""
    pub = key.public_key() if hasattr(key, "private_bytes") else key
    return pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _short(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:120]
