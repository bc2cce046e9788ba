"""Verdicts of the `verify.*` checks: pure functions from what the collectors found (a TCP connect,
the served certificate, an HTTP answer: app/checks/_verify_http.py, _served.py) to outcomes."""

from __future__ import annotations

from app.checks import _served, _trust, _verify_http as h, _x509
from app.checks.engine import Context, Outcome, fail, passed, warn
from app.i18n.message import N_, Text, msg
from app.secret import reveal


def auth(ctx: Context) -> tuple[str, str]:
    """Basic auth with the API key (the login and version checks need verify.api_key)."""
    key = reveal(ctx.answers.verify.api_key)
    assert key is not None, 'needs=["verify.api_key"]'
    return ("api", key)


def data(doc: dict | None, name: str):
    data = (doc or {}).get("data")
    return data.get(name) if isinstance(data, dict) else None


def judge_reach(ctx: Context, name: str, port: int, cause: str | None, address: str, detail: Text) -> Outcome:
    """verify.reach from what connecting found (`cause` None: connected)."""
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


def judge_no_handshake(name: str, port: int, exc: Exception) -> Outcome:
    """verify.tls when no certificate could be fetched: nothing completed the handshake, or not TLS."""
    if isinstance(exc, (_served.Unreachable, TimeoutError)):
        return fail(
            msg(
                "the TLS handshake with %(host)s:%(port)s did not complete (%(error)s)",
                host=name,
                port=port,
                error=str(exc) or msg("timed out"),
            ),
            msg(
                "Check that %(host)s:%(port)s terminates TLS (the proxy or ingress in front of W&B)",
                host=name,
                port=port,
            ),
            observed=N_("no handshake"),
        )
    # ssl.SSLError (an OSError): it answers, but not TLS
    return fail(
        msg(
            "%(host)s:%(port)s answers but the TLS handshake fails (%(error)s)",
            host=name,
            port=port,
            error=str(exc)[:200],
        ),
        msg("Make %(host)s:%(port)s terminate TLS with the W&B certificate", host=name, port=port),
        observed=N_("handshake failed"),
    )


def judge_served(ctx: Context, name: str, got: _served.Served) -> Outcome:
    """verify.tls from the certificate served at `name` (the one verdict: _trust.served_verdict)."""
    cert, until = got.cert, got.cert.not_valid_after_utc
    seen = f"{_x509.label(cert)} (SHA-256 {_x509.fingerprint(cert)})"
    known = _trust.known_certificates(ctx.answers.tls.cert_pem, ctx.answers.tls.ca_pem)
    verdict = _trust.served_verdict(cert, name, trust=got.trust, code=got.code, known=known)
    if verdict.problems:  # the worst first: its dates, then trust, then the name
        cause = verdict.problems[0]
        return fail(
            msg("the certificate served at %(host)s, %(cert)s, %(cause)s", host=name, cert=seen, cause=cause.words),
            msg(
                "%(fix)s; it is served by the proxy or ingress in front of W&B at %(host)s",
                fix=cause.hint,
                host=name,
            ),
            observed=cause.reason,
        )
    via = "tls.ca_pem" if got.trust == "extra" else msg("the system store")
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


def _ok_or_moved(ctx: Context, what: str, answer: h.Answer) -> Outcome | None:
    """The outcome of a 200 (passed) or of a redirect; None for another answer, which the caller judges."""
    if answer.status == 200:
        return passed(msg("%(what)s → 200 (server: %(server)s)", what=what, server=h.who(answer)), observed=200)
    return h.redirected(ctx, what, answer)


def judge_health(ctx: Context, what: str, answer: h.Answer) -> Outcome:
    if done := _ok_or_moved(ctx, what, answer):
        return done
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


def judge_ready(ctx: Context, what: str, answer: h.Answer) -> Outcome:
    if done := _ok_or_moved(ctx, what, answer):
        return done
    if answer.status in (502, 503, 504):
        return warn(
            msg(
                "GET /ready answered %(status)s: W&B is still starting (database migrations can take minutes); re-run",
                status=answer.status,
            ),
            N_(
                "Wait a few minutes and re-run; if it stays, read W&B's log (docker compose logs wandb; "
                "kubectl logs deploy/wandb)"
            ),
            observed=answer.status,
            expected=200,
        )
    return fail(
        msg("GET /ready answered %(status)s, not 200 (server: %(server)s)", status=answer.status, server=h.who(answer)),
        msg("Check what answers at %(host)s/ready (curl -sv) and W&B's log", host=ctx.answers.host),
        observed=answer.status,
        expected=200,
    )


def judge_login(ctx: Context, what: str, answer: h.Answer, doc: dict | None) -> Outcome:
    moved = h.redirected(ctx, what, answer)
    if moved:
        return moved
    hint = msg(
        "Create an API key in W&B (%(host)s/authorize, or User settings → API keys) and save it as verify.api_key",
        host=ctx.answers.host,
    )
    if answer.status in (401, 403):
        return fail(msg("API key refused (HTTP %(status)s)", status=answer.status), hint, observed=answer.status)
    viewer = data(doc, "viewer")
    if answer.status == 200 and isinstance(viewer, dict) and viewer.get("username"):
        user = h.without(str(viewer["username"])[:100], auth(ctx))
        return passed(msg("logged in as %(user)s", user=user), observed="viewer")
    if answer.status == 200 and doc is not None:
        return fail(N_("API key refused (the viewer is null)"), hint, observed=N_("null viewer"))
    return _answered_without(
        N_("GraphQL answered %(status)s without a viewer (server: %(server)s)"),
        answer,
        msg("Check that %(host)s/graphql reaches W&B (not an error page of the proxy)", host=ctx.answers.host),
    )


def _answered_without(template: str, answer: h.Answer, hint) -> Outcome:
    """A failure for an answer that lacks what was asked: `template` (declared with N_) names the
    answer's status and the server that sent it."""
    return fail(msg(template, status=answer.status, server=h.who(answer)), hint, observed=answer.status)


def running_version(doc: dict | None):
    """The version W&B reports in its answer to SERVER_INFO (None when it reports none)."""
    return ((data(doc, "serverInfo") or {}).get("latestLocalVersionInfo") or {}).get("versionOnThisInstanceString")


def judge_version(ctx: Context, what: str, answer: h.Answer, doc: dict | None) -> Outcome:
    moved = h.redirected(ctx, what, answer)
    if moved:
        return moved
    running = running_version(doc)
    if answer.status != 200 or not running:
        return _answered_without(
            N_("GraphQL serverInfo answered %(status)s without a version (server: %(server)s)"),
            answer,
            msg("Check that %(host)s/graphql reaches W&B", host=ctx.answers.host),
        )
    running = h.without(str(running)[:64], auth(ctx))
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


def judge_proxy_body_unanswered(ctx: Context, what: str, fix: str, exc: h.NoAnswer) -> Outcome:
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
                "%(what)s: the connection was closed before any answer (%(error)s); a proxy may limit request bodies",
                what=what,
                error=exc.detail,
            ),
            fix,
            observed="closed",
        )
    return h.no_answer(ctx, what, exc)


def judge_proxy_body(ctx: Context, what: str, fix: str, answer: h.Answer) -> Outcome:
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
