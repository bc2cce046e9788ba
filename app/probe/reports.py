"""Node reports (§4.5 "The nodes, measured from the nodes"; the report shape is a **contract**).

`wbsetup probe --node ANSWERS` runs `node_report()` on an application node or a client machine and
prints the report (the measuring itself is app/probe/node.py, which the wizard's served node script
embeds too); `validate --node-report FILE` reads reports back with `load_reports()`, and the
web upload path uses `validate_report()`. The `deploy.node.*` checks (app/checks/deploy_nodes.py)
judge them. Every measurement is bounded by a timeout; nothing here needs root.
"""

from __future__ import annotations

import json
from datetime import datetime

from app.answers import Answers, AnswersError
from app.i18n.message import N_, Text, as_msg, msg
from app.probe import node as node_probe
from app.probe.node import HARDWARE_KEYS, KIND, ROLES, SCHEMA, TLS_STATES


# --- what the node measures (app/probe/node.py; these wrappers take the answers) -------------------
def targets(answers: Answers) -> dict:
    """What a node must reach, as plain data for app.probe.node (and the served node script):
    {"profile", "database": {"host", "port"} | None, "object_store": {"endpoint", "ca_pem"} | None,
    "host": the W&B URL | None}. No secrets: none of these fields is one."""
    db, store = answers.database, answers.object_store
    return {
        "profile": answers.profile,
        "database": {"host": db.host, "port": db.port} if db.host else None,
        "object_store": {"endpoint": store.endpoint, "ca_pem": store.ca_pem} if store.endpoint else None,
        "host": answers.host or None,
    }


def node_report(answers: Answers, role: str = "app", name: str | None = None, timeout: float = 3.0) -> dict:
    """Measure, from this machine, what the deployment in `answers` needs of it (the contract shape)."""
    return node_probe.measure_node(targets(answers), role, name, timeout)


def reach_database(answers: Answers, timeout: float = 3.0) -> dict:
    """TCP connection to database.host:port."""
    return node_probe.reach_database(targets(answers)["database"], timeout)


def reach_object_store(answers: Answers, timeout: float = 3.0) -> dict:
    """TCP connection to the S3 endpoint; for https, whom the served certificate is trusted by."""
    return node_probe.reach_object_store(targets(answers)["object_store"], timeout)


def reach_host(answers: Answers, timeout: float = 3.0) -> dict:
    """Does the W&B host name resolve here?"""
    return node_probe.reach_host(targets(answers)["host"], timeout)


def docker_versions(timeout: float = 5.0) -> dict:
    """Docker Engine (the running daemon's version) and Compose (v2 plugin, else docker-compose)."""
    return node_probe.docker_versions(timeout)


def listening_ports(proc: str = "/proc/net") -> list[int]:
    """TCP ports in state LISTEN (IPv4 and IPv6), from /proc/net/tcp{,6}."""
    return node_probe.listening_ports(proc)


def published_ports(answers: Answers) -> list[int]:
    """Host ports the docker-compose target publishes on an app node: exactly what the rendered
    compose file publishes (one source of truth, app.artifacts.compose)."""
    from app.artifacts.compose import published_ports as compose_ports

    return compose_ports(answers)


# --- reading reports back ------------------------------------------------------------------------
def _reach_ok(doc: dict, key: str, errors: list[Text]) -> None:
    item = doc.get(key)
    if not isinstance(item, dict) or not isinstance(item.get("ok"), bool) or "target" not in item:
        errors.append(msg("reach.%(key)s: an object with target, ok (true/false) and error", key=key))
        return
    if key == "object_store" and item.get("tls") not in (*TLS_STATES, None):
        errors.append(msg("reach.object_store.tls: one of %(states)s or null", states=", ".join(TLS_STATES)))


def _timestamp(value) -> bool:
    """An ISO 8601 timestamp the store can keep (e.g. 2026-11-29T03:00:00Z)."""
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def validate_report(doc, profile: str) -> dict:
    """Check a parsed node report's shape and profile; raise AnswersError listing what is wrong."""
    if not isinstance(doc, dict) or doc.get("kind") != KIND:
        raise AnswersError([N_("not a node report (kind must be node-report)")])
    errors: list[Text] = []
    if doc.get("schema") != SCHEMA:
        errors.append(msg("schema: must be %(schema)s", schema=SCHEMA))
    if doc.get("profile") != profile:
        errors.append(
            msg(
                "profile: the report is for profile %(profile)s, not %(expected)s",
                profile=repr(doc.get("profile")),
                expected=repr(profile),
            )
        )
    if not isinstance(doc.get("node"), str) or not doc["node"] or len(doc["node"]) > 253:  # a host name's limit
        errors.append(N_("node: the node's name (a string)"))
    if doc.get("role") not in ROLES:
        errors.append(msg("role: one of %(roles)s", roles=", ".join(ROLES)))
    if not _timestamp(doc.get("measured_at")):
        errors.append(N_("measured_at: a UTC timestamp such as 2026-11-29T03:00:00Z"))
    hardware = doc.get("hardware")
    if not isinstance(hardware, dict) or any(k not in hardware for k in HARDWARE_KEYS):
        errors.append(msg("hardware: an object with %(keys)s", keys=", ".join(HARDWARE_KEYS)))
    reach = doc.get("reach")
    if not isinstance(reach, dict):
        errors.append(N_("reach: an object with database, object_store and host"))
    else:
        for key in ("database", "object_store", "host"):
            _reach_ok(reach, key, errors)
    docker = doc.get("docker")
    if not isinstance(docker, dict) or any(
        not isinstance(docker.get(k), (str, type(None))) for k in ("engine", "compose")
    ):
        errors.append(N_("docker: an object with engine and compose (a version or null)"))
    ports = doc.get("ports_in_use")
    if not isinstance(ports, list) or any(not isinstance(p, int) or isinstance(p, bool) for p in ports):
        errors.append(N_("ports_in_use: a list of port numbers"))
    if errors:
        raise AnswersError(errors)
    return doc


def load_reports(paths: list[str], profile: str) -> list[dict]:
    """Read node report files for `profile`; AnswersError (CLI exit 2) names the file and the problem."""
    reports = []
    for path in paths:
        try:
            with open(path, encoding="utf-8") as fh:
                doc = json.load(fh)
        except OSError as exc:
            raise AnswersError(
                [msg("%(path)s: cannot read the node report (%(strerror)s)", path=path, strerror=exc.strerror)]
            ) from None
        except (ValueError, UnicodeDecodeError):
            raise AnswersError([msg("%(path)s: not a node report (not JSON)", path=path)]) from None
        try:
            reports.append(validate_report(doc, profile))
        except AnswersError as exc:
            raise AnswersError(
                [msg("%(path)s: %(problem)s", path=path, problem=as_msg(e)) for e in exc.errors]
            ) from None
    return reports
