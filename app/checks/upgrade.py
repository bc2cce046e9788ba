"""Upgrade preflight (SPEC §4.7, step `upgrade`): before applying a bundle whose deploy.version differs
from what runs. Read-only: the running version from the W&B container image (Kubernetes) or GraphQL
serverInfo (with the API key), the direction with versions compared numerically (0.9.0 < 0.10.0), and
the requirements for the target judged against the live servers by the same rules as the database and
cluster checks (run here, nested, on the answers' requirement profile)."""

from __future__ import annotations

import re

from packaging.version import InvalidVersion, Version

from app.checks.engine import EVERYTHING, Context, Outcome, check, error, fail, passed, skip, warn
from app.i18n.message import N_, msg
from app.secret import reveal

RUNNING, DIRECTION, REQUIREMENTS = "upgrade.running", "upgrade.direction", "upgrade.requirements"
RESTORE = N_(
    "W&B migrates its database forward only: to go back, restore the backup taken before the upgrade "
    "(ops/restore-mysql.sh FILE) and apply the previous bundle"
)
# What upgrade.requirements re-judges against the live servers.
RULES = (
    "database.connect",
    "database.version",
    "database.binlog_format",
    "database.binlog_row_image",
    "database.sync_binlog",
    "database.innodb_flush_log_at_trx_commit",
    "database.innodb_online_alter_log_max_size",
    "database.sort_buffer_size",
    "database.max_prepared_stmt_count",
    "deploy.cluster.connect",
    "deploy.cluster.version",
)


ZERO = Version("0")


def version_key(text: str) -> Version | None:
    """The release order of "0.10.0" / "v0.10.0" / "0.10.0-rc1" (PEP 440's: a pre-release comes before its
    release); a tag that is not a PEP 440 version counts by its leading numbers; None when not a version."""
    text = str(text or "").strip()
    try:
        return Version(text)
    except InvalidVersion:
        m = re.match(r"^v?(\d+(?:\.\d+)*)", text)
        return Version(m.group(1)) if m else None


async def _from_cluster(ctx: Context) -> Outcome:
    from app.checks import _kube
    from app.facts.kube import running_versions

    d = ctx.answers.deploy
    path = (
        f"/apis/apps/v1/namespaces/{d.namespace}/deployments/wandb"
        if d.target == "kubernetes"
        else f"/api/v1/namespaces/{d.namespace}/pods"
    )
    try:
        async with _kube.raw_client(ctx) as client:
            response = await client.get(path)
    except Exception as exc:
        return error(msg("the cluster could not be read: %(cause)s", cause=_kube.cause(exc)), "")
    if response.status_code == 404:
        return skip(msg("W&B is not installed in namespace %(ns)s (nothing to upgrade from)", ns=d.namespace))
    if response.status_code != 200:
        return error(msg("the cluster answered %(status)s reading %(path)s", status=response.status_code, path=path))
    doc = response.json()
    pods = [{"spec": doc["spec"]["template"]["spec"]}] if d.target == "kubernetes" else doc.get("items", [])
    found = running_versions(pods, d.image)
    if not found:
        return skip(msg("no W&B pod runs in namespace %(ns)s (nothing to upgrade from)", ns=d.namespace))
    shown = ", ".join(found)
    return passed(msg("W&B %(running)s runs now", running=shown), observed=shown)


async def _from_api(ctx: Context) -> Outcome:
    from app.checks import _verify_http as h
    from app.checks._verify_rules import running_version
    from app.checks.verify import SERVER_INFO, _graphql

    try:
        answer, doc = await _graphql(ctx, SERVER_INFO)
    except h.NoAnswer as exc:
        return error(msg("W&B did not answer GraphQL serverInfo: %(cause)s", cause=str(exc)[:200]))
    running = running_version(doc)
    if answer.status != 200 or not running:
        return error(msg("GraphQL serverInfo answered %(status)s without a version", status=answer.status))
    running = str(running)[:64]
    return passed(msg("W&B %(running)s runs now", running=running), observed=running)


@check(
    RUNNING, N_("Running W&B version"), reads=[EVERYTHING, "deploy.kubeconfig", "verify.api_key"]
)  # the cluster, the API and every live server
async def running(ctx: Context) -> Outcome:
    d = ctx.answers.deploy
    outcome = None
    if d.target in ("kubernetes", "helm-operator") and reveal(d.kubeconfig):
        outcome = await _from_cluster(ctx)
    elif reveal(ctx.answers.verify.api_key) and ctx.answers.host:
        outcome = await _from_api(ctx)
    if outcome is not None:
        if outcome.status == "pass":
            ctx.facts[RUNNING] = outcome.observed
        return outcome
    return skip(
        N_(
            "nothing to read the running version from: provide deploy.kubeconfig (kubernetes, helm-operator) "
            "or verify.api_key with host"
        )
    )


@check(DIRECTION, N_("Upgrade direction"), depends=(RUNNING,))
async def direction(ctx: Context) -> Outcome:
    now = ctx.facts.get(RUNNING)
    target = ctx.answers.deploy.version
    if now is None:
        return skip(N_("the running version is not known (upgrade.running)"))
    if target == "latest":
        return warn(
            msg(
                "deploy.version is latest (W&B runs %(running)s): the version you upgrade to is not pinned", running=now
            ),
            N_("Set deploy.version to the release you upgrade to (e.g. 0.71.0), so the bundle says what runs"),
            observed=now,
            expected=target,
        )
    newest = max((version_key(v) or ZERO for v in now.split(", ")), default=ZERO)
    wanted = version_key(target or "")
    if wanted is None:
        return fail(msg("deploy.version %(target)s is not a version number", target=target), "", observed=now)
    if wanted == newest:
        return passed(msg("already running %(target)s", target=target), observed=now, expected=target)
    if wanted > newest:
        return passed(msg("upgrade from %(running)s to %(target)s", running=now, target=target), observed=now)
    return fail(
        msg("deploy.version %(target)s is older than the running %(running)s: a downgrade", target=target, running=now),
        RESTORE,
        observed=now,
        expected=f">= {now}",
    )


@check(
    REQUIREMENTS,
    N_("Target version's requirements on the live servers"),
    reads=["deploy.kubeconfig", "database.password"],
)
async def requirements(ctx: Context) -> Outcome:
    from app.checks.engine import run_checks

    report = await run_checks(ctx.answers, only=RULES, timeout=max(0.5, ctx.timeout * 0.45), requirements=ctx.req)
    failed = [r.id for r in report.results if r.status in ("fail", "error")]
    warned = [r.id for r in report.results if r.status == "warn"]
    judged = [r for r in report.results if r.status != "skip"]
    if failed:
        return fail(
            msg("the target's requirements do not hold: %(ids)s", ids=", ".join(failed)),
            msg(
                "Run wbsetup validate --step database --step deploy and fix %(ids)s before upgrading",
                ids=", ".join(failed),
            ),
            observed=", ".join(failed),
        )
    if not judged:
        return skip(N_("no live server to judge: provide the database (host, user, password) or deploy.kubeconfig"))
    if warned:
        return warn(
            msg("the requirements hold, with warnings: %(ids)s", ids=", ".join(warned)), "", observed=", ".join(warned)
        )
    return passed(msg("the requirements hold on %(count)s live checks", count=len(judged)))
