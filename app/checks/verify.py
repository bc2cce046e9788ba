"""Verify after installing (SPEC §4.6): the `verify.*` checks against the running W&B.

Run from the wizard's host through the URL users type (`host`), as `wandb verify` does (REFERENCE.md
"After installing"). Every check but `verify.rollout` depends on `verify.reach`; the HTTP checks also
wait for `verify.tls` (a certificate this host does not trust would make each of them fail again for
the same reason — they skip naming it instead) and `verify.version` for `verify.login` (a refused key
cannot read the version). Nothing is written to W&B: the GraphQL requests are queries.

The API key goes only into the `Authorization` header (basic auth `api:<key>`); no message, hint or
observed value carries it (and the runner scrubs every secret of the answers besides).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from app.checks import _rollout, _served, _verify_http as h, _x509
from app.checks.engine import Context, Outcome, check, fail, passed, warn
from app.i18n.message import msg
from app.secret import reveal

REACH, TLS, LOGIN = "verify.reach", "verify.tls", "verify.login"
HTTP_DEPENDS = (REACH, TLS)
BODY_MIB = 10  # what `wandb verify` sends through the proxy
VIEWER = "query Viewer { viewer { username } }"
SERVER_INFO = "query ServerInfo { serverInfo { latestLocalVersionInfo { versionOnThisInstanceString } } }"
BODY_FIX = {
    "docker-compose": "In docker-compose/nginx.conf (or your proxy) set `client_max_body_size 0;` in the W&B "
    "server block, then reload it: `docker compose exec nginx nginx -s reload`",
    "kubernetes": 'Annotate the W&B Ingress: `nginx.ingress.kubernetes.io/proxy-body-size: "0"` (kubernetes/wandb.yaml '
    "sets it; re-apply it), and set `client_max_body_size 0;` on any proxy in front of the ingress",
}
BODY_FIX["helm-operator"] = (
    'Set the ingress annotation `nginx.ingress.kubernetes.io/proxy-body-size: "0"` '
    "(helm/values.yaml sets it under ingress.annotations; re-apply the WeightsAndBiases "
    "resource), and `client_max_body_size 0;` on any proxy in front of the ingress"
)


# --- reach and TLS --------------------------------------------------------------------------------
@check(REACH, "W&B host reachable", needs=["host"])
def reach(ctx: Context) -> Outcome:
    _, name, port = h.host_parts(ctx)
    cause, address, detail = h.connect(name, port, h.budget(ctx))
    if cause is None:
        return passed(
            msg("%(host)s:%(port)s accepts TCP (%(address)s)", host=name, port=port, address=address), observed=address
        )
    messages = {
        "dns": (
            msg("DNS: %(host)s does not resolve from this machine (%(error)s)", host=name, error=detail),
            msg(
                "Add %(host)s to DNS (or to /etc/hosts on this machine) pointing at the W&B proxy or load balancer",
                host=name,
            ),
        ),
        "refused": (
            msg(
                "connection refused at %(host)s:%(port)s (%(address)s): nothing listens there",
                host=name,
                port=port,
                address=address,
            ),
            msg(
                "Start the proxy or ingress in front of W&B on port %(port)s (docker compose ps; kubectl get "
                "svc,ingress -A), or correct the port in host",
                port=port,
            ),
        ),
        "timeout": (
            msg(
                "timed out connecting to %(host)s:%(port)s (%(address)s) after %(seconds)s s",
                host=name,
                port=port,
                address=address,
                seconds=f"{h.budget(ctx):g}",
            ),
            msg(
                "Allow TCP %(port)s to %(host)s from this machine (firewall, security group), or raise --timeout",
                host=name,
                port=port,
            ),
        ),
        "unreachable": (
            msg(
                "%(host)s:%(port)s is unreachable (%(address)s: %(error)s)",
                host=name,
                port=port,
                address=address,
                error=detail,
            ),
            msg("Check the route from this machine to %(host)s", host=name),
        ),
    }
    message, hint = messages[cause]
    return fail(message, hint, observed=cause)


@check(TLS, "W&B certificate trusted", depends=[REACH], needs=["host"], reads=["tls"])
def tls(ctx: Context) -> Outcome:
    scheme, name, port = h.host_parts(ctx)
    if scheme != "https":
        return warn(
            msg("host is %(host)s: logins and API keys cross the network unencrypted", host=ctx.answers.host),
            "Serve W&B over https (a TLS-terminating proxy or ingress) and set host to its https:// URL",
            observed="http",
            expected="https",
        )
    try:
        got = _served.served_certificate(name, port, timeout=h.budget(ctx), cadata=ctx.answers.tls.ca_pem)
    except (_served.Unreachable, TimeoutError) as exc:
        return fail(
            msg(
                "the TLS handshake with %(host)s:%(port)s did not complete (%(error)s)",
                host=name,
                port=port,
                error=str(exc) or "timed out",
            ),
            msg(
                "Check that %(host)s:%(port)s terminates TLS (the proxy or ingress in front of W&B)",
                host=name,
                port=port,
            ),
            observed="no handshake",
        )
    except (OSError, ValueError) as exc:  # ssl.SSLError: it answers, but not TLS
        return fail(
            msg(
                "%(host)s:%(port)s answers but the TLS handshake fails (%(error)s)",
                host=name,
                port=port,
                error=str(exc)[:200],
            ),
            msg("Make %(host)s:%(port)s terminate TLS with the W&B certificate", host=name, port=port),
            observed="handshake failed",
        )
    cert, now = got.cert, datetime.now(UTC)
    seen = f"{_x509.label(cert)} (SHA-256 {_x509.fingerprint(cert)})"
    install = msg("Install a certificate for %(host)s with its intermediates on the proxy or ingress", host=name)
    if got.trust not in ("system", "extra"):
        return fail(
            msg(
                "the certificate served at %(host)s, %(cert)s, is not trusted (%(error)s)",
                host=name,
                cert=seen,
                error=got.trust_error or got.trust,
            ),
            msg(
                "Serve a chain that verifies to a trusted CA (a private CA: put it in tls.ca_pem and on every "
                "client); %(install)s",
                install=install,
            ),
            observed="untrusted",
        )
    match = _x509.name_match(cert, name)
    if not match.ok or match.cn_only:
        return fail(
            msg(
                "the certificate served at %(host)s, %(cert)s, does not cover that name (%(names)s)",
                host=name,
                cert=seen,
                names=match.how,
            ),
            install,
            observed=match.how,
            expected=name,
        )
    until = cert.not_valid_after_utc
    if until <= now or cert.not_valid_before_utc > now:
        return fail(
            msg(
                "the certificate served at %(host)s, %(cert)s, is not valid now (valid %(start)s to %(end)s)",
                host=name,
                cert=seen,
                start=f"{cert.not_valid_before_utc:%Y-%m-%d}",
                end=f"{until:%Y-%m-%d}",
            ),
            install,
            observed=f"{until:%Y-%m-%d}",
        )
    via = "tls.ca_pem" if got.trust == "extra" else "the system store"
    return passed(
        msg(
            "%(cert)s, trusted through %(via)s, covers %(host)s, valid until %(end)s",
            cert=seen,
            via=via,
            host=name,
            end=f"{until:%Y-%m-%d}",
        ),
        observed=_x509.fingerprint(cert),
    )


# --- health, readiness, the proxy's body limit ------------------------------------------------------
@check("verify.health", "W&B answers /healthz", depends=HTTP_DEPENDS, needs=["host"], reads=["tls", "deploy"])
async def health(ctx: Context) -> Outcome:
    what = "GET /healthz"
    try:
        answer = await h.request(ctx, "GET", "/healthz")
    except h.NoAnswer as exc:
        return h.no_answer(ctx, what, exc)
    if answer.status == 200:
        return passed(msg("GET /healthz → 200 (server: %(server)s)", server=h.who(answer)), observed=200)
    moved = h.redirected(ctx, what, answer)
    if moved:
        return moved
    if answer.status in (502, 503, 504):
        hint = msg(
            "The proxy (%(server)s) cannot reach W&B: check that W&B runs (docker compose ps; kubectl get pods "
            "-n %(namespace)s) and that the proxy's upstream points at W&B's port 8080",
            server=h.who(answer),
            namespace=ctx.answers.deploy.namespace,
        )
    else:
        hint = msg(
            "Something other than W&B answers at %(host)s: point DNS, the proxy and the ingress at W&B "
            "(%(command)s shows who answers)",
            host=ctx.answers.host,
            command=f"curl -sv {ctx.answers.host}/healthz",
        )
    return fail(
        msg(
            "GET /healthz answered %(status)s, not 200 (server: %(server)s)", status=answer.status, server=h.who(answer)
        ),
        hint,
        observed=answer.status,
        expected=200,
    )


@check("verify.ready", "W&B ready (/ready)", depends=HTTP_DEPENDS, needs=["host"], reads=["tls"])
async def ready(ctx: Context) -> Outcome:
    what = "GET /ready"
    try:
        answer = await h.request(ctx, "GET", "/ready")
    except h.NoAnswer as exc:
        return h.no_answer(ctx, what, exc)
    if answer.status == 200:
        return passed(msg("GET /ready → 200 (server: %(server)s)", server=h.who(answer)), observed=200)
    moved = h.redirected(ctx, what, answer)
    if moved:
        return moved
    if answer.status in (502, 503, 504):
        return warn(
            msg(
                "GET /ready answered %(status)s: W&B is still starting (database migrations can take minutes); re-run",
                status=answer.status,
            ),
            "Wait a few minutes and re-run; if it stays, read W&B's log (docker compose logs wandb; "
            "kubectl logs deploy/wandb)",
            observed=answer.status,
            expected=200,
        )
    return fail(
        msg("GET /ready answered %(status)s, not 200 (server: %(server)s)", status=answer.status, server=h.who(answer)),
        msg("Check what answers at %(host)s/ready (curl -sv) and W&B's log", host=ctx.answers.host),
        observed=answer.status,
        expected=200,
    )


def _probe_body() -> bytes:
    """A GraphQL request of BODY_MIB MiB (a query with a large variable), as `wandb verify` sends."""
    head, tail = b'{"query": "query Probe { serverInfo { __typename } }", "variables": {"pad": "', b'"}}'
    return head + b"x" * (BODY_MIB * 1024 * 1024 - len(head) - len(tail)) + tail


@check(
    "verify.proxy_body", "Proxy accepts large requests", depends=HTTP_DEPENDS, needs=["host"], reads=["tls", "deploy"]
)
async def proxy_body(ctx: Context) -> Outcome:
    what = f"a {BODY_MIB} MiB POST /graphql"
    fix = BODY_FIX.get(ctx.answers.deploy.target, BODY_FIX["docker-compose"])
    try:
        answer = await h.request(
            ctx, "POST", "/graphql", content=_probe_body(), headers={"Content-Type": "application/json"}
        )
    except h.NoAnswer as exc:
        if exc.cause == "timeout":
            return fail(
                msg(
                    "%(what)s did not finish within %(seconds)s s: a slow link, or a proxy that stalls large bodies",
                    what=what,
                    seconds=f"{h.budget(ctx):g}",
                ),
                msg("Re-run with a longer timeout (--timeout 60); if it still stalls: %(fix)s", fix=fix),
                observed="timeout",
            )
        if exc.cause == "closed":
            return fail(
                msg(
                    "%(what)s: the connection was closed before any answer (%(error)s); a proxy may limit "
                    "request bodies",
                    what=what,
                    error=exc.detail,
                ),
                fix,
                observed="closed",
            )
        return h.no_answer(ctx, what, exc)
    if answer.status == 413:
        return fail(
            msg(
                "%(what)s was refused with 413 Request Entity Too Large by %(server)s: uploads and large "
                "runs will fail",
                what=what,
                server=h.who(answer),
            ),
            fix,
            observed=413,
            expected="not 413",
        )
    moved = h.redirected(ctx, what, answer)
    if moved:
        return moved
    return passed(
        msg(
            "%(what)s reached the server (answered %(status)s, server: %(server)s)",
            what=what,
            status=answer.status,
            server=h.who(answer),
        ),
        observed=answer.status,
        expected="not 413",
    )


# --- login and version (with the API key) ------------------------------------------------------------
def _auth(ctx: Context) -> tuple[str, str]:
    """Basic auth with the API key (the login and version checks need verify.api_key)."""
    key = reveal(ctx.answers.verify.api_key)
    assert key is not None, 'needs=["verify.api_key"]'
    return ("api", key)


async def _graphql(ctx: Context, query: str) -> tuple[h.Answer, dict | None]:
    answer = await h.request(
        ctx,
        "POST",
        "/graphql",
        content=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        auth=_auth(ctx),
    )
    try:
        doc = json.loads(answer.body) if not answer.truncated else None
    except ValueError:
        doc = None
    return answer, doc if isinstance(doc, dict) else None


def _data(doc: dict | None, name: str):
    data = (doc or {}).get("data")
    return data.get(name) if isinstance(data, dict) else None


@check(LOGIN, "Log in with the API key", depends=HTTP_DEPENDS, needs=["host", "verify.api_key"], reads=["tls"])
async def login(ctx: Context) -> Outcome:
    what = "GraphQL viewer"
    try:
        answer, doc = await _graphql(ctx, VIEWER)
    except h.NoAnswer as exc:
        return h.no_answer(ctx, what, exc)
    moved = h.redirected(ctx, what, answer)
    if moved:
        return moved
    hint = msg(
        "Create an API key in W&B (%(host)s/authorize, or User settings → API keys) and save it as verify.api_key",
        host=ctx.answers.host,
    )
    if answer.status in (401, 403):
        return fail(msg("API key refused (HTTP %(status)s)", status=answer.status), hint, observed=answer.status)
    viewer = _data(doc, "viewer")
    if answer.status == 200 and isinstance(viewer, dict) and viewer.get("username"):
        user = h.without(str(viewer["username"])[:100], _auth(ctx))
        return passed(msg("logged in as %(user)s", user=user), observed="viewer")
    if answer.status == 200 and doc is not None:
        return fail("API key refused (the viewer is null)", hint, observed="null viewer")
    return fail(
        msg(
            "GraphQL answered %(status)s without a viewer (server: %(server)s)",
            status=answer.status,
            server=h.who(answer),
        ),
        msg("Check that %(host)s/graphql reaches W&B (not an error page of the proxy)", host=ctx.answers.host),
        observed=answer.status,
    )


@check(
    "verify.version",
    "W&B version",
    depends=(*HTTP_DEPENDS, LOGIN),
    needs=["host", "verify.api_key"],
    reads=["tls", "deploy"],
)
async def version(ctx: Context) -> Outcome:
    what = "GraphQL serverInfo"
    try:
        answer, doc = await _graphql(ctx, SERVER_INFO)
    except h.NoAnswer as exc:
        return h.no_answer(ctx, what, exc)
    moved = h.redirected(ctx, what, answer)
    if moved:
        return moved
    info = _data(doc, "serverInfo")
    running = ((info or {}).get("latestLocalVersionInfo") or {}).get("versionOnThisInstanceString")
    if answer.status != 200 or not running:
        return fail(
            msg(
                "GraphQL serverInfo answered %(status)s without a version (server: %(server)s)",
                status=answer.status,
                server=h.who(answer),
            ),
            msg("Check that %(host)s/graphql reaches W&B", host=ctx.answers.host),
            observed=answer.status,
        )
    running = h.without(str(running)[:64], _auth(ctx))
    chosen = ctx.answers.deploy.version
    if not chosen or chosen == "latest":
        return passed(msg("W&B %(running)s runs (deploy.version is not pinned)", running=running), observed=running)
    if running.removeprefix("v") == chosen.removeprefix("v"):
        return passed(msg("W&B %(running)s runs, as chosen", running=running), observed=running, expected=chosen)
    return warn(
        msg("W&B %(running)s runs, but deploy.version is %(chosen)s", running=running, chosen=chosen),
        msg(
            "Deploy the chosen version (image %(image)s:%(chosen)s), or set deploy.version to %(running)s "
            "if this one is intended",
            image=ctx.answers.deploy.image,
            chosen=chosen,
            running=running,
        ),
        observed=running,
        expected=chosen,
    )


# --- Kubernetes: the pods ------------------------------------------------------------------------------
@check("verify.rollout", "W&B pods running", reads=["deploy"])
async def rollout(ctx: Context) -> Outcome:
    return await _rollout.rollout(ctx)
