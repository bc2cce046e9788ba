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

from app.checks import _rollout, _served, _verify_http as h, _verify_rules as r
from app.checks.engine import Context, Outcome, check, warn
from app.i18n.message import N_, msg

REACH, TLS, LOGIN = "verify.reach", "verify.tls", "verify.login"
HTTP_DEPENDS = (REACH, TLS)
BODY_MIB = 10  # what `wandb verify` sends through the proxy
VIEWER = "query Viewer { viewer { username } }"
SERVER_INFO = "query ServerInfo { serverInfo { latestLocalVersionInfo { versionOnThisInstanceString } } }"
BODY_FIX = {
    "docker-compose": N_(
        "In docker-compose/nginx.conf (or your proxy) set `client_max_body_size 0;` in the W&B "
        "server block, then reload it: `docker compose exec nginx nginx -s reload`"
    ),
    "kubernetes": N_(
        'Annotate the W&B Ingress: `nginx.ingress.kubernetes.io/proxy-body-size: "0"` (kubernetes/wandb.yaml '
        "sets it; re-apply it), and set `client_max_body_size 0;` on any proxy in front of the ingress"
    ),
}
BODY_FIX["helm-operator"] = N_(
    'Set the ingress annotation `nginx.ingress.kubernetes.io/proxy-body-size: "0"` '
    "(helm/values.yaml sets it under ingress.annotations; re-apply the WeightsAndBiases "
    "resource), and `client_max_body_size 0;` on any proxy in front of the ingress"
)


# --- reach and TLS --------------------------------------------------------------------------------
@check(REACH, N_("W&B host reachable"), needs=["host"])
def reach(ctx: Context) -> Outcome:
    _, name, port = h.host_parts(ctx)
    cause, address, detail = h.connect(name, port, h.budget(ctx))
    return r.judge_reach(ctx, name, port, cause, address, detail)


@check(TLS, N_("W&B certificate trusted"), depends=[REACH], needs=["host"], reads=["tls"])
def tls(ctx: Context) -> Outcome:
    scheme, name, port = h.host_parts(ctx)
    if scheme != "https":
        return warn(
            msg("host is %(host)s: logins and API keys cross the network unencrypted", host=ctx.answers.host),
            N_("Serve W&B over https (a TLS-terminating proxy or ingress) and set host to its https:// URL"),
            observed="http",
            expected="https",
        )
    try:
        got = _served.served_certificate(name, port, timeout=h.budget(ctx), cadata=ctx.answers.tls.ca_pem)
    except (OSError, ValueError) as exc:  # nothing answers (Unreachable, TimeoutError), or not TLS
        return r.judge_no_handshake(name, port, exc)
    return r.judge_served(ctx, name, got)


# --- health, readiness, the proxy's body limit ------------------------------------------------------
@check("verify.health", N_("W&B answers /healthz"), depends=HTTP_DEPENDS, needs=["host"], reads=["tls", "deploy"])
async def health(ctx: Context) -> Outcome:
    return await _get(ctx, "/healthz", r.judge_health)


@check("verify.ready", N_("W&B ready (/ready)"), depends=HTTP_DEPENDS, needs=["host"], reads=["tls"])
async def ready(ctx: Context) -> Outcome:
    return await _get(ctx, "/ready", r.judge_ready)


async def _get(ctx: Context, path: str, judge) -> Outcome:
    """`judge(ctx, what, answer)` of W&B's answer to GET `path`, or the outcome of no answer."""
    what = f"GET {path}"
    try:
        answer = await h.request(ctx, "GET", path)
    except h.NoAnswer as exc:
        return h.no_answer(ctx, what, exc)
    return judge(ctx, what, answer)


def _probe_body() -> bytes:
    """A GraphQL request of BODY_MIB MiB (a query with a large variable), as `wandb verify` sends."""
    head, tail = b'{"query": "query Probe { serverInfo { __typename } }", "variables": {"pad": "', b'"}}'
    return head + b"x" * (BODY_MIB * 1024 * 1024 - len(head) - len(tail)) + tail


@check(
    "verify.proxy_body",
    N_("Proxy accepts large requests"),
    depends=HTTP_DEPENDS,
    needs=["host"],
    reads=["tls", "deploy"],
)
async def proxy_body(ctx: Context) -> Outcome:
    what = f"a {BODY_MIB} MiB POST /graphql"
    fix = BODY_FIX.get(ctx.answers.deploy.target, BODY_FIX["docker-compose"])
    try:
        answer = await h.request(
            ctx, "POST", "/graphql", content=_probe_body(), headers={"Content-Type": "application/json"}
        )
    except h.NoAnswer as exc:
        return r.judge_proxy_body_unanswered(ctx, what, fix, exc)
    return r.judge_proxy_body(ctx, what, fix, answer)


# --- login and version (with the API key) ------------------------------------------------------------
async def _graphql(ctx: Context, query: str) -> tuple[h.Answer, dict | None]:
    answer = await h.request(
        ctx,
        "POST",
        "/graphql",
        content=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        auth=r.auth(ctx),
    )
    try:
        doc = json.loads(answer.body) if not answer.truncated else None
    except ValueError:
        doc = None
    return answer, doc if isinstance(doc, dict) else None


async def _asked(ctx: Context, what: str, query: str, judge) -> Outcome:
    """`judge(ctx, what, answer, doc)` of W&B's answer to the GraphQL `query`, or the outcome of no answer."""
    try:
        answer, doc = await _graphql(ctx, query)
    except h.NoAnswer as exc:
        return h.no_answer(ctx, what, exc)
    return judge(ctx, what, answer, doc)


@check(LOGIN, N_("Log in with the API key"), depends=HTTP_DEPENDS, needs=["host", "verify.api_key"], reads=["tls"])
async def login(ctx: Context) -> Outcome:
    return await _asked(ctx, N_("GraphQL viewer"), VIEWER, r.judge_login)


@check(
    "verify.version",
    N_("W&B version"),
    depends=(*HTTP_DEPENDS, LOGIN),
    needs=["host", "verify.api_key"],
    reads=["tls", "deploy"],
)
async def version(ctx: Context) -> Outcome:
    return await _asked(ctx, N_("GraphQL serverInfo"), SERVER_INFO, r.judge_version)


# --- Kubernetes: the pods ------------------------------------------------------------------------------
@check("verify.rollout", N_("W&B pods running"), reads=["deploy", "deploy.kubeconfig"])
async def rollout(ctx: Context) -> Outcome:
    return await _rollout.rollout(ctx)
