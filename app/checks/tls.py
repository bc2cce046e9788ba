"""TLS and host checks (§4.4).

Every mode runs `tls.host`, `tls.dns` and `tls.served`; the certificate checks run only when the
certificate is provided (mode `provided`) and otherwise skip saying why. The provided material is
parsed once per run (ctx.facts) by `_provided`, so each check judges one thing and a broken
certificate makes the others skip with a pointer to `tls.certificate`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from app.checks import _pem, _served, _trust, _x509
from app.checks.engine import Context, Outcome, check, fail, passed, skip, warn
from app.facts.hosts import DEFAULT_PORT, HostURL, ip_literal, split_host
from app.i18n.message import N_, MsgList, msg, nmsg
from app.secret import reveal

NOT_PROVIDED = {
    "external": N_("tls.mode is external: the load balancer or ingress holds the certificate; tls.served checks it"),
    "cert-manager": N_("tls.mode is cert-manager: the certificate is issued in the cluster; tls.served checks it"),
    "none": N_("tls.mode is none: there is no certificate"),
}
SELF_SIGNED = N_("W&B does not support self-signed certificates")
TRUSTED_CA_HINT = _trust.TRUSTED_CA_HINT


def _host(ctx: Context) -> HostURL:
    """(scheme, host name, port) of `host` (validated by the answers model)."""
    assert ctx.answers.host is not None, "callers need (or check) host"
    return split_host(ctx.answers.host)


def _provided(ctx: Context):
    """The parsed chain (list, leaf first), or the skip Outcome saying why there is none."""
    tls = ctx.answers.tls
    if tls.mode != "provided":
        return skip(NOT_PROVIDED[tls.mode])
    if not tls.cert_pem:
        return skip(N_("input missing: tls.cert_pem"))
    if "tls.chain" not in ctx.facts:
        try:
            ctx.facts["tls.chain"] = _pem.load_certificates(tls.cert_pem)
        except _pem.PemProblem as exc:
            ctx.facts["tls.chain"] = exc
    chain = ctx.facts["tls.chain"]
    if isinstance(chain, _pem.PemProblem):
        return skip(N_("skipped: tls.cert_pem does not parse (see tls.certificate)"))
    if _ca_first(chain):
        return skip(N_("skipped: tls.cert_pem does not start with the leaf (see tls.certificate)"))
    return chain


def _ca_first(chain: list) -> bool:
    """The first certificate is a CA in front of a leaf (a misordered chain). A lone self-signed
    certificate from `openssl req -x509` is marked CA too: tls.chain rejects that in W&B's words."""
    first = chain[0]
    return _x509.is_ca(first) and (not _x509.is_self_signed(first) or any(not _x509.is_ca(c) for c in chain[1:]))


