"""Network probes and pure judges for the object-store checks (not auto-registered).

Probes gather facts (a TLS handshake, a preflight, a Date header); judges turn facts into outcomes
and are unit-tested without a network.
"""

from __future__ import annotations

import asyncio
import re
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from cryptography import x509

from app.checks.engine import Outcome, fail, passed, warn
from app.i18n.message import N_, MsgList, Text, msg

# -- TLS -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Handshake:
    ok: bool
    reason: Text = ""  # why verification or the connection failed
    verify_error: bool = False  # True: the chain/host did not verify (vs. the network failing)
    leaf_der: bytes | None = None


async def handshake(host: str, port: int, context: ssl.SSLContext, timeout: float) -> Handshake:
    """A TLS handshake to host:port verified by `context` (SNI and host name check = host)."""
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, ssl=context, server_hostname=host, ssl_handshake_timeout=timeout),
            timeout,
        )
    except ssl.SSLCertVerificationError as exc:
        return Handshake(False, exc.verify_message or str(exc), verify_error=True)
    except ssl.SSLError as exc:
        return Handshake(False, msg("TLS handshake failed: %(reason)s", reason=exc.reason or exc))
    except TimeoutError:
        return Handshake(False, msg("no TLS handshake within %(timeout)s s", timeout=format(timeout, "g")))
    except OSError as exc:
        return Handshake(False, msg("cannot connect: %(strerror)s", strerror=exc.strerror or exc))
    der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
    writer.close()
    try:
        await asyncio.wait_for(writer.wait_closed(), timeout)
    except (TimeoutError, OSError, ssl.SSLError):
        pass  # the handshake is what we measured; a rude close does not matter
    return Handshake(True, leaf_der=der)


def self_signed(der: bytes | None) -> bool:
    """True when the leaf certificate is its own issuer."""
    if not der:
        return False
    cert = x509.load_der_x509_certificate(der)
    return cert.issuer == cert.subject


# -- CORS ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preflight:
    method: str
    status: int
    allow_origin: str | None

    def allowed(self, origin: str) -> bool:
        return 200 <= self.status < 300 and self.allow_origin in (origin, "*")

    def describe(self) -> str:
        acao = (
            f"Access-Control-Allow-Origin {self.allow_origin}"
            if self.allow_origin
            else N_("no Access-Control-Allow-Origin")
        )
        return f"{self.method}: HTTP {self.status}, {acao}"


def preflight(http, url: str, origin: str, method: str) -> Preflight:
    """A browser's CORS preflight (OPTIONS) for `method` on `url` from `origin`."""
    r = http.options(url, headers={"Origin": origin, "Access-Control-Request-Method": method})
    return Preflight(method, r.status_code, r.headers.get("access-control-allow-origin"))


# -- Clock -----------------------------------------------------------------------------------------


def judge_clock_skew(date_header: str | None, now: datetime, limits: dict) -> Outcome:
    """The server's Date header vs local UTC `now`: ≤ pass_seconds pass, ≤ warn_seconds warn, else
    fail (SigV4 rejects requests more than 15 minutes off, which breaks presigned URLs)."""
    hint = N_(
        "Synchronise the clocks of the store, the W&B nodes and this machine with NTP (chrony or systemd-timesyncd)"
    )
    if not date_header:
        return warn(
            N_("the endpoint sent no Date header; clock skew cannot be measured"),
            N_("Compare `date -u` on the store and the W&B nodes by hand"),
        )
    try:
        server = parsedate_to_datetime(date_header)
    except (TypeError, ValueError):
        server = None
    if server is None or server.tzinfo is None:
        return warn(
            msg("the endpoint's Date header is not an HTTP date: %(date_header)s", date_header=repr(date_header[:64])),
            N_("Compare `date -u` on the store and the W&B nodes by hand"),
            observed=date_header[:64],
        )
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    delta = round((server - now).total_seconds())
    skew = abs(delta)
    direction = msg("ahead of") if delta > 0 else msg("behind")
    observed = f"{skew} s"
    expected = f"<= {limits['pass_seconds']} s"
    if skew <= limits["pass_seconds"]:
        return passed(
            msg("the store's clock is within %(skew)s s of this machine's", skew=skew),
            observed=observed,
            expected=expected,
        )
    message = msg("the store's clock is %(skew)s s %(direction)s this machine's (UTC)", skew=skew, direction=direction)
    if skew <= limits["warn_seconds"]:
        return warn(message, hint, observed=observed, expected=expected)
    return fail(
        MsgList([message, N_("; signed requests and presigned URLs will be rejected")], sep=""),
        hint,
        observed=observed,
        expected=expected,
    )


_CODE = re.compile(r"<Code>([^<]{1,64})</Code>")


def s3_error_code(body: bytes | str) -> str | None:
    """The <Code> of an S3 XML error body (a regex: never parse a stranger's XML with entities)."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    m = _CODE.search(text[:4096])
    return m.group(1) if m else None
