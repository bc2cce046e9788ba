"""`verify.rollout`: are W&B's pods running, and if not, why (SPEC §4.6). Private helper of verify.py.

Read-only through lightkube with `deploy.kubeconfig`: LIST pods (and, for helm-operator, the
Deployments and StatefulSets the operator's chart created), LIST the events of a pending pod, GET the
last log lines of a crashing container. Which pods are W&B's:
- `kubernetes`: the labels kubernetes/wandb.yaml sets (app.kubernetes.io/name=wandb, instance=wandb);
- `helm-operator`: every Deployment/StatefulSet of the release (operator-wandb labels each with
  app.kubernetes.io/instance=<WeightsAndBiases name>, `wandb` in helm/wandb-cr.yaml; seen with
  `helm template wandb operator-wandb-0.43.8.tgz`: app, console, parquet, weave, redis), then their
  pods by each one's selector. Succeeded pods (hook Jobs) are not judged.

Log lines are quoted with every secret of the answers scrubbed, in each encoding it could appear in
a log (plain, percent-encoded as in MYSQL/BUCKET URLs, base64).
"""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass
from urllib.parse import quote, quote_plus

from app.artifacts.kubernetes import LABELS
from app.checks import _kube as k
from app.checks.engine import Context, Outcome, fail, passed, warn
from app.i18n.message import N_, Text, msg
from app.secret import reveal

RELEASE = "wandb"  # metadata.name of the WeightsAndBiases resource in helm/wandb-cr.yaml = the chart's release
LOG_LINES = 20
LINE_CHARS = 400
PULL = {"ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull"}
CRASH = {"CrashLoopBackOff"}
CONFIG = {"CreateContainerConfigError", "CreateContainerError", "RunContainerError"}
_RANK = {"pass": 0, "warn": 1, "fail": 2}


@dataclass
class Verdict:
    status: str  # pass | warn | fail
    pod: str
    why: Text = ""  # what is wrong (or "Ready")
    container: str = ""
    image: str = ""
    kind: str = ""  # pull | crash | config | pending | failed | starting | ready


def _conditions(pod) -> dict:
    return {c.type: c for c in ((pod.status.conditions or []) if pod.status else [])}


def judge_pod(pod) -> Verdict | None:
    """What one pod's status says; None for a pod that finished its work (a hook Job's pod)."""
    name, status = pod.metadata.name, pod.status
    phase = status.phase if status else "Unknown"
    if phase == "Succeeded":
        return None
    images = (
        {c.name: c.image for c in (pod.spec.containers or []) + (pod.spec.initContainers or [])} if pod.spec else {}
    )
    statuses = [*(status.initContainerStatuses or []), *(status.containerStatuses or [])] if status else []
    for cs in statuses:
        waiting = cs.state.waiting if cs.state else None
        reason = (waiting.reason or "") if waiting else ""
        image = cs.image or images.get(cs.name, "")
        if reason in PULL:
            assert waiting is not None  # the reason is the waiting state's
            return Verdict("fail", name, f"{reason}: {waiting.message or ''}".rstrip(": "), cs.name, image, "pull")
        if reason in CRASH:
            last = cs.lastState.terminated if cs.lastState else None
            exit_info = (
                msg(
                    "last exit code %(exit_code)s%(reason)s",
                    exit_code=last.exitCode,
                    reason=f" ({last.reason})" if last.reason else "",
                )
                if last
                else msg("no exit code")
            )
            return Verdict(
                "fail",
                name,
                msg(
                    "CrashLoopBackOff, %(restartCount)s restarts, %(exit_info)s",
                    restartCount=cs.restartCount,
                    exit_info=exit_info,
                ),
                cs.name,
                image,
                "crash",
            )
        if reason in CONFIG:
            assert waiting is not None  # the reason is the waiting state's
            return Verdict("fail", name, f"{reason}: {waiting.message or ''}".rstrip(": "), cs.name, image, "config")
    conditions = _conditions(pod)
    scheduled = conditions.get("PodScheduled")
    if phase == "Pending" and scheduled is not None and scheduled.status == "False":
        return Verdict("fail", name, scheduled.message or scheduled.reason or N_("not scheduled"), kind="pending")
    if phase == "Failed":
        return Verdict("fail", name, f"{status.reason or 'Failed'}: {status.message or ''}".rstrip(": "), kind="failed")
    ready = conditions.get("Ready")
    if phase == "Running" and ready is not None and ready.status == "True":
        return Verdict("pass", name, "Ready", kind="ready")
    waiting = [cs.state.waiting.reason for cs in statuses if cs.state and cs.state.waiting and cs.state.waiting.reason]
    why = (
        waiting[0]
        if waiting
        else (msg("%(phase)s, not Ready yet", phase=phase) if phase == "Running" else phase or "Unknown")
    )
    return Verdict("warn", name, why, kind="starting")