def _date(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


@check("tls.host", N_("W&B host URL"), needs=["host"])
def host(ctx: Context) -> Outcome:
    value, mode = ctx.answers.host, ctx.answers.tls.mode
    assert value is not None, 'needs=["host"]'
    parts = urlsplit(value)
    if parts.scheme not in DEFAULT_PORT or not parts.hostname or parts.path or parts.query or parts.fragment:
        return fail(
            msg("host %(host)s is not an http(s) URL without a path", host=value),
            N_("Set host to the URL users type, e.g. https://wandb.acme.internal"),
            observed=value,
        )
    https_host = f"https://{parts.netloc}"
    if mode == "none":
        why = (
            msg("W&B should be served over TLS")
            if parts.scheme == "http"
            else msg("host is %(host)s but tls.mode is none, so nothing terminates TLS", host=value)
        )
        return warn(
            msg("%(why)s (tls.mode is none)", why=why),
            msg(
                "Choose tls.mode provided, external or cert-manager and set host to %(https_host)s",
                https_host=https_host,
            ),
            observed=value,
            expected=N_("https with a TLS mode"),
        )
    if parts.scheme == "http":
        return warn(
            msg("W&B should be served over TLS: host is %(host)s", host=value),
            msg("Set host to %(https_host)s and terminate TLS at the load balancer or ingress", https_host=https_host),
            observed=value,
            expected="https://…",
        )
    return passed(value, observed=value)


@check("tls.dns", N_("Host name resolves"), needs=["host"])
def dns(ctx: Context) -> Outcome:
    _, name, port = _host(ctx)
    if ip_literal(name):
        return passed(msg("%(name)s is an IP address; nothing to resolve", name=name), observed=name)
    try:
        addrs = _served.resolve(name, port, ctx.timeout * 0.9)
    except OSError as exc:  # socket.gaierror, TimeoutError
        return warn(
            msg("%(name)s does not resolve from this machine (%(exc)s)", name=name, exc=exc),
            msg(
                "Add DNS A/AAAA records for %(name)s: browsers, SDK clients and the load balancer must resolve it",
                name=name,
            ),
            observed=str(exc),
            expected=N_("an address"),
        )
    shown = ", ".join(a[1][0] for a in addrs)
    return passed(f"{name} → {shown}", observed=shown)


@check("tls.certificate", N_("Certificate chain"))
def certificate(ctx: Context) -> Outcome:
    outcome, chain = _provided(ctx), ctx.facts.get("tls.chain")
    if isinstance(chain, _pem.PemProblem):
        return fail(msg("%(path)s: %(problem)s", path="tls.cert_pem", problem=chain), chain.hint)
    if isinstance(outcome, Outcome) and not (isinstance(chain, list) and _ca_first(chain)):
        return outcome
    assert isinstance(chain, list), "_provided parsed it (a PemProblem returned above)"
    leaf, rest = chain[0], chain[1:]
    observed = _x509.label(leaf)
    if _ca_first(chain):
        return fail(
            msg("the first certificate (%(observed)s) is a CA certificate, not the server's", observed=observed),
            N_("Put the server (leaf) certificate first, then its intermediates: cat server.crt intermediate.crt"),
            observed=observed,
            expected=N_("leaf first"),
        )
    problems = []
    for i, (child, parent) in enumerate(zip(chain, rest, strict=False), 2):
        if child.issuer != parent.subject:
            problems.append(
                msg(
                    "certificate %(i)s (%(label)s) did not issue certificate %(previous)s",
                    i=i,
                    label=_x509.label(parent),
                    previous=i - 1,
                )
            )
            break
    key = leaf.public_key()
    kind = _pem.describe_key(key)
    if kind in ("Ed25519", "Ed448"):
        problems.append(msg("the leaf has an %(kind)s key, which browsers do not accept for TLS", kind=kind))
    elif kind.startswith("RSA") and key.key_size < 2048:
        problems.append(msg("the leaf has an %(kind)s-bit key; browsers need at least 2048 bits", kind=kind))
    extra = nmsg(" + %(n)s intermediate", " + %(n)s intermediates", len(rest)) if rest else ""
    if problems:
        return warn(
            msg("%(observed)s%(extra)s: %(problems)s", observed=observed, extra=extra, problems=MsgList(problems)),
            N_("Order the chain leaf → intermediate(s) and use an RSA ≥ 2048 or ECDSA key"),
            observed=observed,
        )
    return passed(
        msg(
            "%(observed)s (%(kind)s) issued by %(rfc4514_string)s%(extra)s",
            observed=observed,
            kind=kind,
            rfc4514_string=leaf.issuer.rfc4514_string() or "-",
            extra=extra,
        ),
        observed=observed,
    )


@check("tls.key_match", N_("Private key matches the certificate"), reads=["tls.key_pem"])
def key_match(ctx: Context) -> Outcome:
    chain = _provided(ctx)
    if isinstance(chain, Outcome):
        return chain
    text = reveal(ctx.answers.tls.key_pem)
    if not text:
        return skip(N_("input missing: tls.key_pem"))
    try:
        key = _pem.load_private_key(text)
    except _pem.PemProblem as exc:
        return fail(msg("%(path)s: %(problem)s", path="tls.key_pem", problem=exc), exc.hint)
    leaf_key = chain[0].public_key()
    if _pem.spki(key) == _pem.spki(leaf_key):
        return passed(
            msg(
                "the %(key)s key matches %(label)s",
                key=_pem.describe_key(key),
                label=_x509.label(chain[0]),
            ),
            observed=_pem.describe_key(key),
        )
    return fail(
        msg(
            "the private key (%(key)s) does not match the leaf's public key (%(leaf_key)s)",
            key=_pem.describe_key(key),
            leaf_key=_pem.describe_key(leaf_key),
        ),
        N_(
            "Use the key the certificate was issued for: `openssl x509 -noout -pubkey -in cert.pem` and "
            "`openssl pkey -pubout -in key.pem` must print the same"
        ),
        observed=_pem.describe_key(key),
        expected=_pem.describe_key(leaf_key),
    )


@check("tls.hostname", N_("Certificate covers the host name"))
def hostname(ctx: Context) -> Outcome:
    chain = _provided(ctx)
    if isinstance(chain, Outcome):
        return chain
    if not ctx.answers.host:
        return skip(N_("input missing: host"))
    _, name, _ = _host(ctx)
    match = _x509.name_match(chain[0], name)
    san = f"IP:{name}" if ip_literal(name) else f"DNS:{name}"
    if match.cn_only:
        return warn(
            msg(
                "%(name)s matches only the subject %(how)s; the certificate has no subjectAltName, which browsers "
                "require",
                name=name,
                how=match.how,
            ),
            msg("Reissue the certificate with subjectAltName %(san)s", san=san),
            observed=match.how,
            expected=san,
        )
    if match.ok:
        return passed(
            msg("%(name)s is covered by %(how)s", name=name, how=match.how), observed=match.how, expected=name
        )
    return fail(
        msg("%(name)s is not covered by the certificate: %(how)s", name=name, how=match.how),
        msg("Issue a certificate whose subjectAltName includes %(san)s", san=san),
        observed=match.how,
        expected=san,
    )


@check("tls.expiry", N_("Certificate validity dates"), reads=["requirements"])  # expiry_warn_days
def expiry(ctx: Context) -> Outcome:
    chain = _provided(ctx)
    if isinstance(chain, Outcome):
        return chain
    leaf, now = chain[0], datetime.now(UTC)
    start, end = leaf.not_valid_before_utc, leaf.not_valid_after_utc
    span = f"{_date(start)} – {_date(end)}"
    warn_days = ctx.req.get("tls", {}).get("expiry_warn_days", 30)
    if now < start:
        return fail(
            msg("the certificate is not valid yet: valid from %(date)s", date=_date(start)),
            N_("Check this machine's clock, or use a certificate that is valid now"),
            observed=span,
            expected=msg("valid at %(date)s", date=_date(now)),
        )
    if now > end:
        return fail(
            msg("the certificate expired on %(date)s (%(days)s days ago)", date=_date(end), days=(now - end).days),
            N_("Renew the certificate"),
            observed=span,
            expected=msg("valid at %(date)s", date=_date(now)),
        )
    left = (end - now).days
    if left < warn_days:
        return warn(
            msg("the certificate expires on %(date)s, in %(left)s days", date=_date(end), left=left),
            N_("Renew it now (or automate renewal, e.g. cert-manager)"),
            observed=span,
            expected=msg(">= %(warn_days)s days left", warn_days=warn_days),
        )
    return passed(msg("valid %(span)s (%(left)s days left)", span=span, left=left), observed=span)


@check("tls.chain", N_("Certificate chain is trusted"))
def chain_(ctx: Context) -> Outcome:
    chain = _provided(ctx)
    if isinstance(chain, Outcome):
        return chain
    leaf = chain[0]
    if _x509.is_self_signed(leaf):
        return fail(
            msg("%(problem)s: %(label)s is self-signed", problem=msg(SELF_SIGNED), label=_x509.label(leaf)),
            TRUSTED_CA_HINT,
            observed="self-signed",
            expected=N_("issued by a trusted CA"),
        )
    extra = []
    if ctx.answers.tls.ca_pem:
        try:
            extra = _pem.load_certificates(ctx.answers.tls.ca_pem)
        except _pem.PemProblem as exc:
            return fail(msg("%(path)s: %(problem)s", path="tls.ca_pem", problem=exc), exc.hint)
    verdict = _trust.verify_chain(leaf, chain[1:], extra_roots=extra)
    if verdict.trust == "system":
        return passed(msg("trusted by the system store: %(detail)s", detail=verdict.detail), observed=verdict.detail)
    if verdict.trust == "extra":
        return warn(
            msg("trusted only through tls.ca_pem, not the system store: %(detail)s", detail=verdict.detail),
            N_(
                "Every browser, SDK client and W&B itself must trust that CA (W&B: customCACerts); "
                "or use a publicly trusted certificate"
            ),
            observed=verdict.detail,
            expected=N_("system trust store"),
        )
    return fail(
        msg("the chain does not verify: %(detail)s", detail=verdict.detail),
        verdict.hint or TRUSTED_CA_HINT,
        observed=verdict.reason or "untrusted",
        expected=N_("system trust store"),
    )


@check("tls.served", N_("Certificate served at the host"), needs=["host"])
def served(ctx: Context) -> Outcome:
    tls = ctx.answers.tls
    scheme, name, port = _host(ctx)
    if tls.mode == "none":
        return skip(N_("tls.mode is none: W&B is not served over TLS"))
    if scheme != "https":
        return skip(msg("host is %(host)s: nothing to check over TLS", host=ctx.answers.host))
    try:
        got = _served.served_certificate(name, port, timeout=ctx.timeout * 0.9, cadata=tls.ca_pem)
    except (_served.Unreachable, TimeoutError) as exc:
        return skip(msg("https://%(name)s:%(port)s does not answer yet (%(exc)s)", name=name, port=port, exc=exc))
    except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError: it answers, but not TLS
        return warn(
            msg(
                "https://%(name)s:%(port)s answers but the TLS handshake fails (%(exc)s)", name=name, port=port, exc=exc
            ),
            msg("Make %(name)s:%(port)s terminate TLS with the W&B certificate", name=name, port=port),
            observed=str(exc),
        )
    return _judge_served(ctx, got, name)


def _judge_served(ctx: Context, got: _served.Served, name: str) -> Outcome:
    cert, tls = got.cert, ctx.answers.tls
    seen = f"{_x509.label(cert)} (SHA-256 {_x509.fingerprint(cert)}) at {got.address}"
    known = _trust.known_certificates(tls.cert_pem if tls.mode == "provided" else None, tls.ca_pem)
    verdict = _trust.served_verdict(cert, name, trust=got.trust, code=got.code, known=known)
    problems: list = [c.words for c in verdict.problems]
    notes = [N_("trusted only through tls.ca_pem")] if verdict.via == "extra" else []
    chain = _provided(ctx)
    if isinstance(chain, list):
        if cert == chain[0]:
            notes.append(N_("equals tls.cert_pem's leaf"))
        else:
            problems.append(
                msg(
                    "differs from tls.cert_pem's leaf (%(label)s, SHA-256 %(fingerprint)s)",
                    label=_x509.label(chain[0]),
                    fingerprint=_x509.fingerprint(chain[0]),
                )
            )
    if problems:
        return warn(
            msg("served certificate %(seen)s: %(problems)s", seen=seen, problems=MsgList(problems)),
            msg(
                "%(fix)s; the certificate is served by whatever answers at %(name)s (ingress / load balancer)",
                fix=verdict.problems[0].hint if verdict.problems else msg("Install the W&B certificate"),
                name=name,
            ),
            observed=_x509.fingerprint(cert),
        )
    more = MsgList(["", *notes]) if notes else ""  # "; note; note"
    return passed(
        msg("%(seen)s, trusted, covers %(name)s%(more)s", seen=seen, name=name, more=more),
        observed=_x509.fingerprint(cert),
    )
