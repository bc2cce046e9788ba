"""HTTP to the installed W&B for the `verify.*` checks: one host, bounded, no silent redirects.

Every request goes to `host` only (the URL users type), through httpx with `follow_redirects=False`
(a redirect is reported, never followed: it could lead anywhere, and an API key must not travel
there), `trust_env=False` (the wizard host's proxy variables must not reroute it), TLS trusting the
system store plus `tls.ca_pem`, one deadline for the whole exchange, and a bounded read of the body.
The API key, when a check sends it, is only ever in the `Authorization` header.
"""

from __future__ import annotations

import asyncio
import base64
import importlib
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import quote, quote_plus

from app.checks import _served
from app.checks.engine import Context, Outcome, fail
from app.facts.hosts import HostURL, split_host
from app.i18n.message import N_, Text, msg

READ_LIMIT = 256 * 1024  # bytes of a response body kept; W&B's answers here are tiny


def host_parts(ctx: Context) -> HostURL:
    """(scheme, host name, port) of `host`."""
    assert ctx.answers.host is not None, 'every verify check that asks needs=["host"]'
    return split_host(ctx.answers.host)


def budget(ctx: Context) -> float:
    """Seconds a request may take: inside the runner's timeout, so the check's own message wins."""
    return max(0.5, ctx.timeout * 0.8)


# --- TCP ------------------------------------------------------------------------------------------
def connect(host: str, port: int, timeout: float) -> tuple[str | None, str, Text]:
    """Try a TCP connection: (None, address, "") when accepted, else (cause, address, detail) with
    cause one of "dns", "refused", "timeout", "unreachable"."""
    deadline = time.monotonic() + timeout
    try:
        addrs = _served.resolve(host, port, timeout)
    except TimeoutError:
        return "dns", host, msg("name resolution took longer than %(timeout)s s", timeout=format(timeout, "g"))
    except OSError as exc:
        return "dns", host, str(exc.strerror or exc)
    causes = []
    for family, sockaddr in addrs:
        left = deadline - time.monotonic()
        if left <= 0:
            causes.append(("timeout", sockaddr[0], "timed out"))
            break
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(left)
        try:
            sock.connect(sockaddr)
            return None, sockaddr[0], ""
        except ConnectionRefusedError:
            causes.append(("refused", sockaddr[0], N_("connection refused")))
        except TimeoutError:
            causes.append(("timeout", sockaddr[0], "timed out"))
        except OSError as exc:
            causes.append(("unreachable", sockaddr[0], str(exc.strerror or exc)))
        finally:
            sock.close()
    if not causes:
        return "dns", host, N_("no address")
    order = {"refused": 0, "unreachable": 1, "timeout": 2}
    return min(causes, key=lambda c: order[c[0]])


# --- HTTP -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Answer:
    status: int
    server: str  # the Server header, or "" (who answered: a proxy's error page is not W&B)
    location: str  # the Location header of a redirect, or ""
    body: bytes  # at most READ_LIMIT bytes
    truncated: bool


class NoAnswer(Exception):
    """The request got no HTTP response; `cause` is "timeout", "refused", "tls", "closed" or "other"."""

    def __init__(self, cause: str, detail: Text):
        super().__init__(detail)
        self.cause, self.detail = cause, detail


def _ssl_context(ctx: Context) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca = ctx.answers.tls.ca_pem
    if ca:
        try:
            context.load_verify_locations(cadata=ca)
        except (ssl.SSLError, ValueError):
            pass  # an unreadable tls.ca_pem: the tls step says so; the system store still applies
    return context


_httpx_imported = False


async def _import_httpx() -> None:
    """Import httpx (~0.1–0.4 s with the click, rich and pygments it loads when they are installed) in a
    thread the first time, not with the step's modules nor on the event loop: either would hold back
    every other check of the run (their start, timers and sockets). Checks that ask while the import runs
    wait for it in threads of their own (the import lock), never on the loop."""
    global _httpx_imported
    if not _httpx_imported:
        await asyncio.to_thread(importlib.import_module, "httpx")
        _httpx_imported = True


