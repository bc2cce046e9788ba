"""The demo's W&B host: a demo CA, certificates it issues, and a local HTTPS endpoint serving one.

The endpoint stands where the W&B ingress would be (`host` of the demo profile), so `tls.served`
has a real TLS handshake to judge. The served certificate can be swapped live (the "expired
certificate" fault): every accepted connection is wrapped with the context current at that moment.
Everything is generated in memory at start-up with `cryptography`; nothing is written to disk.
"""

from __future__ import annotations

import datetime as dt
import http.server
import ipaddress
import ssl
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

HOST_NAME = "localhost"  # resolves to loopback everywhere without DNS; the certificate names it


@dataclass(frozen=True)
class Issued:
    """A certificate chain (leaf first) and its private key, both PEM text."""

    cert_pem: str
    key_pem: str


def _key():
    return ec.generate_private_key(ec.SECP256R1())


_KEY_USAGES = (
    "digital_signature",
    "content_commitment",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
    "encipher_only",
    "decipher_only",
)


def _key_usage(*granted: str) -> x509.KeyUsage:
    """The keyUsage extension with just the `granted` bits set."""
    return x509.KeyUsage(**{name: name in granted for name in _KEY_USAGES})


def _pem_key(key) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


class DemoCA:
    """A private CA named as a demo CA, which issues the host's certificates."""

    def __init__(self):
        self._key = _key()
        now = dt.datetime.now(dt.UTC)
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "wbsetup demo"),
                x509.NameAttribute(NameOID.COMMON_NAME, "wbsetup DEMO CA (simulated infrastructure)"),
            ]
        )
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage("digital_signature", "key_cert_sign", "crl_sign"), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self._key.public_key()), critical=False)
            .sign(self._key, hashes.SHA256())
        )
        self.cert_pem = self.cert.public_bytes(serialization.Encoding.PEM).decode()

    def issue(self, *, valid_from: dt.datetime, valid_to: dt.datetime) -> Issued:
        """A server certificate for HOST_NAME and 127.0.0.1 valid from `valid_from` to `valid_to`."""
        key = _key()
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST_NAME)]))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(valid_from)
            .not_valid_after(valid_to)
            .add_extension(
                x509.SubjectAlternativeName(
                    [x509.DNSName(HOST_NAME), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
                ),
                critical=False,
            )
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self._key.public_key()), critical=False)
            .sign(self._key, hashes.SHA256())
        )
        return Issued(cert.public_bytes(serialization.Encoding.PEM).decode(), _pem_key(key))

    def valid(self) -> Issued:
        now = dt.datetime.now(dt.UTC)
        return self.issue(valid_from=now - dt.timedelta(days=1), valid_to=now + dt.timedelta(days=90))

    def expired(self) -> Issued:
        now = dt.datetime.now(dt.UTC)
        return self.issue(valid_from=now - dt.timedelta(days=400), valid_to=now - dt.timedelta(days=35))


def server_context(issued: Issued) -> ssl.SSLContext:
    """A server-side TLS context presenting `issued`."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    # load_cert_chain reads files only: a private temp dir, removed at once.
    with tempfile.TemporaryDirectory(prefix="wbsetup-demo-tls-") as tmp:
        cert, key = Path(tmp, "cert.pem"), Path(tmp, "key.pem")
        cert.write_text(issued.cert_pem)
        key.touch(mode=0o600)
        key.write_text(issued.key_pem)
        ctx.load_cert_chain(cert, key)
    return ctx


class _Page(http.server.BaseHTTPRequestHandler):
    timeout = 5  # a client that never speaks releases its thread

    def do_GET(self):  # noqa: N802 (http.server's naming)
        body = b"<!doctype html><title>W&amp;B (demo)</title><p>DEMO \xe2\x80\x94 simulated W&amp;B host</p>\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # quiet: the demo's console is for the login URL
        pass


class _TLSServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    context: ssl.SSLContext
    upstream: tuple[str, int]  # set by app/demo/wandb_front.PythonFront (its forwarding proxy)
    body_limit: int | None  # likewise

    def get_request(self):
        sock, addr = super().get_request()
        sock.settimeout(5)
        # The handshake happens in the handler thread (first read), not in the accept loop.
        return self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr

    def handle_error(self, request, client_address):  # TLS probes that hang up are normal here
        pass


class DemoHTTPS:
    """HTTPS on 127.0.0.1 serving `issued`; `serve(issued)` swaps the certificate live."""

    def __init__(self, issued: Issued):
        self._server = _TLSServer(("127.0.0.1", 0), _Page)
        self._server.context = server_context(issued)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True, name="demo-https"
        )

    def start(self) -> int:
        self._thread.start()
        return self.port

    def serve(self, issued: Issued) -> None:
        self._server.context = server_context(issued)

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=10)
        self._server.server_close()
