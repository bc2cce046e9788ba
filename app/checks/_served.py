"""Network probes of the TLS step: bounded name resolution and the certificate a host serves.

Every operation has a deadline (the check's timeout): `getaddrinfo` cannot be interrupted, so it
runs in a daemon thread that is abandoned, not waited for, when the deadline passes; sockets carry
the remaining time as their timeout. OpenSSL judges trust in a second, verifying handshake because
Python 3.11 cannot return the intermediates a server sent.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from dataclasses import dataclass

from cryptography import x509

from app.i18n.message import N_, msg


class Unreachable(OSError):
    """Nothing answered at host:port (refused, timed out, no route, name does not resolve)."""


def resolve(host: str, port: int, timeout: float) -> list[tuple[int, tuple]]:
    """(family, sockaddr) of every TCP address of `host`; OSError when it does not resolve,
    TimeoutError when the resolver takes longer than `timeout`."""
    box: dict = {}

    def work() -> None:
        try:
            box["addrs"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            box["error"] = exc

    worker = threading.Thread(target=work, name=f"resolve-{host}", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise TimeoutError(msg("name resolution took longer than %(timeout)s s", timeout=format(timeout, "g")))
    if "error" in box:
        raise box["error"]
    seen, out = set(), []
    for family, _, _, _, sockaddr in box["addrs"]:
        if sockaddr[0] not in seen:
            seen.add(sockaddr[0])
            out.append((family, sockaddr))
    return out


@dataclass(frozen=True)
class Served:
    cert: x509.Certificate
    address: str
    trust: str  # "system" | "extra" (only with tls.ca_pem) | "untrusted" | "unknown"
    trust_error: str = ""  # OpenSSL's words (for logs; _trust.served_verdict says why in ours)
    code: int = 0  # OpenSSL's X509_V_ERR_* code when untrusted


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("timed out")
    return left


def _connect(addrs, deadline: float) -> tuple[socket.socket, tuple]:
    errors = []
    for family, sockaddr in addrs:
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(_remaining(deadline))
            sock.connect(sockaddr)
            return sock, (family, sockaddr)
        except OSError as exc:
            sock.close()
            errors.append(f"{sockaddr[0]}: {exc.strerror or exc}")
    raise Unreachable("; ".join(errors) or N_("no address"))


def _handshake(addr, host: str, context: ssl.SSLContext, deadline: float) -> bytes:
    family, sockaddr = addr
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(_remaining(deadline))
    try:
        sock.connect(sockaddr)
        sock.settimeout(_remaining(deadline))
        # SNI = the host name users type (Python sends none for an IP literal, as browsers do).
        with context.wrap_socket(sock, server_hostname=host) as tls:
            der = tls.getpeercert(binary_form=True)
            assert der is not None, "a verified handshake has the peer's certificate"
            return der
    finally:
        sock.close()


def served_certificate(
    host: str, port: int, *, timeout: float, cadata: str | None = None, cafile: str | None = None
) -> Served:
    """The leaf certificate https://host:port serves and whether OpenSSL trusts its chain: with
    the system store (or `cafile`, injectable for tests) → "system"; else with `cadata` only →
    "extra". Raises Unreachable when nothing answers, ssl.SSLError when it answers but not TLS."""
    deadline = time.monotonic() + timeout
    try:
        addrs = resolve(host, port, _remaining(deadline))
    except OSError as exc:
        raise Unreachable(msg("%(host)s does not resolve (%(exc)s)", host=host, exc=exc)) from None
    sock, addr = _connect(addrs, deadline)
    raw = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    raw.check_hostname, raw.verify_mode = False, ssl.CERT_NONE  # fetch whatever is served
    try:
        sock.settimeout(_remaining(deadline))
        with raw.wrap_socket(sock, server_hostname=host) as tls:
            der = tls.getpeercert(binary_form=True)
    finally:
        sock.close()
    assert der is not None, "the handshake completed: the server sent its certificate (no anonymous ciphers)"
    cert = x509.load_der_x509_certificate(der)
    system = ssl.create_default_context(cafile=cafile) if cafile else ssl.create_default_context()
    trust, why, code = _trusted(addr, host, system, deadline)
    if trust != "system" and cadata:
        try:
            extra = ssl.create_default_context(cadata=cadata)
        except ssl.SSLError:
            extra = None  # tls.ca_pem does not parse: tls.chain says so
        if extra is not None:
            # With the private CA known, OpenSSL's complaint is the specific one (an expired leaf,
            # not "unable to get local issuer certificate").
            extra_trust, extra_why, extra_code = _trusted(addr, host, extra, deadline)
            if extra_trust == "system":
                trust, why, code = "extra", "", 0
            elif extra_trust == "untrusted":
                why, code = extra_why, extra_code
    return Served(cert, addr[1][0], trust, why, code)


def _trusted(addr, host: str, context: ssl.SSLContext, deadline: float) -> tuple[str, str, int]:
    context.check_hostname = False  # the name is judged separately (RFC 6125 matcher)
    try:
        _handshake(addr, host, context, deadline)
        return "system", "", 0
    except ssl.SSLCertVerificationError as exc:
        return "untrusted", exc.verify_message or str(exc), exc.verify_code or 0
    except (OSError, ssl.SSLError) as exc:
        return "unknown", str(exc), 0