async def request(
    ctx: Context,
    method: str,
    path: str,
    *,
    content: bytes | None = None,
    headers: dict | None = None,
    auth: tuple[str, str] | None = None,
) -> Answer:
    """One request to `host` + `path`, finished (or abandoned) within budget(ctx)."""
    await _import_httpx()
    import httpx

    limit = budget(ctx)
    timeout = httpx.Timeout(limit)
    assert ctx.answers.host is not None, 'every verify check that asks needs=["host"]'
    url = ctx.answers.host + path

    async def exchange() -> Answer:
        async with httpx.AsyncClient(
            verify=_ssl_context(ctx), follow_redirects=False, trust_env=False, timeout=timeout
        ) as client:
            async with client.stream(method, url, content=content, headers=headers, auth=auth) as response:
                body = bytearray()
                truncated = False
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > READ_LIMIT:
                        truncated = True
                        break
                return Answer(
                    response.status_code,
                    without(response.headers.get("server", ""), auth),
                    without(response.headers.get("location", ""), auth),
                    bytes(body[:READ_LIMIT]),
                    truncated,
                )

    try:
        return await asyncio.wait_for(exchange(), limit)
    except (TimeoutError, httpx.TimeoutException):
        raise NoAnswer("timeout", msg("no answer within %(limit)s s", limit=format(limit, "g"))) from None
    except httpx.ConnectError as exc:
        text = str(exc)
        if "CERTIFICATE_VERIFY_FAILED" in text or "SSL" in text:
            raise NoAnswer("tls", text[:200]) from None
        if "refused" in text.lower():
            raise NoAnswer("refused", N_("connection refused")) from None
        raise NoAnswer("other", text[:200] or type(exc).__name__) from None
    except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
        raise NoAnswer("closed", str(exc)[:200] or type(exc).__name__) from None
    except httpx.HTTPError as exc:
        raise NoAnswer("other", f"{type(exc).__name__}: {str(exc)[:200]}") from None


def without(text: str, auth: tuple[str, str] | None) -> str:
    """`text` (the remote's words, which reach messages) with the credentials removed in every form a
    server could echo them back: plain, the Basic header's base64, percent-encoded."""
    if not auth or not text:
        return text
    user, key = auth
    raw = (key, base64.b64encode(f"{user}:{key}".encode()).decode())
    forms = {f for r in raw for f in (r, quote(r, safe=""), quote_plus(r), quote(r))}
    for form in sorted((f for f in forms if f), key=len, reverse=True):
        text = text.replace(form, "********")
    return text


def who(answer: Answer) -> str:
    """What answered, from the Server header (bounded: it is the remote's text)."""
    return answer.server[:80] or N_("no Server header")


def no_answer(ctx: Context, what: str, exc: NoAnswer) -> Outcome:
    """The fail outcome of a request that got no HTTP response, naming the cause."""
    _, name, port = host_parts(ctx)
    if exc.cause == "timeout":
        return fail(
            msg(
                "%(what)s: %(host)s:%(port)s accepted the connection but sent no HTTP answer within %(seconds)s s",
                what=what,
                host=name,
                port=port,
                seconds=f"{budget(ctx):g}",
            ),
            msg(
                "Something at %(host)s:%(port)s accepts TCP but does not answer HTTP: check the proxy or "
                "load balancer there (its upstream and its logs), or raise --timeout",
                host=name,
                port=port,
            ),
            observed="timeout",
        )
    if exc.cause == "tls":
        return fail(
            msg("%(what)s: the TLS handshake failed (%(error)s)", what=what, error=exc.detail),
            N_("See verify.tls"),
            observed="tls",
        )
    return fail(
        msg("%(what)s: no HTTP answer (%(error)s)", what=what, error=exc.detail),
        msg("Check the proxy or load balancer at %(host)s:%(port)s and its logs", host=name, port=port),
        observed=exc.cause,
    )


def redirected(ctx: Context, what: str, answer: Answer) -> Outcome | None:
    """A fail naming a redirect (not followed), or None when the answer is not one."""
    if not 300 <= answer.status < 400:
        return None
    target = answer.location[:200] or N_("(no Location)")
    return fail(
        msg(
            "%(what)s answered %(status)s, a redirect to %(location)s (not followed; server: %(server)s)",
            what=what,
            status=answer.status,
            location=target,
            server=who(answer),
        ),
        msg(
            "Set host to the URL that serves W&B without a redirect (the one users type, e.g. %(example)s), "
            "and make the proxy pass requests to W&B",
            example=_https_example(ctx),
        ),
        observed=answer.status,
    )


def _https_example(ctx: Context) -> str:
    scheme, name, _ = host_parts(ctx)
    assert ctx.answers.host is not None  # host_parts asserted it
    return f"https://{name}" if scheme == "http" else ctx.answers.host