# --- secrets in quoted log lines -----------------------------------------------------------------
def secret_forms(ctx: Context) -> list[str]:
    """Every secret of the answers in the encodings a log line could show it in, longest first."""
    forms: set[str] = set()
    for _, value in ctx.answers.secrets():
        text = reveal(value)
        if not text or len(text) < 4:
            continue
        parts = [text] + [line.strip() for line in text.splitlines() if len(line.strip()) >= 16]
        for part in parts:
            forms.update(
                {
                    part,
                    quote(part, safe=""),
                    quote_plus(part),
                    quote(part, safe="/:"),
                    base64.b64encode(part.encode()).decode(),
                }
            )
    return sorted((f for f in forms if len(f) >= 4), key=len, reverse=True)


def scrub(line: str, forms: list[str]) -> str:
    for form in forms:
        line = line.replace(form, "********")
    return line


# --- reading the cluster -----------------------------------------------------------------------------
async def _pods(ctx: Context, client) -> tuple[list, Text]:
    """W&B's pods and how they were found (a label selector, for messages)."""
    from lightkube.resources.apps_v1 import Deployment, StatefulSet
    from lightkube.resources.core_v1 import Pod

    ns = ctx.answers.deploy.namespace
    if ctx.answers.deploy.target == "kubernetes":
        pods = [p async for p in client.list(Pod, namespace=ns, labels=dict(LABELS))]
        return pods, ",".join(f"{key}={value}" for key, value in LABELS.items())
    selector = {"app.kubernetes.io/instance": RELEASE}
    workloads = [w async for w in client.list(Deployment, namespace=ns, labels=selector)]
    workloads += [w async for w in client.list(StatefulSet, namespace=ns, labels=selector)]
    seen, pods = set(), []
    for w in workloads:
        match = (w.spec.selector.matchLabels or {}) if w.spec and w.spec.selector else {}
        if not match:
            continue
        async for p in client.list(Pod, namespace=ns, labels=dict(match)):
            if p.metadata.name not in seen:
                seen.add(p.metadata.name)
                pods.append(p)
    return pods, msg(
        "app.kubernetes.io/instance=%(release)s (the operator's Deployments and StatefulSets)", release=RELEASE
    )


async def _scheduler_message(client, ns: str, pod: str) -> str | None:
    from lightkube.resources.core_v1 import Event

    events = [e async for e in client.list(Event, namespace=ns, fields={"involvedObject.name": pod})]
    failed = [e for e in events if e.reason == "FailedScheduling" and e.message]
    if not failed:
        return None
    newest = max(failed, key=lambda e: str(e.lastTimestamp or e.eventTime or e.firstTimestamp or ""))
    return newest.message


async def _last_lines(client, ctx: Context, pod: str, container: str) -> list[str]:
    """The container's last LOG_LINES log lines, scrubbed; [] when the API has none to give."""
    forms = secret_forms(ctx)
    lines: list[str] = []
    try:
        async for line in client.log(
            pod,
            namespace=ctx.answers.deploy.namespace,
            container=container or None,
            tail_lines=LOG_LINES,
            newlines=False,
        ):
            lines.append(scrub(str(line)[:LINE_CHARS], forms))
            if len(lines) >= LOG_LINES:
                break
    except Exception as exc:
        if k.status_code(exc) is None:
            raise
    return lines[-LOG_LINES:]


# --- the judgement ------------------------------------------------------------------------------
def _pull_hint(ctx: Context, image: str) -> Text:
    registry = ctx.answers.deploy.registry
    if registry:
        return msg(
            "Mirror the image into %(registry)s (skopeo copy docker://%(source)s docker://%(image)s) and let "
            "the nodes pull from it (imagePullSecrets); images.txt lists every image",
            registry=registry,
            source=image.removeprefix(registry + "/"),
            image=image,
        )
    return msg(
        "The nodes cannot pull %(image)s: check deploy.image and deploy.version, the nodes' access to the "
        "registry and its credentials (imagePullSecrets); air-gapped, set deploy.registry and mirror "
        "images.txt",
        image=image,
    )


