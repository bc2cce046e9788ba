"""Deploy checks judged offline (§4.5): the image tag, the resources, the rendered artifacts.

The live cluster checks (deploy.cluster.*) and node checks (deploy.node.*) live in their own modules.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from app.checks._manifests import (
    COMPOSE_SCHEMA,
    compose_schema,
    latest_k8s_version,
    validate_compose,
    validate_kubernetes,
)
from app.checks.engine import EVERYTHING, Context, Outcome, check, fail, passed, warn
from app.facts.quantity import GIB, QuantityError, format_bytes, parse_quantity
from app.i18n.message import N_, Msg, MsgList, msg
from app.secret import EnvRef, reveal
from app.sizing import recommend

# Re-exported: schema validation lives in app/checks/_manifests.py.
K8S_MANIFEST = "kubernetes/wandb.yaml"
__all__ = ["COMPOSE_SCHEMA", "compose_schema", "validate_compose", "validate_kubernetes"]


@check("deploy.version", N_("Image version"), needs=["deploy.version"])
def version(ctx: Context) -> Outcome:
    d = ctx.answers.deploy
    assert d.version is not None, 'needs=["deploy.version"]'
    if d.version.lower() == "latest":
        return warn(
            msg("%(image)s:latest is not pinned: every restart may pull another W&B release", image=d.image),
            msg("Set deploy.version to a release tag, e.g. 0.70.0 (%(image)s:<version>)", image=d.image),
            observed=d.version,
            expected=N_("a pinned tag"),
        )
    return passed(f"{d.image}:{d.version}", observed=d.version, expected=N_("a pinned tag"))


@check("deploy.resources", N_("Requests and limits"))
def resource_limits(ctx: Context) -> Outcome:
    d = ctx.answers.deploy
    values = {}
    for key in ("cpu_request", "cpu_limit", "memory_request", "memory_limit"):
        try:
            values[key] = parse_quantity(getattr(d, key))
        except QuantityError as exc:
            return fail(
                msg("%(path)s: %(problem)s", path="deploy." + key, problem=exc),
                msg("Write deploy.%(key)s as a Kubernetes quantity such as 2, 500m or 8Gi", key=key),
                observed=getattr(d, key),
            )
    observed = msg(
        "cpu %(cpu_request)s/%(cpu_limit)s, memory %(memory_request)s/%(memory_limit)s",
        cpu_request=d.cpu_request,
        cpu_limit=d.cpu_limit,
        memory_request=d.memory_request,
        memory_limit=d.memory_limit,
    )
    over = [
        msg(
            "%(kind)s request %(request)s > limit %(limit)s",
            kind=kind,
            request=getattr(d, kind + "_request"),
            limit=getattr(d, kind + "_limit"),
        )
        for kind in ("cpu", "memory")
        if values[f"{kind}_request"] > values[f"{kind}_limit"]
    ]
    if over:
        return fail(
            MsgList(over),
            N_("Lower the request or raise the limit so that requests ≤ limits"),
            observed=observed,
            expected=N_("requests <= limits"),
        )
    node_gib = ctx.answers.hardware.app.memory_gib
    if node_gib is not None and values["memory_limit"] > node_gib * GIB:
        return warn(
            msg(
                "memory limit %(memory_limit)s (%(format_bytes)s) is above the application node's %(node_gib)s GiB",
                memory_limit=d.memory_limit,
                format_bytes=format_bytes(values["memory_limit"]),
                node_gib=format(node_gib, "g"),
            ),
            msg(
                "Lower deploy.memory_limit to at most %(node_gib)s GiB minus the system's share, or use larger nodes",
                node_gib=format(node_gib, "g"),
            ),
            observed=observed,
            expected=msg("memory limit <= %(node_gib)s GiB", node_gib=format(node_gib, "g")),
        )
    return _below_advice(ctx, values, observed) or passed(
        observed, observed=observed, expected=N_("requests <= limits")
    )


def _below_advice(ctx: Context, values: dict, observed: Msg) -> Outcome | None:
    """A warning when the requests or replicas are below the Hardware page's advice (app/sizing.py)."""
    d, advice = ctx.answers.deploy, recommend(ctx.answers.hardware.app, ctx.answers.deploy.target)
    if advice is None:
        return None
    low = [
        msg("%(what)s %(have)s < %(advised)s", what=what, have=have, advised=advised)
        for what, have, advised, below in (
            (msg("cpu request"), d.cpu_request, advice.cpu_request, values["cpu_request"] < advice.cpu_request),
            (
                msg("memory request"),
                d.memory_request,
                f"{advice.memory_request_gib}Gi",
                values["memory_request"] < advice.memory_request_gib * GIB,
            ),
            (msg("replicas"), d.replicas, advice.replicas, d.replicas < advice.replicas),
        )
        if below
    ]
    if not low:
        return None
    fields = advice.deploy_fields()
    return warn(
        msg("below the sizing advice for these application nodes: %(low)s", low=MsgList(low)),
        msg(
            "Set deploy.cpu_request %(cpu)s, deploy.memory_request %(memory)s and deploy.replicas %(replicas)s "
            "(the Hardware page's suggestion), or declare the nodes W&B really gets",
            cpu=fields["cpu_request"],
            memory=fields["memory_request"],
            replicas=advice.replicas,
        ),
        observed=observed,
        expected=msg(
            "requests cpu %(cpu)s, memory %(memory)s; %(replicas)s replicas",
            cpu=fields["cpu_request"],
            memory=fields["memory_request"],
            replicas=advice.replicas,
        ),
    )


