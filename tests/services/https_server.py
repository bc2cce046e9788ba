"""TLS test services: a certificate factory (`pki`) and a real HTTPS server (`https_server`).

Certificates are made with cryptography so every case exists: CA → intermediate → leaf, expired,
not yet valid, wildcard, IP SANs, RSA / ECDSA / Ed25519 keys, self-signed. Extensions follow what
public CAs issue (non-critical SAN and EKU, AKI/SKI) so the Web PKI verifier accepts the good ones.

The server is http.server wrapped in ssl on 127.0.0.1 (free port) in a thread; the TLS handshake
happens in the handler thread, so a client that never speaks cannot block the accept loop.
"""

from __future__ import annotations

import ipaddress
import secrets
import ssl
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_RSA_KEYS: list = []  # RSA generation is slow (~50 ms); tests reuse a few keys


def make_key(kind: str = "ec"):
    if kind == "rsa":
        if len(_RSA_KEYS) < 4:
            _RSA_KEYS.append(rsa.generate_private_key(public_exponent=65537, key_size=2048))
            return _RSA_KEYS[-1]
        return _RSA_KEYS[secrets.randbelow(len(_RSA_KEYS))]
    if kind == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    if kind == "ed25519":
        return ed25519.Ed25519PrivateKey.generate()
    raise ValueError(kind)


@dataclass
class Issued:
    cert: x509.Certificate
    key: object

    @property
    def cert_pem(self) -> str:
        return self.cert.public_bytes(serialization.Encoding.PEM).decode()

    @property
    def key_pem(self) -> str:  # PKCS#8
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()

    def key_pem_as(self, fmt: str, password: bytes | None = None) -> str:
        private_format = {
            "pkcs1": serialization.PrivateFormat.TraditionalOpenSSL,  # RSA / SEC1 EC
            "pkcs8": serialization.PrivateFormat.PKCS8,
        }[fmt]
        enc = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
        return self.key.private_bytes(serialization.Encoding.PEM, private_format, enc).decode()


def _sign_hash(key):
    return None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [x509.NameAttribute(NameOID.ORGANIZATION_NAME, "wbsetup tests"), x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    )


def issue(
    cn: str,
    *,
    issuer: Issued | None = None,
    ca: bool = False,
    sans: list[str] = (),
    key: str = "ec",
    days: tuple[int, int] = (-1, 90),
    san_ext: bool = True,
    eku=(ExtendedKeyUsageOID.SERVER_AUTH,),
) -> Issued:
    """A certificate for `cn`, signed by `issuer` (self-signed when None). `sans` are DNS names or
    IP literals; `days` = (not_before, not_after) relative to now."""
    private = make_key(key)
    now = datetime.now(timezone.utc)
    subject = _name(cn)
    signer = issuer.key if issuer else private
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + timedelta(days=days[0]))
        .not_valid_after(now + timedelta(days=days[1]))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(private.public_key()), critical=False)
    )
    if issuer:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False
        )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
    else:
        builder = builder.add_extension(
            x509.KeyUsage(
                True, isinstance(private, rsa.RSAPrivateKey), False, False, False, False, False, False, False
            ),
            critical=True,
        )
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(eku)), critical=False)
        if san_ext:
            names = [x509.IPAddress(ipaddress.ip_address(s)) if _is_ip(s) else x509.DNSName(s) for s in (sans or [cn])]
            builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return Issued(builder.sign(signer, _sign_hash(signer)), private)


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False


class Pki:
    """A private PKI: root → intermediate, and leaves issued by the intermediate."""

    def __init__(self, name: str = "wbsetup test"):
        self.root = issue(f"{name} Root CA", ca=True, days=(-400, 3650))
        self.intermediate = issue(f"{name} Intermediate CA", issuer=self.root, ca=True, days=(-400, 1825))

    def leaf(self, *sans: str, **kw) -> Issued:
        return issue(sans[0] if sans else "localhost", issuer=self.intermediate, sans=list(sans), **kw)

    def chain_pem(self, leaf: Issued) -> str:
        return leaf.cert_pem + self.intermediate.cert_pem

    @property
    def root_pem(self) -> str:
        return self.root.cert_pem


@pytest.fixture(scope="session")
def pki() -> Pki:
    return Pki()


@pytest.fixture(scope="session")
def other_pki() -> Pki:
    return Pki("unrelated")


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        body = b"ok\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # keep test output quiet
        pass


class _TLSServer(ThreadingHTTPServer):
    daemon_threads = True
    context: ssl.SSLContext

    def get_request(self):
        sock, addr = self.socket.accept()
        sock.settimeout(5)  # a client that never speaks frees its handler thread
        return self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr

    def handle_error(self, request, client_address):  # handshake failures are expected in tests
        pass


@contextmanager
def serve_https(cert_chain_pem: str, key_pem: str):
    """Serve HTTPS on 127.0.0.1:<free port> with this chain and key; yields the port."""
    with tempfile.TemporaryDirectory() as tmp:
        cert_file, key_file = Path(tmp, "chain.pem"), Path(tmp, "key.pem")
        cert_file.write_text(cert_chain_pem)
        key_file.write_text(key_pem)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
    server = _TLSServer(("127.0.0.1", 0), _Hello)
    server.context = context
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def https_server():
    """Factory: `port = https_server(chain_pem, key_pem)`; every server stops after the test."""
    stack = []

    def start(cert_chain_pem: str, key_pem: str) -> int:
        cm = serve_https(cert_chain_pem, key_pem)
        stack.append(cm)
        return cm.__enter__()

    yield start
    for cm in reversed(stack):
        cm.__exit__(None, None, None)
