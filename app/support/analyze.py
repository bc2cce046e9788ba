"""What the collected facts mean: pure functions from facts to outcomes (analysis.json, README's table).

Facts (app/support/collect.py, cluster.py): `pods`, `events`, `nodes`, `deployments` (API objects as
the API returns them), `logs` ({(pod, container, previous): text}), `checks` (the fresh check run's
results), `certificates` ([{source, subject, not_after, served_by}]), `namespace`. Each analyzer returns a list
of `{"id", "status": pass|warn|fail, "title", "message", "hint"}`; texts are messages (app.i18n.message),
so the web shows them in the reader's language and the archive in English.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from app.i18n.message import msg, nmsg
from app.support.analyze_pods import log_cause, outcome, pods

__all__ = ["analyze", "log_cause", "pods"]

PRESSURE = ("MemoryPressure", "DiskPressure", "PIDPressure")
EXPIRY_DAYS = 30
_ORDER = {"fail": 0, "warn": 1, "pass": 2}


def _check_outcomes(facts: dict, ids: tuple[str, ...], id: str, title, bad) -> list[dict]:
    results = [c for c in facts.get("checks") or [] if c["id"] in ids]
    failed = [c for c in results if c["status"] in ("fail", "error")]
    if failed:
        return [outcome(id, "fail", title, bad(c), c.get("hint") or "") for c in failed]
    if any(c["status"] == "pass" for c in results):
        return [
            outcome(
                id,
                "pass",
                title,
                msg("the checks %(ids)s passed", ids=", ".join(c["id"] for c in results if c["status"] == "pass")),
            )
        ]
    return []


def wandb_ready(facts: dict) -> list[dict]:
    """W&B not ready: from the verify checks and from the Deployments' ready replicas."""
    title = msg("W&B ready")
    out = [
        o
        for o in _check_outcomes(
            facts,
            ("verify.health", "verify.ready", "verify.rollout"),
            "wandb.ready",
            title,
            lambda c: msg(
                "W&B is not ready: %(check)s: %(message)s", check=c["id"], message=c.get("message") or c["status"]
            ),
        )
    ]
    for d in facts.get("deployments") or []:
        want = int((d.get("spec") or {}).get("replicas", 1) or 0)
        ready = int((d.get("status") or {}).get("readyReplicas") or 0)
        if ready < want:
            name = d["metadata"]["name"]
            out.append(
                outcome(
                    "wandb.ready",
                    "fail",
                    title,
                    msg("deployment %(name)s: %(ready)s of %(want)s replicas ready", name=name, ready=ready, want=want),
                    msg(
                        "See the pod analyses above; kubectl -n %(ns)s describe deployment %(name)s",
                        ns=facts.get("namespace", "wandb"),
                        name=name,
                    ),
                )
            )
    return [o for o in out if o["status"] != "pass"] or out[:1]


def services(facts: dict) -> list[dict]:
    """Database and object store unreachable (from the check results)."""
    db = _check_outcomes(
        facts,
        ("database.connect",),
        "database.reachable",
        msg("Database reachable"),
        lambda c: msg("the database cannot be reached: %(message)s", message=c.get("message") or c["status"]),
    )
    s3 = _check_outcomes(
        facts,
        ("object_store.endpoint", "object_store.credentials", "object_store.bucket"),
        "object_store.reachable",
        msg("Object store reachable"),
        lambda c: msg(
            "the object store cannot be used (%(check)s): %(message)s",
            check=c["id"],
            message=c.get("message") or c["status"],
        ),
    )
    return db + s3


def certificates(facts: dict, now: dt.datetime) -> list[dict]:
    """Certificates expired or expiring within EXPIRY_DAYS days."""
    out = []
    for cert in facts.get("certificates") or []:
        left = (dt.datetime.fromisoformat(cert["not_after"]) - now).total_seconds() / 86400
        where = msg("%(subject)s (%(source)s)", subject=cert["subject"], source=cert["source"])
        hint = (
            msg(
                "Renew the certificate %(host)s serves where it is issued (cert-manager: kubectl describe certificate "
                "-A; a proxy in front: its own certificate store)",
                host=cert["served_by"],
            )
            if cert.get("served_by")
            else msg(
                "Renew the certificate and put it into %(source)s, then re-render and apply", source=cert["source"]
            )
        )
        if left < 0:
            out.append(
                outcome(
                    "certificates.expiry",
                    "fail",
                    msg("Certificate expiry"),
                    msg("certificate %(where)s expired on %(date)s", where=where, date=cert["not_after"][:10]),
                    hint,
                )
            )
        elif left < EXPIRY_DAYS:
            out.append(
                outcome(
                    "certificates.expiry",
                    "warn",
                    msg("Certificate expiry"),
                    msg(
                        "certificate %(where)s expires in %(days)s days (%(date)s)",
                        where=where,
                        days=int(left),
                        date=cert["not_after"][:10],
                    ),
                    hint,
                )
            )
    if not out and facts.get("certificates"):
        out.append(
            outcome(
                "certificates.expiry",
                "pass",
                msg("Certificate expiry"),
                msg("no certificate expires within %(days)s days", days=EXPIRY_DAYS),
            )
        )
    return out


