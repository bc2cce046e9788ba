"""Helpers of the live cluster checks: the lightkube client, causes of connection failures and
version rules (quantities: app.facts.quantity). Private (not a step module)."""

from __future__ import annotations

import asyncio
import re
import socket
import ssl
import sys
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

from app.checks import kubeconfig as kc
from app.checks.engine import Context, Outcome, fail, skip, warn
from app.i18n.message import N_, Text, message_of, msg
from app.secret import reveal

TARGETS = ("kubernetes", "helm-operator")
NO_KUBECONFIG = N_(
    "no kubeconfig: provide deploy.kubeconfig (the kubeconfig text, or {env: VARIABLE}; "
    "kubectl config view --raw --minify) to check the cluster live"
)


# --- versions -----------------------------------------------------------------------------------
def parse_version(text: str) -> tuple[int, int] | None:
    """(major, minor) of "v1.34.1", "v1.27.3-gke.100", "1.29" (None if it cannot be read)."""
    m = re.match(r"^v?(\d+)\.(\d+)", str(text or "").strip())
    return (int(m.group(1)), int(m.group(2))) if m else None


def judge_version(version: tuple[int, int], rules: list[dict]) -> dict:
    """The first rule (ordered, newest first) whose `min` the version reaches."""
    for rule in rules:
        minimum = parse_version(str(rule["min"]))
        assert minimum is not None, "requirements: a rule's min is a version"
        if version >= minimum:
            return rule
    return rules[-1]


# --- preconditions and the client ----------------------------------------------------------------
def precondition(ctx: Context) -> Outcome | None:
    """skip for targets without a cluster or without a kubeconfig; None when the check can run."""
    target = ctx.answers.deploy.target
    if target not in TARGETS:
        return skip(msg("target %(target)s: no Kubernetes cluster to check", target=target))
    if not reveal(ctx.answers.deploy.kubeconfig):
        return skip(NO_KUBECONFIG)
    return None


def budget(ctx: Context) -> float:
    """Seconds a cluster check may spend: inside the runner's timeout, so our own message wins."""
    return max(0.5, ctx.timeout * 0.8)


def kubeconfig_text(ctx: Context) -> str:
    """deploy.kubeconfig's text (precondition() skipped the check when there is none)."""
    text = reveal(ctx.answers.deploy.kubeconfig)
    assert text is not None, "precondition() skips checks without a kubeconfig"
    return text


def config(ctx: Context):
    """The lightkube SingleConfig of the chosen context (raises KubeconfigError)."""
    return kc.single_config(kubeconfig_text(ctx), ctx.answers.deploy.context)


def _load_clients() -> None:
    import httpx2  # noqa: F401
    from lightkube import AsyncClient  # noqa: F401
    from lightkube.config import client_adapter  # noqa: F401


async def _import_clients() -> None:
    """Import lightkube and httpx2 (~0.3 s, seconds on a loaded machine) in a thread the first time: on
    the event loop the import would hold back every other check of the run (their timers, sockets)."""
    if "lightkube.config.client_adapter" not in sys.modules:
        await asyncio.to_thread(_load_clients)


@asynccontextmanager
async def client(ctx: Context):
    """A lightkube AsyncClient whose every request is bounded by budget(ctx).

    trust_env=False: proxy variables of the wizard host must not silently reroute cluster traffic.
    """
    await _import_clients()
    import httpx2
    from lightkube import AsyncClient

    c = AsyncClient(config=config(ctx), timeout=httpx2.Timeout(budget(ctx)), trust_env=False)
    try:
        yield c
    finally:
        await c.close()


@asynccontextmanager
async def raw_client(ctx: Context):
    """A plain httpx2 AsyncClient with the kubeconfig's server, CA and credentials (for /version)."""
    await _import_clients()
    import httpx2
    from lightkube.config import client_adapter

    params = client_adapter.ConnectionParams(timeout=httpx2.Timeout(budget(ctx)), trust_env=False)
    c = client_adapter.AsyncClient(config(ctx), params)
    try:
        yield c
    finally:
        await c.aclose()


# --- why a request failed ------------------------------------------------------------------------
def _chain(exc: BaseException | None):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def status_code(exc: BaseException) -> int | None:
    """The HTTP status of a lightkube ApiError / httpx status error (None otherwise)."""
    response = getattr(exc, "response", None)
    return getattr(response, "status_code", None) if response is not None else None


