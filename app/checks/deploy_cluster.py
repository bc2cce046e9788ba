"""Live cluster checks `deploy.cluster.*` (§4.5 "The cluster, live").

Read-only: only GETs, LISTs and SelfSubjectAccessReviews (which the API server answers without
storing anything). Each check opens its own short-lived lightkube AsyncClient and bounds all of its
requests by `_kube.budget(ctx)` (inside the runner's per-check timeout), so a silent API server gives
our own "timed out" message. Facts gathered by `deploy.cluster.connect` (the server version) are
shared through `ctx.facts`.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable

from app.checks import _kube as k, kubeconfig as kc
from app.checks._cluster_rules import unfit_node
from app.checks.engine import Context, Outcome, check, fail, passed, skip, warn
from app.facts.quantity import parse_quantity
from app.i18n.message import N_, MsgList, Text, as_msg, msg, msg_format, nmsg

CONNECT = "deploy.cluster.connect"
OPERATOR_CRD = "weightsandbiases.apps.wandb.com"
OPERATOR_INSTALL = (
    "helm repo add wandb https://charts.wandb.ai && "
    "helm upgrade --install operator wandb/operator -n wandb-cr --create-namespace"
)
CERT_MANAGER_INSTALL = (
    "helm upgrade --install cert-manager jetstack/cert-manager -n cert-manager "
    "--create-namespace --set crds.enabled=true"
)


def cluster_check(id: str, title: str):
    """Register an async `fn(ctx, client) -> Outcome` as a cluster check that depends on connect,
    skips without a cluster/kubeconfig, and turns request failures into a fail naming the cause."""

    def register(fn):
        @functools.wraps(fn)
        async def run(ctx: Context) -> Outcome:
            pre = k.precondition(ctx)
            if pre is not None:
                return pre
            try:
                async with k.client(ctx) as client:
                    return await asyncio.wait_for(fn(ctx, client), k.budget(ctx))
            except Exception as exc:  # noqa: BLE001 — every failure becomes a result naming its cause
                return k.failure(exc, ctx)

        check(id, title, depends=[CONNECT], reads=["deploy.kubeconfig"])(run)
        return fn

    return register


# --- connect ------------------------------------------------------------------------------------
def _access_review(verb: str, resource: str, group: str = "", namespace: str | None = None):
    from lightkube.models.authorization_v1 import ResourceAttributes, SelfSubjectAccessReviewSpec
    from lightkube.resources.authorization_v1 import SelfSubjectAccessReview

    attrs = ResourceAttributes(verb=verb, resource=resource, group=group, namespace=namespace)
    return SelfSubjectAccessReview(spec=SelfSubjectAccessReviewSpec(resourceAttributes=attrs))


@check(CONNECT, N_("Cluster: API server connection"), reads=["deploy.kubeconfig"])
async def connect(ctx: Context) -> Outcome:
    """GET /version (the server answers), then a SelfSubjectAccessReview (the credentials are
    accepted: anonymous requests get 403 there, bad ones 401 everywhere)."""
    pre = k.precondition(ctx)
    if pre is not None:
        return pre

    async def work() -> dict:
        async with k.raw_client(ctx) as http:
            response = await http.get("/version")
            response.raise_for_status()
            info = response.json()
        async with k.client(ctx) as client:
            await client.create(_access_review("get", "namespaces"))
        return info

    try:
        info = await asyncio.wait_for(work(), k.budget(ctx))
    except Exception as exc:  # noqa: BLE001
        if k.cause(exc) == "forbidden":
            return fail(
                N_(
                    "forbidden (403): the API server does not accept the kubeconfig's credentials "
                    "(requests are treated as anonymous)"
                ),
                N_("Use a kubeconfig whose user the cluster knows: kubectl config view --raw --minify"),
                observed="forbidden",
            )
        return k.failure(exc, ctx)
    version = str(info.get("gitVersion") or f"v{info.get('major')}.{info.get('minor')}")
    ctx.facts["kube.version"] = version
    server = kc.server(k.kubeconfig_text(ctx), ctx.answers.deploy.context)
    return passed(msg("%(server)s answers: Kubernetes %(version)s", server=server, version=version), observed=version)


@cluster_check("deploy.cluster.version", N_("Cluster: Kubernetes version"))
async def version(ctx: Context, client) -> Outcome:
    text = ctx.facts.get("kube.version", "")
    parsed = k.parse_version(text)
    rules = ctx.req["cluster"]["version"]
    expected = f">= {rules[0]['min']}"
    if parsed is None:
        return warn(
            msg("the API server reports an unreadable version %(text)s", text=repr(text)),
            N_("Check kubectl version"),
            observed=text,
            expected=expected,
        )
    rule = k.judge_version(parsed, rules)
    message = msg_format(rule.get("message", "Kubernetes {version}"), version=text, need=rules[0]["min"])
    outcomes: dict[str, Callable[..., Outcome]] = {"pass": passed, "warn": warn, "fail": fail}
    outcome = outcomes[rule["status"]]
    if rule["status"] == "pass":
        return passed(message, observed=text, expected=expected)
    return outcome(message, msg_format(rule["hint"], need=rules[0]["min"]), observed=text, expected=expected)


# --- nodes --------------------------------------------------------------------------------------
@cluster_check("deploy.cluster.nodes", N_("Cluster: nodes that can run W&B"))
async def nodes(ctx: Context, client) -> Outcome:
    from lightkube.resources.core_v1 import Node

    d = ctx.answers.deploy
    cpu, memory = parse_quantity(d.cpu_request), parse_quantity(d.memory_request)
    per_arch: dict[str, int] = {}
    fit, unfit = [], []
    async for node in client.list(Node):
        arch, why = unfit_node(node, cpu, memory)
        per_arch[arch] = per_arch.get(arch, 0) + 1
        (
            unfit.append(msg("%(node)s: %(why)s", node=node.metadata.name, why=as_msg(why)))
            if why
            else fit.append(node.metadata.name)
        )
    expected = msg(
        ">= %(replicas)s Ready, schedulable amd64 nodes with %(cpu_request)s CPU and %(memory_request)s allocatable",
        replicas=d.replicas,
        cpu_request=d.cpu_request,
        memory_request=d.memory_request,
    )
    shown = ", ".join(f"{n} {a}" for a, n in sorted(per_arch.items())) or msg("no nodes")
    hint = msg(
        "Add Ready amd64 nodes with at least %(cpu_request)s CPU and %(memory_request)s memory allocatable "
        "(kubectl get nodes -L kubernetes.io/arch; kubectl uncordon NODE)",
        cpu_request=d.cpu_request,
        memory_request=d.memory_request,
    )
    others = msg("; not usable: %(unfit)s", unfit=MsgList(unfit[:5])) if unfit else ""
    if len(fit) >= d.replicas:
        return passed(
            nmsg(
                "%(n)s node can run a replica (%(shown)s)",
                "%(n)s nodes can run a replica (%(shown)s)",
                len(fit),
                shown=shown,
            ),
            observed=per_arch,
            expected=expected,
        )
    if fit:
        return warn(
            nmsg(
                "only %(n)s node can run a replica, %(replicas)s replicas planned (%(shown)s)%(others)s",
                "only %(n)s nodes can run a replica, %(replicas)s replicas planned (%(shown)s)%(others)s",
                len(fit),
                replicas=d.replicas,
                shown=shown,
                others=others,
            ),
            hint,
            observed=per_arch,
            expected=expected,
        )
    return fail(
        msg("no node can run a W&B replica (%(shown)s)%(others)s", shown=shown, others=others),
        hint,
        observed=per_arch,
        expected=expected,
    )


# --- permissions --------------------------------------------------------------------------------
RESOURCES = [("", "secrets"), ("", "services"), ("apps", "deployments"), ("networking.k8s.io", "ingresses")]


def _name(group: str, resource: str) -> str:
    return f"{resource}.{group}" if group else resource


@cluster_check("deploy.cluster.permissions", N_("Cluster: permissions to deploy"))
async def permissions(ctx: Context, client) -> Outcome:
    from lightkube.resources.core_v1 import Namespace

    ns = ctx.answers.deploy.namespace
    wanted: list[tuple[str, str, str | None]] = [(g, r, ns) for g, r in RESOURCES]
    if ctx.answers.deploy.target == "helm-operator":
        wanted.append(("apps.wandb.com", "weightsandbiases", ns))
    note: Text = ""
    try:
        await client.get(Namespace, ns)
    except Exception as exc:  # noqa: BLE001
        if k.status_code(exc) == 404:
            wanted.append(("", "namespaces", None))
            note = msg(" (namespace %(ns)s does not exist yet)", ns=ns)
        elif k.status_code(exc) == 403:
            note = msg(" (whether namespace %(ns)s exists could not be read)", ns=ns)
        else:
            raise
    reviews = await asyncio.gather(*(client.create(_access_review("create", r, g, n)) for g, r, n in wanted))
    denied = [
        f"create {_name(g, r)}" for (g, r, _), rev in zip(wanted, reviews, strict=False) if not rev.status.allowed
    ]
    observed = {_name(g, r): rev.status.allowed for (g, r, _), rev in zip(wanted, reviews, strict=False)}
    if not denied:
        return passed(
            msg("allowed to create %(observed)s in %(ns)s%(note)s", observed=", ".join(observed), ns=ns, note=note),
            observed=observed,
        )
    admin = (
        msg("; and a cluster admin runs: kubectl create namespace %(ns)s", ns=ns)
        if ("", "namespaces", None) in wanted
        else ""
    )
    hint = msg(
        "Grant them: kubectl create rolebinding wandb-deployer --clusterrole=admin --user=USER -n %(ns)s%(admin)s",
        ns=ns,
        admin=admin,
    )
    return fail(
        msg("denied in namespace %(ns)s: %(denied)s%(note)s", ns=ns, denied=", ".join(denied), note=note),
        hint,
        observed=observed,
    )


# --- ingress class, operator, cert-manager --------------------------------------------------------
@cluster_check("deploy.cluster.ingress_class", N_("Cluster: IngressClass"))
async def ingress_class(ctx: Context, client) -> Outcome:
    from lightkube.resources.networking_v1 import IngressClass

    name = ctx.answers.deploy.ingress_class
    try:
        obj = await client.get(IngressClass, name)
        controller = obj.spec.controller if obj.spec else None
        return passed(
            msg("IngressClass %(name)s exists (controller %(controller)s)", name=name, controller=controller),
            observed=name,
        )
    except Exception as exc:  # noqa: BLE001
        if k.status_code(exc) == 403:
            return k.unreadable(f"IngressClass {name}", "kubectl get ingressclass")
        if k.status_code(exc) != 404:
            raise
    try:
        existing = [c.metadata.name async for c in client.list(IngressClass)]
    except Exception as exc:  # noqa: BLE001
        if k.status_code(exc) == 403:
            return warn(
                msg("IngressClass %(name)s not found and listing IngressClasses is forbidden", name=name),
                N_("Check it yourself: kubectl get ingressclass"),
                observed="forbidden",
            )
        raise
    shown = ", ".join(existing) or msg("(none)")
    return fail(
        msg("IngressClass %(name)s does not exist (existing: %(shown)s)", name=name, shown=shown),
        msg(
            "Set deploy.ingress_class to one of: %(shown)s, or install an ingress controller (helm "
            "upgrade --install ingress-nginx ingress-nginx/ingress-nginx -n ingress-nginx "
            "--create-namespace)",
            shown=shown,
        ),
        observed=existing,
        expected=name,
    )


@cluster_check("deploy.cluster.operator", N_("Cluster: W&B operator"))
async def operator(ctx: Context, client) -> Outcome:
    from lightkube.resources.apiextensions_v1 import CustomResourceDefinition

    if ctx.answers.deploy.target != "helm-operator":
        return skip(
            msg("target %(target)s: the W&B operator is used only by helm-operator", target=ctx.answers.deploy.target)
        )
    try:
        crd = await client.get(CustomResourceDefinition, OPERATOR_CRD)
    except Exception as exc:  # noqa: BLE001
        if k.status_code(exc) == 404:
            return fail(
                msg("CRD %(crd)s is absent: the W&B operator is not installed", crd=OPERATOR_CRD),
                OPERATOR_INSTALL,
                observed="absent",
                expected="Established",
            )
        if k.status_code(exc) == 403:
            return k.unreadable(f"CRD {OPERATOR_CRD}", f"kubectl get crd {OPERATOR_CRD}")
        raise
    conditions = (crd.status.conditions or []) if crd.status else []
    if any(c.type == "Established" and c.status == "True" for c in conditions):
        return passed(msg("CRD %(crd)s is Established", crd=OPERATOR_CRD), observed="Established")
    return fail(
        msg("CRD %(crd)s exists but is not Established", crd=OPERATOR_CRD),
        msg(
            "Check the operator: kubectl describe crd %(crd)s; then %(install)s",
            crd=OPERATOR_CRD,
            install=OPERATOR_INSTALL,
        ),
        observed=N_("not Established"),
        expected="Established",
    )


def _cluster_issuer():
    from lightkube.generic_resource import create_global_resource

    return create_global_resource("cert-manager.io", "v1", "ClusterIssuer", "clusterissuers")


@cluster_check("deploy.cluster.cert_manager", N_("Cluster: cert-manager ClusterIssuer"))
async def cert_manager(ctx: Context, client) -> Outcome:
    tls = ctx.answers.tls
    if tls.mode != "cert-manager":
        return skip(msg("tls.mode is %(mode)s: cert-manager is not used", mode=tls.mode))
    if not tls.issuer:
        return skip(N_("input missing: tls.issuer (the ClusterIssuer name)"))
    try:
        issuer = await client.get(_cluster_issuer(), tls.issuer)
    except Exception as exc:  # noqa: BLE001
        code = k.status_code(exc)
        if code == 404:
            details = getattr(getattr(exc, "status", None), "details", None)
            if details is None or not getattr(details, "name", None):  # the resource type itself is unknown
                return fail(
                    msg("ClusterIssuer %(issuer)s is absent: cert-manager is not installed", issuer=tls.issuer),
                    CERT_MANAGER_INSTALL,
                    observed="absent",
                    expected="Ready",
                )
            return fail(
                msg("ClusterIssuer %(issuer)s is absent", issuer=tls.issuer),
                msg(
                    "Create it (kubectl apply -f clusterissuer.yaml) or set tls.issuer to one of: kubectl "
                    "get clusterissuers",
                ),
                observed="absent",
                expected="Ready",
            )
        if code == 403:
            return k.unreadable(f"ClusterIssuer {tls.issuer}", f"kubectl get clusterissuer {tls.issuer}")
        raise
    conditions = (issuer.status or {}).get("conditions") or []
    ready = next((c for c in conditions if c.get("type") == "Ready"), None)
    if ready and ready.get("status") == "True":
        return passed(msg("ClusterIssuer %(issuer)s is Ready", issuer=tls.issuer), observed="Ready")
    reason = (ready or {}).get("message") or (ready or {}).get("reason") or msg("no Ready condition")
    return warn(
        msg("ClusterIssuer %(issuer)s is not Ready: %(reason)s", issuer=tls.issuer, reason=reason),
        msg("Inspect it: kubectl describe clusterissuer %(issuer)s", issuer=tls.issuer),
        observed=N_("not Ready"),
        expected="Ready",
    )