def nodes(facts: dict) -> list[dict]:
    """Nodes not Ready or under memory, disk or PID pressure."""
    out = []
    for node in facts.get("nodes") or []:
        name = node["metadata"]["name"]
        conds = {c.get("type"): c for c in (node.get("status") or {}).get("conditions") or []}
        ready = conds.get("Ready", {})
        if ready.get("status") != "True":
            out.append(
                outcome(
                    "nodes.ready",
                    "fail",
                    msg("Node ready"),
                    msg(
                        "node %(node)s is NotReady: %(why)s",
                        node=name,
                        why=ready.get("message") or ready.get("reason") or msg("no Ready condition"),
                    ),
                    msg("Check the kubelet on %(node)s (journalctl -u kubelet) and its network", node=name),
                )
            )
        for kind in PRESSURE:
            if conds.get(kind, {}).get("status") == "True":
                out.append(
                    outcome(
                        "nodes.pressure",
                        "warn",
                        msg("Node pressure"),
                        msg(
                            "node %(node)s reports %(kind)s: %(why)s",
                            node=name,
                            kind=kind,
                            why=conds[kind].get("message") or "",
                        ),
                        msg(
                            "Free resources on %(node)s or add nodes: kubectl describe node %(node)s",
                            node=name,
                        ),
                    )
                )
    if not out and facts.get("nodes"):
        out.append(
            outcome(
                "nodes.ready",
                "pass",
                msg("Node ready"),
                nmsg(
                    "%(n)s node Ready, none under pressure",
                    "%(n)s nodes Ready, none under pressure",
                    len(facts["nodes"]),
                ),
            )
        )
    return out


_EVENT_HINTS = {
    "FailedScheduling": msg("Add nodes or lower the requests (deploy.resources)"),
    "FailedMount": msg("Create the Secret, ConfigMap or volume the message names"),
    "BackOff": msg("See the crash-looping pod's analysis and its previous log"),
    "Unhealthy": msg("The probe fails: read the pod's log; W&B's startup probe allows 10 minutes for migrations"),
    "Failed": msg("Read the message: an image or a container that cannot start"),
}


def events(facts: dict, limit: int = 10) -> list[dict]:
    """Warning events, one outcome per reason and object (the most frequent first)."""
    groups: dict[tuple, dict] = {}
    for ev in facts.get("events") or []:
        if ev.get("type") != "Warning":
            continue
        obj = ev.get("involvedObject") or {}
        key = (ev.get("reason"), obj.get("kind"), obj.get("name"))
        g = groups.setdefault(key, {"count": 0, "message": ev.get("message") or ""})
        g["count"] += int(ev.get("count") or 1)
    ordered = sorted(groups.items(), key=lambda kv: -kv[1]["count"])
    out = []
    for (reason, kind, name), g in ordered[:limit]:
        out.append(
            outcome(
                "events.warning",
                "warn",
                msg("Warning events"),
                msg(
                    "%(reason)s on %(kind)s %(name)s (%(count)s×): %(message)s",
                    reason=reason,
                    kind=kind,
                    name=name,
                    count=g["count"],
                    message=g["message"][:300],
                ),
                _EVENT_HINTS.get(str(reason))
                or msg(
                    "Look at the object: kubectl -n %(ns)s describe %(kind)s %(name)s",
                    ns=facts.get("namespace", "wandb"),
                    kind=str(kind).lower(),
                    name=name,
                ),
            )
        )
    if len(ordered) > limit:
        out.append(
            outcome(
                "events.warning",
                "warn",
                msg("Warning events"),
                nmsg(
                    "%(n)s more kind of Warning events in cluster/events.json",
                    "%(n)s more kinds of Warning events in cluster/events.json",
                    len(ordered) - limit,
                ),
            )
        )
    if not out and "events" in facts:
        out.append(outcome("events.warning", "pass", msg("Warning events"), msg("no Warning events")))
    return out


ANALYZERS: list[Callable[[dict], list[dict]]] = [pods, wandb_ready, services, nodes, events]


def analyze(facts: dict, now: dt.datetime | None = None) -> list[dict]:
    """Every analyzer over `facts`: failures first, then warnings, then what is fine."""
    now = now or dt.datetime.now(dt.UTC)
    out = [o for fn in ANALYZERS for o in fn(facts)] + certificates(facts, now)
    return sorted(out, key=lambda o: _ORDER[o["status"]])