def cause(exc: BaseException) -> str:
    """One of: dns, refused, timeout, tls, unauthorised, forbidden, http, other."""
    import httpx2

    code = status_code(exc)
    if code == 401:
        return "unauthorised"
    if code == 403:
        return "forbidden"
    if code is not None:
        return "http"
    for e in _chain(exc):
        if isinstance(e, (asyncio.TimeoutError, TimeoutError, httpx2.TimeoutException, socket.timeout)):
            return "timeout"
        if isinstance(e, socket.gaierror):
            return "dns"
        if isinstance(e, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(e):
            return "tls"
        if isinstance(e, ConnectionRefusedError) or "Connection refused" in str(e):
            return "refused"
        if isinstance(e, ssl.SSLError):
            return "tls"
    text = " ".join(str(e) for e in _chain(exc))
    if "Name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text:
        return "dns"
    return "other"


def unreadable(what: str, command: str) -> Outcome:
    """The warning for an object the kubeconfig may not read (403): `what` names it ("IngressClass
    nginx"), `command` is how the operator looks at it with their own credentials."""
    return warn(
        msg("cannot read %(what)s (forbidden)", what=what),
        msg("Check it yourself: %(command)s", command=command),
        observed="forbidden",
    )


def failure(exc: BaseException, ctx: Context) -> Outcome:
    """A fail outcome naming the cause of a failed API request, with the fix."""
    if isinstance(exc, kc.KubeconfigError):
        return fail(
            message_of(exc),
            N_(
                "Provide a kubeconfig with a token or client certificate: "
                "kubectl config view --raw --minify --context CONTEXT"
            ),
        )
    try:
        url = urlsplit(kc.server(kubeconfig_text(ctx), ctx.answers.deploy.context))
        host, port = url.hostname or "?", url.port or (443 if url.scheme == "https" else 80)
    except kc.KubeconfigError:
        host, port = "?", 443
    kind = cause(exc)
    ctx_hint = f" --context {ctx.answers.deploy.context}" if ctx.answers.deploy.context else ""
    table: dict[str, tuple[Text, Text]] = {
        "dns": (
            msg("DNS: the API server name %(host)s does not resolve from this machine", host=host),
            msg(
                "Fix the server URL in the kubeconfig or add %(host)s to DNS (/etc/hosts) on the wizard host", host=host
            ),
        ),
        "refused": (
            msg("connection refused by the API server at %(host)s:%(port)s", host=host, port=port),
            msg(
                "Check that kube-apiserver runs and a firewall allows TCP %(port)s inbound to %(host)s "
                "from this machine",
                port=port,
                host=host,
            ),
        ),
        "timeout": (
            msg(
                "timed out after %(budget)s s waiting for the API server at %(host)s:%(port)s",
                budget=format(budget(ctx), "g"),
                host=host,
                port=port,
            ),
            msg(
                "Allow TCP %(port)s inbound to %(host)s from this machine (firewall), or raise --timeout",
                port=port,
                host=host,
            ),
        ),
        "tls": (
            msg("TLS: the API server certificate of %(host)s is not trusted by the kubeconfig's CA", host=host),
            msg(
                "Use the cluster's own CA: kubectl config view --raw --minify%(ctx_hint)s (certificate-authority-data)",
                ctx_hint=ctx_hint,
            ),
        ),
        "unauthorised": (
            N_("unauthorised (401): the API server rejected the kubeconfig's credentials"),
            N_("Use a valid token (kubectl create token SERVICEACCOUNT -n NAMESPACE) or client certificate"),
        ),
        "forbidden": (
            N_("forbidden (403): the credentials were not allowed this read"),
            N_("Grant read access: kubectl create clusterrolebinding wbsetup-view --clusterrole=view --user=USER"),
        ),
    }
    message, hint = table.get(
        kind,
        (
            msg("the API server request failed: %(type)s: %(short)s", type=type(exc).__name__, short=_short(exc)),
            msg("Check the API server at %(host)s:%(port)s", host=host, port=port),
        ),
    )
    return fail(message, hint, observed=kind)


def _short(exc: BaseException) -> str:
    status = getattr(exc, "status", None)
    text = getattr(status, "message", None) or str(exc)
    return text.splitlines()[0][:200] if text else ""