@check("deploy.artifacts", N_("Rendered manifests"), reads=[EVERYTHING])
def artifacts(ctx: Context) -> Outcome:
    from app.artifacts.bundle import COMPOSE, build_file

    # Redacted: the check judges structure, and secrets never need to leave the answers for it.
    k8s_text, compose_text = (build_file(ctx.answers, p, redact=True) or b"" for p in (K8S_MANIFEST, COMPOSE))
    k8s_version = latest_k8s_version()
    problems = []
    k8s = validate_kubernetes(k8s_text.decode(), k8s_version)
    if k8s:
        problems.append(f"{K8S_MANIFEST}: {k8s}")
    comp = validate_compose(compose_text.decode())
    if comp:
        problems.append(f"{COMPOSE}: {comp}")
    expected = msg("Kubernetes %(k8s_version)s schema (strict) and the Compose Specification", k8s_version=k8s_version)
    if problems:
        return fail(
            problems[0],
            N_(
                "Correct the answers field behind this value and render again; if it persists, report it as a wbsetup bug"
            ),
            observed="; ".join(problems),
            expected=expected,
        )
    return passed(
        msg(
            "kubernetes/wandb.yaml valid for Kubernetes %(k8s_version)s; docker-compose.yaml valid",
            k8s_version=k8s_version,
        ),
        observed="valid",
        expected=expected,
    )


def _redis_shape(value: str) -> Msg | None:
    """What is wrong with a Redis URL (never its text: it holds a password), or None."""
    try:
        parts = urlsplit(value)
        _ = parts.port  # raises on a bad port
    except ValueError:
        return msg("its port is not a number 1–65535")
    if parts.scheme not in ("redis", "rediss"):
        return msg("it must start with redis:// or rediss://")
    if not parts.hostname:
        return msg("it names no host")
    if parts.path not in ("", "/") and not parts.path[1:].isdigit():
        return msg("its path must be a database number such as /0")
    if parts.query or parts.fragment:
        return msg("it must have no query or fragment")
    return None


@check("deploy.replicas", N_("Replicas and sessions"), reads=["deploy.redis_url"])
def replicas(ctx: Context) -> Outcome:
    d = ctx.answers.deploy
    raw = d.redis_url
    has_redis = raw is not None
    if has_redis and not isinstance(raw, EnvRef):
        problem = _redis_shape(reveal(raw) or "")
        if problem:
            return fail(
                msg("deploy.redis_url is not a Redis URL: %(problem)s", problem=problem),
                N_("Write it as redis://[:PASSWORD@]HOST:6379[/DB] (rediss:// for TLS), percent-encoding the password"),
                observed="invalid",
                expected="redis://[:password@]host:port[/db]",
            )
    observed = f"replicas={d.replicas}, redis_url={'set' if has_redis else 'unset'}"  # a value, not a message
    if d.target == "helm-operator":
        return passed(
            msg("the operator chart runs Redis and one shared session key for every replica"),
            observed=observed,
            expected=N_("shared sessions"),
        )
    if d.target == "docker-compose":
        if d.replicas > 1:
            return warn(
                msg("deploy.replicas is %(n)s, but the docker-compose target runs one W&B on one host", n=d.replicas),
                N_("Set deploy.replicas to 1, or use the kubernetes or helm-operator target to run several"),
                observed=observed,
                expected="1 replica",
            )
        return passed(msg("one W&B container"), observed=observed, expected="1 replica")
    if d.replicas == 1:
        return passed(
            msg("one replica keeps its sessions and cache in its own Redis"),
            observed=observed,
            expected=N_("1 replica, or an external Redis"),
        )
    if has_redis:
        return passed(
            msg("%(n)s replicas share the external Redis (REDIS) and one GORILLA_SESSION_KEY Secret", n=d.replicas),
            observed=observed,
            expected=N_("an external Redis"),
        )
    return fail(
        msg(
            "%(n)s replicas without deploy.redis_url: each replica would keep its own sessions and cache", n=d.replicas
        ),
        N_("Set deploy.redis_url to an external Redis 7 (redis://:PASSWORD@HOST:6379/0), or set deploy.replicas to 1"),
        observed=observed,
        expected=N_("an external Redis for replicas > 1"),
    )