async def rollout(ctx: Context) -> Outcome:
    pre = k.precondition(ctx)
    if pre is not None:
        return pre
    ns = ctx.answers.deploy.namespace
    try:
        async with k.client(ctx) as client:
            return await asyncio.wait_for(_judge(ctx, client, ns), k.budget(ctx))
    except Exception as exc:  # noqa: BLE001 — every failure becomes a result naming its cause
        if k.status_code(exc) == 403:
            return warn(
                msg("cannot read W&B's pods in namespace %(namespace)s (forbidden)", namespace=ns),
                msg(
                    "Grant read access (%(grant)s) or look yourself: %(command)s",
                    grant=msg(
                        "kubectl create rolebinding wbsetup-view --clusterrole=view --user=USER -n %(ns)s", ns=ns
                    ),
                    command=msg("kubectl get pods -n %(ns)s", ns=ns),
                ),
                observed="forbidden",
            )
        return k.failure(exc, ctx)


async def _judge(ctx: Context, client, ns: str) -> Outcome:
    pods, how = await _pods(ctx, client)
    verdicts = [v for v in (judge_pod(p) for p in pods) if v is not None]
    if not verdicts:
        if ctx.answers.deploy.target == "kubernetes":
            return fail(
                msg(
                    "no W&B pods in namespace %(namespace)s (labels %(selector)s): W&B is not deployed there",
                    namespace=ns,
                    selector=how,
                ),
                msg("Deploy it: kubectl apply -f kubernetes/wandb.yaml (namespace %(namespace)s)", namespace=ns),
                observed=0,
            )
        return warn(
            msg(
                "no W&B workloads in namespace %(namespace)s yet (%(selector)s): the operator has not deployed W&B",
                namespace=ns,
                selector=how,
            ),
            msg(
                "Check the WeightsAndBiases resource and the operator: kubectl describe weightsandbiases "
                "-n %(namespace)s; kubectl logs -n wandb-cr -l app.kubernetes.io/name=operator",
                namespace=ns,
            ),
            observed=0,
        )
    worst = max(verdicts, key=lambda v: _RANK[v.status])
    others = [v for v in verdicts if v is not worst and v.status != "pass"]
    also = msg("; also: %(others)s", others="; ".join(f"{v.pod}: {v.why}" for v in others[:4])) if others else ""
    ready = sum(v.status == "pass" for v in verdicts)
    observed = {v.pod: v.why for v in verdicts}
    if worst.status == "pass":
        return passed(
            msg(
                "%(ready)s pods Ready in %(namespace)s: %(pods)s",
                ready=ready,
                namespace=ns,
                pods=", ".join(v.pod for v in verdicts),
            ),
            observed=observed,
        )
    describe = msg("kubectl describe pod %(pod)s -n %(ns)s", pod=worst.pod, ns=ns)
    about = {"pod": worst.pod, "container": worst.container, "image": worst.image, "why": worst.why, "also": also}
    if worst.kind == "pull":
        return fail(
            msg("pod %(pod)s cannot pull image %(image)s (%(why)s)%(also)s", **about),
            _pull_hint(ctx, worst.image),
            observed=observed,
        )
    if worst.kind == "crash":
        lines = await _last_lines(client, ctx, worst.pod, worst.container)
        logs = "\n".join(lines) if lines else msg("(no log lines)")
        return fail(
            msg(
                "pod %(pod)s: container %(container)s is crashing (%(why)s)%(also)s; its last log lines:\n%(logs)s",
                **about,
                logs=logs,
            ),
            msg(
                "Fix what the log names (often MYSQL, BUCKET or LICENSE in the wandb Secret), then restart: "
                "%(restart)s; the whole log: %(command)s",
                restart=msg("kubectl rollout restart deploy -n %(ns)s", ns=ns),
                command=msg("kubectl logs %(pod)s -n %(ns)s --previous", pod=worst.pod, ns=ns),
            ),
            observed=observed,
        )
    if worst.kind == "pending":
        event = await _scheduler_message(client, ns, worst.pod)
        return fail(
            msg("pod %(pod)s cannot be scheduled: %(reason)s%(also)s", **about, reason=event or worst.why),
            msg(
                "Free or add nodes with the requested CPU and memory (deploy.cpu_request, "
                "deploy.memory_request), or lower the requests; details: %(command)s",
                command=describe,
            ),
            observed=observed,
        )
    if worst.status == "fail":
        return fail(
            msg("pod %(pod)s: %(why)s%(also)s", **about),
            msg("Details: %(command)s", command=describe),
            observed=observed,
        )
    return warn(
        msg(
            "%(ready)s of %(total)s W&B pods Ready; pod %(pod)s is still starting (%(why)s)%(also)s",
            **about,
            ready=ready,
            total=len(verdicts),
        ),
        msg(
            "Wait and re-run (the first start runs database migrations); watch it: kubectl get pods -n "
            "%(namespace)s -w",
            namespace=ns,
        ),
        observed=observed,
    )
